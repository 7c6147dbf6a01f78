"""Nothing lost, the same answer twice (issue 8): outputs that never clobber an input or a report, model
directories that are never someone else's, saves under concurrency, file modes, threads, determinism."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading

import pytest

from classifier import ModelError, Predictor
from classifier.model_io import MODEL_FILE, load_model, save_model

from .conftest import CORPUS, FIXTURES, ROOT, read


def run(*args, env=None, **kw):
    return subprocess.run([sys.executable, "-m", "classifier", *args], capture_output=True, text=True, cwd=ROOT,
                          env=env, **kw)


# --- -o FILE -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("how", ["same", "symlink", "hardlink"])
def test_output_that_is_an_input_is_refused_before_writing(tmp_path, how):
    dump = tmp_path / "dump.txt"
    shutil.copy(FIXTURES / "traps.txt", dump)
    before = dump.read_bytes()
    out = {"same": dump, "symlink": tmp_path / "link.json", "hardlink": tmp_path / "hard.json"}[how]
    if how == "symlink":
        out.symlink_to(dump)
    elif how == "hardlink":
        os.link(dump, out)
    res = run("parse", str(dump), "--format", "json", "-o", str(out))
    assert res.returncode == 2
    assert "is also an input" in res.stderr and "Traceback" not in res.stderr
    assert dump.read_bytes() == before
    assert not list(tmp_path.glob(".*.tmp"))


def test_an_earlier_output_inside_a_directory_being_read_is_not_read_back(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    shutil.copy(FIXTURES / "traps.txt", corpus / "a.txt")
    report = corpus / "report.txt"
    assert run("parse", str(corpus), "-o", str(report)).returncode == 0
    first = report.read_text(encoding="utf-8")
    again = run("parse", str(corpus), "-o", str(report))
    assert again.returncode == 0, again.stderr
    assert "report.txt: left out, it is the output file" in again.stderr
    assert report.read_text(encoding="utf-8") == first  # one dump, a.txt, both times
    assert first.count("== ") == 1


def test_a_run_that_fails_before_any_dump_leaves_the_report_untouched(tmp_path):
    report = tmp_path / "report.json"
    report.write_text('["an earlier report"]\n', encoding="utf-8")
    res = run("parse", str(tmp_path / "mistyped.txt"), "--format", "json", "-o", str(report))
    assert res.returncode == 2
    assert "not written" in res.stderr
    assert report.read_text(encoding="utf-8") == '["an earlier report"]\n'
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_run_that_dies_midway_leaves_the_report_untouched(tmp_path, monkeypatch, capsys):
    from classifier import batch, cli

    report = tmp_path / "report.html"
    report.write_text("earlier", encoding="utf-8")
    real = batch.render
    calls = []

    def dies_on_the_second(dump, fmt):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("simulated crash")
        return real(dump, fmt)

    monkeypatch.setattr(batch, "render", dies_on_the_second)
    code = cli.main(["parse", str(FIXTURES / "traps.txt"), str(FIXTURES / "page.txt"), "--format", "html",
                     "-o", str(report)])
    assert code == 1
    assert report.read_text(encoding="utf-8") == "earlier"
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_full_disk_is_a_clear_error_and_keeps_the_old_report(tmp_path, monkeypatch, capsys):
    import errno

    from classifier import atomic, cli

    report = tmp_path / "report.jsonl"
    report.write_text("old\n", encoding="utf-8")

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", full)
    assert cli.main(["parse", str(FIXTURES / "traps.txt"), "--format", "jsonl", "-o", str(report)]) == 2
    assert "No space left on device" in capsys.readouterr().err
    assert report.read_text(encoding="utf-8") == "old\n"
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_full_standard_output_exits_2():
    with open("/dev/full", "w") as full:
        res = subprocess.run([sys.executable, "-m", "classifier", "parse", str(FIXTURES / "traps.txt")],
                             stdout=full, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    assert res.returncode == 2
    assert "standard output: cannot write: No space left on device" in res.stderr
    assert "Traceback" not in res.stderr


def test_closed_standard_streams_exit_2(tmp_path):
    close_stdout = subprocess.run([sys.executable, "-m", "classifier", "parse", str(FIXTURES / "traps.txt")],
                                  stderr=subprocess.PIPE, text=True, cwd=ROOT, preexec_fn=lambda: os.close(1))
    assert close_stdout.returncode == 2 and "standard output is closed" in close_stdout.stderr
    to_file = subprocess.run([sys.executable, "-m", "classifier", "parse", str(FIXTURES / "traps.txt"),
                              "-o", str(tmp_path / "o.txt")], stderr=subprocess.PIPE, text=True, cwd=ROOT,
                             preexec_fn=lambda: os.close(1))
    assert to_file.returncode == 0 and (tmp_path / "o.txt").read_text(encoding="utf-8").startswith("==")
    close_stdin = subprocess.run([sys.executable, "-m", "classifier", "parse", "-"], capture_output=True,
                                 text=True, cwd=ROOT, preexec_fn=lambda: os.close(0))
    assert close_stdin.returncode == 2 and "standard input is closed" in close_stdin.stderr
    assert "Traceback" not in close_stdin.stderr + close_stdout.stderr


def test_output_files_get_the_mode_the_umask_gives(tmp_path):
    res = subprocess.run([sys.executable, "-m", "classifier", "parse", str(FIXTURES / "traps.txt"), "-o",
                          str(tmp_path / "o.txt")], cwd=ROOT, preexec_fn=lambda: os.umask(0o022))
    assert res.returncode == 0
    assert (tmp_path / "o.txt").stat().st_mode & 0o777 == 0o644


# --- model directories ------------------------------------------------------------------------------------
def test_train_refuses_a_directory_that_is_not_a_model_before_training(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.npy").write_bytes(b"my own work")
    res = run("train", "--model", str(mine), "--quiet", timeout=60)
    assert res.returncode == 2 and "holds other files" in res.stderr
    assert sorted(p.name for p in mine.iterdir()) == ["thesis.npy"]
    a_file = tmp_path / "notes.txt"
    a_file.write_text("x", encoding="utf-8")
    res = run("train", "--model", str(a_file), "--quiet", timeout=60)
    assert res.returncode == 2 and "not a directory" in res.stderr
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / MODEL_FILE).write_text('{"someone": "else"}', encoding="utf-8")
    res = run("train", "--model", str(foreign), "--quiet", timeout=60)
    assert res.returncode == 2 and "not a model of this tool" in res.stderr
    assert (foreign / MODEL_FILE).read_text(encoding="utf-8") == '{"someone": "else"}'


def test_saving_never_deletes_a_file_it_did_not_write(trained_model, tmp_path):
    target = tmp_path / "m"
    shutil.copytree(trained_model, target)
    (target / "commentary.idf.npy").write_bytes(b"a user's file that looks like ours")
    (target / ".notes.tmp").write_text("also the user's", encoding="utf-8")
    model = load_model(target)
    for factor in (2.0, 3.0, 4.0):
        model.commentary.coef = model.commentary.coef * factor
        save_model(model, target)
    assert (target / "commentary.idf.npy").read_bytes() == b"a user's file that looks like ours"
    assert (target / ".notes.tmp").exists()
    meta = json.loads((target / MODEL_FILE).read_text(encoding="utf-8"))
    live = {a["file"] for p in meta["models"].values() if p for a in p["arrays"].values()}
    # only two generations of our arrays remain: the current one and the one before it
    ours = {p.name for p in target.glob("*.*.*.npy")}
    assert ours == live | set(meta["previous_files"])


def test_model_files_get_the_mode_the_umask_gives(trained_model, tmp_path):
    code = ("import os, sys; os.umask(int(sys.argv[3], 8)); from classifier.model_io import load_model, save_model;"
            "save_model(load_model(sys.argv[1]), sys.argv[2])")
    for umask, mode in (("022", 0o644), ("077", 0o600)):
        target = tmp_path / f"m{umask}"
        subprocess.run([sys.executable, "-c", code, str(trained_model), str(target), umask], check=True, cwd=ROOT)
        modes = {p.name: p.stat().st_mode & 0o777 for p in target.iterdir() if p.name != ".lock"}
        assert set(modes.values()) == {mode}, modes


SAVER = """
import sys
from classifier.model_io import load_model, save_model
model = load_model(sys.argv[1])
for i in range(int(sys.argv[3])):
    model.commentary.intercept = model.commentary.intercept + float(sys.argv[4]) + i
    save_model(model, sys.argv[2])
