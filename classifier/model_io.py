"""The model on disk: a directory with ``model.json`` and NumPy arrays.

- ``model.json`` holds the format version, library and dictionary versions, tags, thresholds, vocabularies,
  training parameters, a fingerprint of the training corpus, and the name and SHA-256 of every array file.
- Arrays are ``.npy`` files read with ``allow_pickle=False``: loading a model never unpickles anything.
- Saving is atomic: array files get content-addressed names, so they never overwrite the files of the model in
  place, and ``model.json`` is replaced last with ``os.replace``. A crash at any point leaves the previous
  ``model.json`` and every array it names intact. Saves take an exclusive lock on the directory; each keeps the
  previous generation's arrays for readers in flight and removes only files an earlier save of ours recorded.
  A directory that holds anything else than a model of ours is never written to.
"""
from __future__ import annotations

import hashlib
import io
import json
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .atomic import write_atomic
from .linear import LinearTextModel
from .suggest import NeighbourIndex

FORMAT_NAME = "hashtag-classifier-model"
FORMAT_VERSION = 3  # 2: the label model, calibration, transitions, reputations, suggesters; 3: contrast features
MODEL_FILE = "model.json"
ENV_MODEL = "CLASSIFIER_MODEL"
LINEAR_PARTS = ("commentary", "section", "post")
NEIGHBOUR_PARTS = ("section_neighbours", "post_neighbours")
PARTS = LINEAR_PARTS + NEIGHBOUR_PARTS
DEFAULT_THRESHOLDS = {
    # suggestions below this score are not shown
    "suggest_min": 0.01,
}


class ModelError(Exception):
    """A model that cannot be used; the message says which directory and why."""


@dataclass
class Model:
    commentary: LinearTextModel
    section: LinearTextModel | None = None
    post: LinearTextModel | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    section_neighbours: NeighbourIndex | None = None
    post_neighbours: NeighbourIndex | None = None

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
# The files a save of ours writes into a model directory; nothing else there is ever touched.
_ARRAY_NAME = re.compile(r"[a-z_]+\.[a-z_]+\.[0-9a-f]{16}\.npy")
_TEMP_NAME = re.compile(r"\..+\.tmp")
LOCK_FILE = ".lock"


