"""Which model and outlet list tagged a dump: a fingerprint to tell when an archive must be tagged again.

The model's ``model.json`` names every array of the model by its SHA-256, along with the vocabularies,
thresholds and versions, so the SHA-256 of its bytes identifies the whole model. The outlet list in use
(bundled, ``$CLASSIFIER_OUTLETS``, ``--outlets``) changes the rules' verdicts too, so its content is added:
the sorted handles and name words, whatever files they came from.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from .model_io import MODEL_FILE, ModelError, default_model_dir
from .outlets import Outlets


def model_json_sha256(model_dir: str | Path | None) -> str:
    """SHA-256 of ``<model dir>/model.json`` (the default model directory when None)."""
    path = Path(model_dir or default_model_dir()) / MODEL_FILE
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as e:
        raise ModelError(f"{path}: cannot read: {e.strerror or e}") from None


def outlets_sha256(outlets: Outlets) -> str:
    listed = "\n".join(["@" + h for h in sorted(outlets.handles)] + ["name: " + w for w in sorted(outlets.name_words)])
    return hashlib.sha256(listed.encode("utf-8")).hexdigest()


def model_fingerprint(model_dir: str | Path | None, outlets: Outlets) -> str:
    """``sha256(model.json)`` and ``sha256(outlet list)`` hashed together: 64 hex digits."""
    both = f"model.json {model_json_sha256(model_dir)}\noutlets {outlets_sha256(outlets)}\n"
    return hashlib.sha256(both.encode("ascii")).hexdigest()