"""

READER = """
import sys, time
from classifier.model_io import load_model
end = time.time() + float(sys.argv[2])
n = 0
while time.time() < end:
    load_model(sys.argv[1]); n += 1
print(n)
"""


def test_two_saves_at_once_and_a_reader_never_see_missing_arrays(trained_model, tmp_path):
    target = tmp_path / "m"
    shutil.copytree(trained_model, target)
    savers = [subprocess.Popen([sys.executable, "-c", SAVER, str(trained_model), str(target), "15", str(k)],
                               cwd=ROOT, stderr=subprocess.PIPE, text=True) for k in (1, 1000)]
    reader = subprocess.run([sys.executable, "-c", READER, str(target), "8"], cwd=ROOT, capture_output=True,
                            text=True)
    for s in savers:
        assert s.wait() == 0, s.stderr.read()
    assert reader.returncode == 0, reader.stderr
    assert int(reader.stdout) > 0
    model = load_model(target)
    assert model.commentary.intercept[0] > 14  # the last save of one of them, whole
    assert Predictor.load(target).tag(read(FIXTURES / "traps.txt")).post.existing


# --- the same answer twice --------------------------------------------------------------------------------
def test_training_twice_with_other_hash_seeds_gives_identical_files(tmp_path):
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        model = tmp_path / f"m{seed}"
        res = run("train", str(CORPUS), "--model", str(model), "--quiet", env=env, timeout=300)
        assert res.returncode == 0, res.stderr
        tagged = run("tag", str(CORPUS), "--model", str(model), "--format", "jsonl", env=env, timeout=300)
        assert tagged.returncode == 0
        files = {p.name: p.read_bytes() for p in model.iterdir() if p.name != ".lock"}
        outputs.append((files, tagged.stdout))
    (files1, out1), (files2, out2) = outputs
    assert files1.keys() == files2.keys()
    assert all(files1[k] == files2[k] for k in files1), [k for k in files1 if files1[k] != files2[k]]
    assert out1 == out2


# --- threads, loading once, workers ----------------------------------------------------------------------
def test_one_predictor_from_many_threads_gives_the_sequential_results(predictor):
    from concurrent.futures import ThreadPoolExecutor

    texts = [read(p) for p in sorted(CORPUS.glob("*.txt"))[:12]]
    sequential = [predictor.tag(t).to_dict() for t in texts]
    fresh = Predictor(predictor.model)  # a new tokenizer, first used by the threads at once
    barrier = threading.Barrier(8)

    def tag(i):
        if i < 8:
            barrier.wait()
        return fresh.tag(texts[i % len(texts)]).to_dict()

    with ThreadPoolExecutor(8) as ex:
        results = list(ex.map(tag, range(48)))
    assert results == [sequential[i % len(texts)] for i in range(48)]


def test_the_model_is_loaded_once_and_jobs_are_capped(trained_model, monkeypatch, capsys):
    import joblib

    from classifier import cli, model_io

    loads = []
    real_load = model_io.load_model

    def counting(*a, **k):
        loads.append(a)
        return real_load(*a, **k)

    monkeypatch.setattr(model_io, "load_model", counting)
    monkeypatch.setattr("classifier.predictor.load_model", counting)
    assert cli.main(["tag", str(FIXTURES / "traps.txt"), "--model", str(trained_model)]) == 0
    assert len(loads) == 1
    seen = {}
    real_parallel = joblib.Parallel

    class Spy(real_parallel):
        def __init__(self, *a, **k):
            seen["n_jobs"] = k.get("n_jobs")
            super().__init__(*a, **k)

    monkeypatch.setattr(joblib, "Parallel", Spy)
    assert cli.main(["tag", str(FIXTURES / "traps.txt"), str(FIXTURES / "page.txt"), "--model", str(trained_model),
                     "--jobs", "100", "--format", "jsonl"]) == 0
    assert seen["n_jobs"] <= min(2, os.cpu_count() or 1)


# --- inputs and outputs that are not what they seem ------------------------------------------------------
def test_text_that_is_not_japanese_is_tagged_with_a_warning(trained_model):
    res = run("tag", str(ROOT / "README.md"), "--model", str(trained_model), "--format", "jsonl")
    assert res.returncode == 0
    assert "README.md: does not look like Japanese text" in res.stderr
    assert json.loads(res.stdout)["blocks"]
    japanese = run("tag", str(FIXTURES / "traps.txt"), "--model", str(trained_model), "--format", "jsonl")
    assert "does not look like Japanese" not in japanese.stderr


@pytest.mark.parametrize("env", [{"PYTHONIOENCODING": "cp932"}, {"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0"},
                                 {"PYTHONIOENCODING": "ascii"}])
def test_standard_output_is_utf8_whatever_the_locale(env):
    res = subprocess.run([sys.executable, "-m", "classifier", "parse", str(FIXTURES / "traps.txt")],
                         capture_output=True, cwd=ROOT, env={**os.environ, **env})
    assert res.returncode == 0, res.stderr
    assert "反ロシア" in res.stdout.decode("utf-8")


# --- a user's mistake is never an internal error --------------------------------------------------------
@pytest.mark.parametrize("args, message", [
    (["parse", str(FIXTURES / "traps.txt"), "--encoding", "base64"], "not a text encoding"),
    (["parse", str(FIXTURES / "traps.txt"), "--encoding", "rot13"], "not a text encoding"),
    (["parse", str(FIXTURES / "traps.txt"), "--encoding", "klingon"], "unknown encoding"),
    (["eval", str(CORPUS), "--model-params", "max_features=0"], "max_features"),
    (["eval", str(CORPUS), "--model-params", "commentary_c=nan"], "commentary_c"),
    (["eval", str(CORPUS), "--model-params", "tag_c=-1"], "tag_c"),
    (["eval", str(CORPUS), "--model-params", "split_mode=Z"], "split_mode"),
    (["train", "--holdout", "nan"], "--holdout"),
    (["tag", str(FIXTURES / "traps.txt"), "--dask-timeout", "0", "--dask", "tcp://127.0.0.1:1"], "--dask-timeout"),
])
def test_usage_mistakes_exit_2_with_a_message(args, message):
    res = run(*args, timeout=120)
    assert res.returncode == 2, res.stderr
    assert message in res.stderr and "Traceback" not in res.stderr and "internal error" not in res.stderr


@pytest.mark.parametrize("gold, message", [
    ({"lines": {"one": "W"}}, "not a line number"),
    ({"lines": {"1": "X"}}, "has label 'X'"),
    ({"lines": {"1": "W"}, "post_tags": "NATO"}, "post_tags"),
    ({"lines": []}, "needs a 'lines' object"),
])
def test_bad_gold_files_exit_2(tmp_path, gold, message):
    test = tmp_path / "test"
    test.mkdir()
    shutil.copy(FIXTURES / "traps.txt", test / "t.txt")
    (test / "t.json").write_text(json.dumps(gold), encoding="utf-8")
    res = run("eval", str(CORPUS), "--test", str(test), timeout=300)
    assert res.returncode == 2 and message in res.stderr, res.stderr


def test_eval_takes_test_before_the_corpus(tmp_path):
    test = tmp_path / "test"
    test.mkdir()
    shutil.copy(FIXTURES / "traps.txt", test / "t.txt")
    res = run("eval", "--test", str(test), str(CORPUS), "--format", "json", timeout=300)
    assert res.returncode == 0, res.stderr
    report = json.loads(res.stdout)
    assert report["dumps_test"] == 1 and report["dumps_train"] == len(list(CORPUS.glob("*.txt")))


def _edit(model_dir, change):
    meta = json.loads((model_dir / MODEL_FILE).read_text(encoding="utf-8"))
    change(meta, model_dir)
    (model_dir / MODEL_FILE).write_text(json.dumps(meta), encoding="utf-8")


def _replace_array(meta, d, part, key, arr=None, raw=None):
    import hashlib
    import io

    import numpy as np

    spec = meta["models"][part]["arrays"][key]
    if raw is None:
        buf = io.BytesIO()
        np.save(buf, arr, allow_pickle=False)
        raw = buf.getvalue()
    (d / spec["file"]).write_bytes(raw)
    spec["sha256"] = hashlib.sha256(raw).hexdigest()


def _npz(arr):
    import io

    import numpy as np

    buf = io.BytesIO()
    np.savez(buf, a=arr)
    return buf.getvalue()


MALFORMED = {
    "huge threshold": (lambda m, d: m["thresholds"].update(model_weight=1e308), "outside"),
    "NaN threshold": (lambda m, d: m["thresholds"].update(model_center=float("nan")), "finite"),
    "format_version true": (lambda m, d: m.update(format_version=True), "positive integer"),
    "format_version 0": (lambda m, d: m.update(format_version=0), "positive integer"),
    "format_version text": (lambda m, d: m.update(format_version="1"), "positive integer"),
    "unknown split mode": (lambda m, d: m["tokenizer"].update(split_mode="D"), "split mode"),
    "classes not strings": (lambda m, d: m["models"]["commentary"].update(classes=[1]), "list of strings"),
    "unhashable vocabulary": (lambda m, d: m["models"]["commentary"]["vocabulary"].__setitem__(0, ["x"]),
                              "list of strings"),
    "NaN in an array": (lambda m, d: _replace_array(
        m, d, "commentary", "intercept", __import__("numpy").array([float("nan")])), "NaN or infinite"),
    "infinite in an array": (lambda m, d: _replace_array(
        m, d, "commentary", "intercept", __import__("numpy").array([float("inf")])), "NaN or infinite"),
    "integer dtype": (lambda m, d: _replace_array(
        m, d, "commentary", "intercept", __import__("numpy").array([1], dtype="int64")), "float64"),
    "float32 dtype": (lambda m, d: _replace_array(
        m, d, "commentary", "intercept", __import__("numpy").array([1.0], dtype="float32")), "float64"),
    "npz array": (lambda m, d: _replace_array(
        m, d, "commentary", "intercept", raw=_npz(__import__("numpy").array([1.0]))), "not a plain NumPy"),
    "larger than recorded": (lambda m, d: _replace_array(
        m, d, "commentary", "intercept", raw=b"\x93NUMPY" + b"\0" * 200_000), "larger than"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_models_are_refused_with_a_message(trained_model, tmp_path, case):
    change, message = MALFORMED[case]
    d = tmp_path / "m"
    shutil.copytree(trained_model, d)
    _edit(d, change)
    with pytest.raises(ModelError, match=message):
        load_model(d)
    res = run("tag", str(FIXTURES / "traps.txt"), "--model", str(d))
    assert res.returncode == 2 and "Traceback" not in res.stderr and "internal error" not in res.stderr


def test_tag_variants_compare_candidate_pairs_only(monkeypatch):
    import random

    from classifier.tokenize import Tokenizer
    from training import labels_report

    calls = []
    real = labels_report._edits
    monkeypatch.setattr(labels_report, "_edits", lambda a, b, k: calls.append(1) or real(a, b, k))
    rng = random.Random(0)
    alphabet = "アイウエオカキクケコサシスセソ露朝中米欧核制裁abcdefgh"
    names = sorted({"".join(rng.choice(alphabet) for _ in range(rng.randint(4, 10))) for _ in range(3000)})
    names += ["NATO", "ＮＡＴＯ", "nato", "対ロ制裁", "対露制裁"]
    found = labels_report.tag_variants(names, Tokenizer())
    assert len(calls) < 20_000  # all pairs would be about 4.5 million
    pairs = {(a, b) for a, b, _ in found}
    assert ("NATO", "ＮＡＴＯ") in pairs and ("NATO", "nato") in pairs and ("対ロ制裁", "対露制裁") in pairs
