"""The model on disk: a directory with ``model.json`` and NumPy arrays.

- ``model.json`` holds the format version, library and dictionary versions, tags, thresholds, vocabularies,
  training parameters, a fingerprint of the training corpus, and the name and SHA-256 of every array file.
- Arrays are ``.npy`` files read with ``allow_pickle=False``: loading a model never unpickles anything.
- Saving is atomic: array files get content-addressed names, so they never overwrite the files of the model in
  place, and ``model.json`` is replaced last with ``os.replace``. A crash at any point leaves the previous
  ``model.json`` and every array it names intact. Files no model.json names are removed after a save.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .linear import LinearTextModel

FORMAT_NAME = "hashtag-classifier-model"
FORMAT_VERSION = 1
MODEL_FILE = "model.json"
ENV_MODEL = "CLASSIFIER_MODEL"
PARTS = ("commentary", "section", "post")
DEFAULT_THRESHOLDS = {
    # final verdict on a text block: commentary when rules_margin + model_weight * 2 * (p - model_center) > 0
    "model_weight": 3.0,
    # The commentary model is trained class-balanced on confident weak labels only; its scores for unmarked
    # commentary sit just under 0.5. 0.45 was the best point without losing precision in `classifier eval
    # training/corpus --folds 5` on marker-stripped copies (recall 0.74 -> 0.83 at precision 1.00).
    "model_center": 0.45,
    # suggestions below this score are not shown
    "suggest_min": 0.05,
}


class ModelError(Exception):
    """A model that cannot be used; the message says which directory and why."""


@dataclass
class Model:
    commentary: LinearTextModel
    section: LinearTextModel | None = None
    post: LinearTextModel | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def thresholds(self) -> dict[str, float]:
        return {**DEFAULT_THRESHOLDS, **self.meta.get("thresholds", {})}


def default_model_dir() -> Path:
    """$CLASSIFIER_MODEL, else models/default in the source checkout, else in the user's data directory."""
    if os.environ.get(ENV_MODEL):
        return Path(os.environ[ENV_MODEL])
    repo = Path(__file__).resolve().parent.parent
    if (repo / "pyproject.toml").exists():
        return repo / "models" / "default"
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "hashtag-classifier" / "models" / "default"


def library_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for dist in ("hashtag-classifier", "sudachipy", "sudachidict-core", "numpy", "scipy", "scikit-learn"):
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            out[dist] = "unknown"
    return out


# --- saving ------------------------------------------------------------------------------------------------
def save_model(model: Model, directory: str | Path) -> Path:
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    parts: dict[str, Any] = {}
    for name in PARTS:
        m: LinearTextModel | None = getattr(model, name)
        parts[name] = None if m is None else _save_part(d, name, m)
    meta = {
        **model.meta,
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "thresholds": model.thresholds,
        "models": parts,
    }
    _write_atomic(d / MODEL_FILE, json.dumps(meta, ensure_ascii=False, indent=1).encode("utf-8"))
    _remove_unreferenced(d, meta)
    return d


def _save_part(d: Path, name: str, m: LinearTextModel) -> dict[str, Any]:
    arrays = {}
    for key, arr in (("idf", m.idf), ("coef", m.coef), ("intercept", m.intercept)):
        buf = io.BytesIO()
        np.save(buf, np.ascontiguousarray(arr, dtype=np.float64), allow_pickle=False)
        data = buf.getvalue()
        digest = hashlib.sha256(data).hexdigest()
        fname = f"{name}.{key}.{digest[:16]}.npy"
        if not (d / fname).exists():
            _write_atomic(d / fname, data)
        arrays[key] = {"file": fname, "sha256": digest, "shape": list(arr.shape)}
    return {"classes": list(m.classes), "sublinear_tf": m.sublinear_tf, "vocabulary": list(m.terms), "arrays": arrays}


def _write_atomic(path: Path, data: bytes) -> None:
    import tempfile  # only saving needs it: keep it out of the tagging start-up

    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    try:  # make the rename itself durable
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


def _remove_unreferenced(d: Path, meta: dict[str, Any]) -> None:
    keep = {a["file"] for part in meta["models"].values() if part for a in part["arrays"].values()}
    for p in d.glob("*.npy"):
        if p.name not in keep:
            p.unlink(missing_ok=True)
    for p in d.glob(".*.tmp"):
        p.unlink(missing_ok=True)


