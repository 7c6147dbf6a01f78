"""Model files can never run code, and bad models are refused clearly (issue 4, item 4)."""
from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import subprocess
import sys

import pytest

from classifier import ModelError, Predictor
from classifier.model_io import MODEL_FILE, load_model

from .conftest import FIXTURES, ROOT


class Exploit:
    """Unpickling this runs os.system: it would create the marker file."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _copy(trained_model, tmp_path, name):
    target = tmp_path / name
    shutil.copytree(trained_model, target)
    return target


def test_a_malicious_pickle_is_never_executed(trained_model, tmp_path):
    marker = tmp_path / "pwned"
    payload = pickle.dumps(Exploit(marker))
    # 1. the pickle given as the model path
    as_path = tmp_path / "model.pkl"
    as_path.write_bytes(payload)
    # 2. the pickle in place of model.json
    as_json = _copy(trained_model, tmp_path, "as_json")
    (as_json / MODEL_FILE).write_bytes(payload)
    # 3. the pickle in place of an array, with model.json updated to vouch for it
    as_array = _copy(trained_model, tmp_path, "as_array")
    meta = json.loads((as_array / MODEL_FILE).read_text(encoding="utf-8"))
    spec = meta["models"]["commentary"]["arrays"]["coef"]
    (as_array / spec["file"]).write_bytes(payload)
    spec["sha256"] = hashlib.sha256(payload).hexdigest()
    (as_array / MODEL_FILE).write_text(json.dumps(meta), encoding="utf-8")
    # 4. a .npy holding an object array (np.save pickles it)
    as_npy = _copy(trained_model, tmp_path, "as_npy")
    import io

    import numpy as np

    buf = io.BytesIO()
    np.save(buf, np.array([Exploit(marker)], dtype=object), allow_pickle=True)
    meta = json.loads((as_npy / MODEL_FILE).read_text(encoding="utf-8"))
    spec = meta["models"]["commentary"]["arrays"]["idf"]
    (as_npy / spec["file"]).write_bytes(buf.getvalue())
    spec["sha256"] = hashlib.sha256(buf.getvalue()).hexdigest()
    (as_npy / MODEL_FILE).write_text(json.dumps(meta), encoding="utf-8")

    for bad in (as_path, as_json, as_array, as_npy):
        with pytest.raises(ModelError):
            load_model(bad)
        out = subprocess.run([sys.executable, "-m", "classifier", "tag", str(FIXTURES / "traps.txt"), "--model",
                              str(bad)], capture_output=True, text=True, cwd=ROOT)
        assert out.returncode == 2 and "Traceback" not in out.stderr, out.stderr
    assert not marker.exists(), "a pickle was executed"
    # and the exploit does work when unpickled: the test would notice
    pickle.loads(payload)
    assert marker.exists()


def test_a_model_of_another_dictionary_is_refused(trained_model, tmp_path):
    other = _copy(trained_model, tmp_path, "other")
    meta = json.loads((other / MODEL_FILE).read_text(encoding="utf-8"))
    meta["versions"]["sudachidict-core"] = "19990101"
    (other / MODEL_FILE).write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelError, match="trained with sudachidict-core 19990101"):
        load_model(other)
    assert Predictor.load(other, any_dictionary=True).tag("本文です。\n")
    out = subprocess.run([sys.executable, "-m", "classifier", "tag", str(FIXTURES / "traps.txt"), "--model",
                          str(other)], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 2 and "--any-dictionary" in out.stderr
    ok = subprocess.run([sys.executable, "-m", "classifier", "tag", str(FIXTURES / "traps.txt"), "--model",
                         str(other), "--any-dictionary"], capture_output=True, text=True, cwd=ROOT)
    assert ok.returncode == 0


def test_a_model_with_a_missing_array_is_refused(trained_model, tmp_path):
    m = _copy(trained_model, tmp_path, "m")
    next(m.glob("*.npy")).unlink()
    with pytest.raises(ModelError, match="cannot read a model array"):
        load_model(m)


def test_a_model_json_that_is_not_ours_is_refused(trained_model, tmp_path):
    m = _copy(trained_model, tmp_path, "m")
    (m / MODEL_FILE).write_text('{"hello": "world"}', encoding="utf-8")
    with pytest.raises(ModelError, match="not a model of this tool"):
        load_model(m)
    (m / MODEL_FILE).write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ModelError, match="not a model of this tool"):
        load_model(m)


@pytest.mark.parametrize(
    "change",
    [
        lambda m: m.update(versions=[1]),
        lambda m: m.update(thresholds={"model_weight": "high"}),
        lambda m: m["models"].update(commentary="x"),
        lambda m: m["models"]["commentary"].update(arrays=[1, 2]),
        lambda m: m["models"]["commentary"].update(vocabulary=None),
        lambda m: m["models"]["commentary"]["arrays"]["coef"].update(file="../../etc/passwd"),
    ],
)
def test_malformed_model_json_is_a_model_error(trained_model, tmp_path, change):
    m = _copy(trained_model, tmp_path, "m")
    meta = json.loads((m / MODEL_FILE).read_text(encoding="utf-8"))
    change(meta)
    (m / MODEL_FILE).write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelError):
        load_model(m)