def check_model_target(directory: str | Path) -> Path:
    """Refuse, before any work, a directory that a save could not or must not write: a file, a directory that
    holds something else than a model of ours, or a place the user cannot write."""
    d = Path(directory)
    if d.exists() and not d.is_dir():
        raise ModelError(f"{d}: exists and is not a directory; a model is a directory")
    if d.is_dir():
        meta_file = d / MODEL_FILE
        if meta_file.exists():
            _read_meta(d)  # a model.json that is not ours (or is corrupt) is never replaced
        else:
            foreign = sorted(p.name for p in d.iterdir() if not _is_ours(p.name))
            if foreign:
                shown = ", ".join(foreign[:3]) + (", …" if len(foreign) > 3 else "")
                raise ModelError(f"{d}: the directory holds other files ({shown}) and no model; choose an empty or "
                                 "new directory for --model")
        if not os.access(d, os.W_OK | os.X_OK):
            raise ModelError(f"{d}: cannot write to this directory")
        return d
    parent = d.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise ModelError(f"{d}: {parent} is not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ModelError(f"{d}: cannot create it, {parent} is not writable")
    return d


def _is_ours(name: str) -> bool:
    return name in (MODEL_FILE, LOCK_FILE) or bool(_ARRAY_NAME.fullmatch(name) or _TEMP_NAME.fullmatch(name))


def save_model(model: Model, directory: str | Path) -> Path:
    """Save under an exclusive lock: arrays first (content-addressed names, never overwritten), ``model.json``
    last (atomically). The previous generation's arrays stay on disk for readers that loaded its model.json
    a moment ago; only the generation before it, recorded by our own earlier save, is removed."""
    d = check_model_target(directory)
    d.mkdir(parents=True, exist_ok=True)
    with _locked(d):
        old = _own_meta(d)
        created: list[Path] = []
        try:
            parts: dict[str, Any] = {}
            for name in PARTS:
                m = getattr(model, name)
                parts[name] = None if m is None else _save_part(d, name, m, created)
            current = _array_files({"models": parts})
            previous = sorted(_array_files(old) - current) if old else []
            meta = {
                **model.meta,
                "format": FORMAT_NAME,
                "format_version": FORMAT_VERSION,
                "thresholds": model.thresholds,
                "models": parts,
                "previous_files": previous,
            }
            write_atomic(d / MODEL_FILE, json.dumps(meta, ensure_ascii=False, indent=1).encode("utf-8"))
        except BaseException:
            for p in created:  # this save's own arrays, which no model.json names
                p.unlink(missing_ok=True)
            raise
        if old:
            for name in set(old.get("previous_files", [])) - current - set(previous):
                if _ARRAY_NAME.fullmatch(name):
                    (d / name).unlink(missing_ok=True)
    return d


def _own_meta(d: Path) -> dict[str, Any] | None:
    try:
        return _read_meta(d) if (d / MODEL_FILE).exists() else None
    except ModelError:
        return None


def _array_files(meta: dict[str, Any] | None) -> set[str]:
    if not meta or not isinstance(meta.get("models"), dict):
        return set()
    return {a["file"] for part in meta["models"].values() if isinstance(part, dict)
            for a in part.get("arrays", {}).values() if isinstance(a, dict) and isinstance(a.get("file"), str)}


class _locked:
    """An exclusive advisory lock on the model directory, so two saves never interleave."""

    def __init__(self, d: Path) -> None:
        self.path = d / LOCK_FILE
        self.fd = -1

    def __enter__(self) -> None:
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            import fcntl
        except ImportError:  # no advisory locks on this system: saves are still atomic one by one
            return
        fcntl.flock(self.fd, fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        os.close(self.fd)  # closing releases the lock


def _save_part(d: Path, name: str, m: LinearTextModel | NeighbourIndex, created: list[Path]) -> dict[str, Any]:
    if isinstance(m, NeighbourIndex):
        arrays = {key: _save_array(d, name, key, arr, created) for key, arr in
                  (("idf", m.idf), ("indptr", m.indptr), ("doc_ids", m.doc_ids), ("weights", m.weights))}
        return {"kind": "neighbours", "vocabulary": list(m.terms), "doc_tags": m.doc_tags, "doc_refs": m.doc_refs,
                "nnz": int(len(m.doc_ids)), "arrays": arrays}
    arrays = {key: _save_array(d, name, key, arr, created) for key, arr in
              (("idf", m.idf), ("coef", m.coef), ("intercept", m.intercept))}
    return {"classes": list(m.classes), "sublinear_tf": m.sublinear_tf, "vocabulary": list(m.terms), "arrays": arrays}


def _save_array(d: Path, part: str, key: str, arr: np.ndarray, created: list[Path]) -> dict[str, Any]:
    dtype = np.int64 if key in INT_ARRAYS else np.float64
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(arr, dtype=dtype), allow_pickle=False)
    data = buf.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    fname = f"{part}.{key}.{digest[:16]}.npy"
    if not (d / fname).exists():
        write_atomic(d / fname, data)
        created.append(d / fname)
    return {"file": fname, "sha256": digest, "shape": list(arr.shape), "bytes": len(data)}


INT_ARRAYS = ("indptr", "doc_ids")


# --- loading -----------------------------------------------------------------------------------------------
class _MissingArray(ModelError):
    pass


def load_model(directory: str | Path | None = None, any_dictionary: bool = False) -> Model:
    """Load and check a model directory. A model trained with another sudachidict-core is refused unless
    ``any_dictionary``: its vocabulary was made of that dictionary's words, which this one may split otherwise.
    An array that vanished under us (a save replaced the model meanwhile) makes us read model.json again."""
    d = Path(directory) if directory is not None else default_model_dir()
    for attempt in range(3):
        meta = _read_meta(d)
        if not any_dictionary:
            _check_dictionary(d, meta)
        try:
            parts = {name: _load_part(d, name, meta["models"].get(name)) for name in PARTS}
        except _MissingArray:
            if attempt == 2:
                raise
            continue
        if parts["commentary"] is None:
            raise ModelError(f"{d}: the model has no commentary part")
        _check_judge(d, meta)
        return Model(parts["commentary"], parts["section"], parts["post"], meta, parts["section_neighbours"],
                     parts["post_neighbours"])
    raise AssertionError("unreachable")


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
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ModelError(f"{path}: 'format_version' should be a positive integer, not {version!r}")
    if version < FORMAT_VERSION:
        raise ModelError(f"{path}: model format version {version} was written by an older version of this tool; "
                         "retrain it with 'classifier train'")
    if version > FORMAT_VERSION:
        raise ModelError(
            f"{path}: model format version {version!r} is newer than this tool reads ({FORMAT_VERSION}); "
            "upgrade the tool or retrain the model"
        )
    if not isinstance(meta.get("models"), dict):
        raise ModelError(f"{path}: the model lists no models")
    for key in ("versions", "thresholds", "tags", "tokenizer"):
        if not isinstance(meta.get(key, {}), dict):
            raise ModelError(f"{path}: '{key}' should be an object")
    _check_thresholds(path, meta.get("thresholds", {}))
    mode = meta.get("tokenizer", {}).get("split_mode", "C")
    if mode not in SPLIT_MODES:
        raise ModelError(f"{path}: unknown tokenizer split mode {mode!r} (one of {', '.join(SPLIT_MODES)})")
    return meta


def _check_judge(d: Path, meta: dict[str, Any]) -> None:
    from .commentary import judge_from_meta

    try:
        judge_from_meta(meta)
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise ModelError(f"{d / MODEL_FILE}: the commentary judge is malformed ({e})") from None
    _check_suggest(d, meta.get("suggest", {}))


def _check_suggest(d: Path, suggest: Any) -> None:
    """The suggesters' meta: counts, combining weights (one per feature), the tags' names."""
    from .suggest import FEATURES

    where = f"{d / MODEL_FILE}: the tag suggesters"
    if not isinstance(suggest, dict):
        raise ModelError(f"{where} should be an object")
    for level, m in suggest.items():
        try:
            counts, weights, names = m["counts"], m["weights"], m["names"]
            ok = (isinstance(counts, dict) and all(isinstance(c, int) and c > 0 for c in counts.values())
                  and isinstance(weights, list) and len(weights) == len(FEATURES)
                  and all(isinstance(w, (int, float)) and not isinstance(w, bool) and math.isfinite(w)
                          and abs(w) < 1e6 for w in weights)
                  and len(names["tags"]) == len(names["keys"]) == len(names["words"])
                  and all(isinstance(t, str) for t in names["tags"] + names["keys"])
                  and set(names["tags"]) <= set(counts))
        except (KeyError, TypeError):
            ok = False
        if not ok:
            raise ModelError(f"{where}: the {level} level is malformed (counts, {len(FEATURES)} finite weights and "
                             "the tags' names are needed)")


SPLIT_MODES = ("A", "B", "C")
# The range each threshold may take; anything outside is a corrupt or hostile model.
THRESHOLD_RANGES = {"suggest_min": (0.0, 1.0)}


def _check_thresholds(path: Path, thresholds: dict[str, Any]) -> None:
    for key, value in thresholds.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ModelError(f"{path}: threshold {key} should be a finite number, not {value!r}")
        low, high = THRESHOLD_RANGES.get(key, (-1e6, 1e6))
        if not low <= value <= high:
            raise ModelError(f"{path}: threshold {key} = {value!r} is outside {low}..{high}")


def _check_dictionary(d: Path, meta: dict[str, Any]) -> None:
    from .tokenize import dictionary_version

    trained = meta.get("versions", {}).get("sudachidict-core")
    here = dictionary_version()
    if trained and trained != "unknown" and trained != here:
        raise ModelError(
            f"{d}: the model was trained with sudachidict-core {trained}, this machine has {here}; retrain it, "
            f"install sudachidict-core=={trained}, or pass --any-dictionary to use it anyway"
        )


def _load_part(d: Path, name: str, spec: Any) -> LinearTextModel | NeighbourIndex | None:
    if spec is None:
        return None
    where = f"{d / MODEL_FILE}: the {name} model"
    if not isinstance(spec, dict) or not isinstance(spec.get("arrays"), dict):
        raise ModelError(f"{where} is malformed (no arrays)")
    if name in NEIGHBOUR_PARTS:
        return _load_neighbours(d, name, spec, where)
    terms, classes = spec.get("vocabulary"), spec.get("classes")
    _check_strings(where, "vocabulary", terms)
    _check_strings(where, "classes", classes)
    shapes = {"idf": (len(terms),), "coef": (len(classes), len(terms)), "intercept": (len(classes),)}
    arrays = _load_arrays(d, name, spec, shapes, where)
    sublinear = spec.get("sublinear_tf", True)
    if not isinstance(sublinear, bool):
        raise ModelError(f"{where}: sublinear_tf should be true or false")
    return LinearTextModel(terms, arrays["idf"], arrays["coef"], arrays["intercept"], classes, sublinear)


def _check_strings(where: str, what: str, items: Any, unique: bool = True) -> None:
    if not isinstance(items, list) or not all(isinstance(t, str) for t in items):
        raise ModelError(f"{where}: its {what} should be a list of strings")
    if unique and len(set(items)) != len(items):
        raise ModelError(f"{where}: its {what} repeats an entry")


def _load_arrays(d: Path, name: str, spec: dict[str, Any], shapes: dict[str, tuple[int, ...]], where: str
                 ) -> dict[str, np.ndarray]:
    if set(spec["arrays"]) != set(shapes):
        raise ModelError(f"{where} should have the arrays {', '.join(shapes)}")
    return {key: _load_array(d, name, spec["arrays"][key], shape, np.int64 if key in INT_ARRAYS else np.float64)
            for key, shape in shapes.items()}


def _load_neighbours(d: Path, name: str, spec: dict[str, Any], where: str) -> NeighbourIndex:
    terms, doc_tags, refs, nnz = spec.get("vocabulary"), spec.get("doc_tags"), spec.get("doc_refs", []), spec.get("nnz")
    _check_strings(where, "vocabulary", terms)
    if not isinstance(doc_tags, list):
        raise ModelError(f"{where}: its doc_tags should be a list of lists of tags")
    for tags in doc_tags:
        _check_strings(where, "doc_tags", tags, unique=False)
    if not isinstance(refs, list) or not all(isinstance(r, dict) for r in refs):
        raise ModelError(f"{where}: its doc_refs should be a list of objects")
    if isinstance(nnz, bool) or not isinstance(nnz, int) or not 0 <= nnz <= 10**9:
        raise ModelError(f"{where}: nnz should be a count, not {nnz!r}")
    shapes = {"idf": (len(terms),), "indptr": (len(terms) + 1,), "doc_ids": (nnz,), "weights": (nnz,)}
    a = _load_arrays(d, name, spec, shapes, where)
    indptr, doc_ids = a["indptr"], a["doc_ids"]
    if (len(indptr) and (indptr[0] != 0 or indptr[-1] != nnz)) or np.any(np.diff(indptr) < 0):
        raise ModelError(f"{where}: its index pointers are not a valid sparse layout")
    if nnz and (doc_ids.min() < 0 or doc_ids.max() >= len(doc_tags)):
        raise ModelError(f"{where}: a document number is out of range")
    return NeighbourIndex(terms, a["idf"], indptr, doc_ids, a["weights"], doc_tags, refs)


NPY_MAGIC = b"\x93NUMPY"
NPY_HEADER_MAX = 1 << 16  # a .npy header is a few hundred bytes; this bounds what we read beyond the data


def _load_array(d: Path, part: str, a: Any, shape: tuple[int, ...], dtype: Any = np.float64) -> np.ndarray:
    """One array, checked against model.json: name, size, checksum, format, dtype, shape, finite values.
    Never reads more than an array of the shape its vocabulary and classes give can take."""
    where = f"{d / MODEL_FILE}: the {part} model"
    if not isinstance(a, dict) or not isinstance(a.get("file"), str) or not isinstance(a.get("sha256"), str):
        raise ModelError(f"{where}: an array entry should name its file and sha256")
    if Path(a["file"]).name != a["file"] or a["file"] in ("", ".", ".."):
        raise ModelError(f"{where}: array file name {a['file']!r} leaves the model directory")
    if a.get("shape") is not None and a.get("shape") != list(shape):
        raise ModelError(f"{where}: array {a['file']} is recorded with shape {a.get('shape')!r}, its vocabulary "
                         f"and classes need {list(shape)}")
    path = d / a["file"]
    limit = 8 * math.prod(shape) + NPY_HEADER_MAX
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except FileNotFoundError:
        raise _MissingArray(f"{path}: cannot read a model array: No such file or directory") from None
    except OSError as e:
        raise ModelError(f"{path}: cannot read a model array: {e.strerror or e}") from None
    if len(data) > limit:
        raise ModelError(f"{path}: larger than an array of shape {list(shape)} can be; refusing to read it")
    if hashlib.sha256(data).hexdigest() != a["sha256"]:
        raise ModelError(f"{path}: checksum mismatch, the model file is corrupt or truncated")
    if not data.startswith(NPY_MAGIC):
        raise ModelError(f"{path}: not a plain NumPy .npy array; refusing to load it")
    try:
        arr = np.load(io.BytesIO(data), allow_pickle=False)
    except (ValueError, OSError, EOFError) as e:
        raise ModelError(f"{path}: not a plain NumPy array ({e}); refusing to load it") from None
    if not isinstance(arr, np.ndarray) or arr.dtype != dtype:
        raise ModelError(f"{path}: expected {np.dtype(dtype).name} numbers, found "
                         f"{getattr(arr, 'dtype', type(arr).__name__)}; refusing to load it")
    if arr.shape != shape:
        raise ModelError(f"{path}: an array of shape {list(arr.shape)}, its vocabulary and classes need "
                         f"{list(shape)}")
    if arr.dtype == np.float64 and not np.isfinite(arr).all():
        raise ModelError(f"{path}: holds NaN or infinite numbers; the model is corrupt")
    return arr