# --- loading -----------------------------------------------------------------------------------------------
def load_model(directory: str | Path | None = None, any_dictionary: bool = False) -> Model:
    """Load and check a model directory. A model trained with another sudachidict-core is refused unless
    ``any_dictionary``: its vocabulary was made of that dictionary's words, which this one may split otherwise."""
    d = Path(directory) if directory is not None else default_model_dir()
    meta = _read_meta(d)
    if not any_dictionary:
        _check_dictionary(d, meta)
    parts = {name: _load_part(d, name, meta["models"].get(name)) for name in PARTS}
    if parts["commentary"] is None:
        raise ModelError(f"{d}: the model has no commentary part")
    return Model(parts["commentary"], parts["section"], parts["post"], meta)


def _read_meta(d: Path) -> dict[str, Any]:
    if not d.exists():
        raise ModelError(f"{d}: no such model directory (train one with 'classifier train --model {d}')")
    if d.is_file():
        raise ModelError(f"{d}: a model is a directory with {MODEL_FILE}, not a file")
    path = d / MODEL_FILE
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ModelError(f"{d}: not a model directory ({MODEL_FILE} is missing)") from None
    except OSError as e:
        raise ModelError(f"{path}: cannot read: {e.strerror or e}") from None
    try:
        meta = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ModelError(f"{path}: not valid JSON, the model is truncated or corrupt ({e})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
        raise ModelError(f"{path}: not a model of this tool (no 'format': '{FORMAT_NAME}')")
    version = meta.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ModelError(
            f"{path}: model format version {version!r} is newer than this tool reads ({FORMAT_VERSION}); "
            "upgrade the tool or retrain the model"
        )
    if not isinstance(meta.get("models"), dict):
        raise ModelError(f"{path}: the model lists no models")
    for key in ("versions", "thresholds", "tags", "tokenizer"):
        if not isinstance(meta.get(key, {}), dict):
            raise ModelError(f"{path}: '{key}' should be an object")
    bad = [k for k, v in meta.get("thresholds", {}).items() if isinstance(v, bool) or not isinstance(v, (int, float))]
    if bad:
        raise ModelError(f"{path}: thresholds {', '.join(bad)} should be numbers")
    return meta


def _check_dictionary(d: Path, meta: dict[str, Any]) -> None:
    from .tokenize import dictionary_version

    trained = meta.get("versions", {}).get("sudachidict-core")
    here = dictionary_version()
    if trained and trained != "unknown" and trained != here:
        raise ModelError(
            f"{d}: the model was trained with sudachidict-core {trained}, this machine has {here}; retrain it, "
            f"install sudachidict-core=={trained}, or pass --any-dictionary to use it anyway"
        )


def _load_part(d: Path, name: str, spec: dict[str, Any] | None) -> LinearTextModel | None:
    if spec is None:
        return None
    try:
        arrays = {key: _load_array(d, a) for key, a in spec["arrays"].items()}
        terms, classes = list(spec["vocabulary"]), list(spec["classes"])
        m = LinearTextModel(
            terms, arrays["idf"], arrays["coef"], arrays["intercept"], classes, bool(spec.get("sublinear_tf", True))
        )
    except (KeyError, TypeError, AttributeError, ValueError) as e:
        raise ModelError(f"{d / MODEL_FILE}: the {name} model is incomplete or malformed ({e})") from None
    if m.idf.shape != (len(terms),) or m.coef.shape != (len(classes), len(terms)) or m.intercept.shape != (
        len(classes),
    ):
        raise ModelError(f"{d}: the {name} model's arrays do not match its vocabulary and classes")
    return m


def _load_array(d: Path, a: dict[str, Any]) -> np.ndarray:
    path = d / a["file"]
    if Path(a["file"]).name != a["file"]:
        raise ModelError(f"{d / MODEL_FILE}: array file name {a['file']!r} leaves the model directory")
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ModelError(f"{path}: cannot read a model array: {e.strerror or e}") from None
    if hashlib.sha256(data).hexdigest() != a["sha256"]:
        raise ModelError(f"{path}: checksum mismatch, the model file is corrupt or truncated")
    try:
        return np.load(io.BytesIO(data), allow_pickle=False)
    except ValueError as e:
        raise ModelError(f"{path}: not a plain NumPy array ({e}); refusing to load it") from None
