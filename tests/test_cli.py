"""The command line: formats, batches with bad inputs, exit codes, messages without tracebacks."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .conftest import FIXTURES, ROOT


def run(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "classifier", *args], capture_output=True, text=True, cwd=ROOT,
                          input=stdin)


def test_help_teaches_the_verbs():
    out = run("--help")
    assert out.returncode == 0
    for verb in ("parse", "train", "tag"):
        assert verb in out.stdout
    assert "--top-k" in run("tag", "--help").stdout


def test_parse_json_is_one_array():
    out = run("parse", str(FIXTURES / "traps.txt"), str(FIXTURES / "page.txt"), "--format", "json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert [d["path"] for d in data] == [str(FIXTURES / "traps.txt"), str(FIXTURES / "page.txt")]
    assert "commentary_score" not in data[0]["blocks"][0]


def test_parse_jsonl_one_object_a_line_and_directory_input():
    out = run("parse", str(FIXTURES), "--format", "jsonl")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert len(lines) == len(list(FIXTURES.glob("*.txt")))
    assert all(json.loads(x)["blocks"] for x in lines)


def test_parse_stdin():
    text = (FIXTURES / "traps.txt").read_text(encoding="utf-8")
    out = run("parse", "-", "--format", "jsonl", stdin=text)
    assert out.returncode == 0
    assert json.loads(out.stdout)["post"]["existing"][0]["name"] == "NATOexpansion"


def test_text_format_marks_commentary():
    out = run("parse", str(FIXTURES / "traps.txt"))
    assert out.returncode == 0
    line7 = [x for x in out.stdout.splitlines() if x.strip().startswith("7 ")][0]
    assert ">COMM" in line7
    assert "post: existing #NATOexpansion #反ロシア #対中露戦" in out.stdout


def test_bad_inputs_in_a_batch_are_listed_and_the_rest_still_runs(tmp_path):
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"\x00\x01\x02\xff")
    bad_utf8 = tmp_path / "latin.txt"
    bad_utf8.write_bytes("caf\u00e9".encode("latin-1"))
    out = run("parse", str(tmp_path / "missing.txt"), str(FIXTURES / "traps.txt"), str(binary), str(bad_utf8),
              "--format", "jsonl")
    assert out.returncode == 2
    records = [json.loads(x) for x in out.stdout.splitlines()]
    # every input has its place in the output: the failed ones as error records, so nothing missing looks complete
    assert [("blocks" in r, "error" in r) for r in records] == [(False, True), (True, False), (False, True),
                                                              (False, True)]
    assert records[0]["path"].endswith("missing.txt") and "no such file" in records[0]["error"]
    assert "missing.txt: no such file or directory" in out.stderr
    assert "bin.txt: looks like a binary file" in out.stderr
    assert "latin.txt: not valid UTF-8, Shift_JIS or EUC-JP (under UTF-8, byte 0xe9 at byte offset 3" in out.stderr
    assert "3 input(s) failed" in out.stderr
    assert "Traceback" not in out.stderr


def test_empty_directory_is_an_input_error(tmp_path):
    out = run("parse", str(tmp_path))
    assert out.returncode == 2 and "has no .txt files" in out.stderr


def test_tag_with_a_missing_model_says_how_to_train(tmp_path):
    out = run("tag", str(FIXTURES / "traps.txt"), "--model", str(tmp_path / "none"))
    assert out.returncode == 2
    assert "classifier train" in out.stderr and "Traceback" not in out.stderr


def test_tag_formats(trained_model):
    base = ["tag", str(FIXTURES / "traps.txt"), "--model", str(trained_model)]
    j = run(*base, "--format", "json")
    assert j.returncode == 0, j.stderr
    data = json.loads(j.stdout)
    assert data[0]["post"]["suggested"] and "commentary_score" in data[0]["blocks"][0]
    jl = run(*base, "--format", "jsonl", "--top-k", "2")
    assert len(json.loads(jl.stdout)["post"]["suggested"]) <= 2
    t = run(*base)
    assert t.returncode == 0 and "suggested #" in t.stdout


def test_usage_errors_exit_2():
    assert run("tag").returncode == 2
    assert run("bogus").returncode == 2
    out = run("train", "--holdout", "1.5")
    assert out.returncode == 2 and "--holdout" in out.stderr


def test_train_takes_model_params_and_its_own_options_win(tmp_path):
    bad = run("train", "--model", str(tmp_path / "m"), "--model-params", "commentary_examples=0")
    assert bad.returncode == 2 and "commentary_examples must be 1 or more" in bad.stderr
    assert not (tmp_path / "m").exists()
    small = tmp_path / "c"
    small.mkdir()
    for f in sorted((ROOT / "training" / "corpus").glob("*.txt"))[:6]:
        (small / f.name).write_bytes(f.read_bytes())
    out = run("train", str(small), "--model", str(tmp_path / "m"), "--model-params", "holdout=0.3",
              "commentary_examples=40", "seed=7", "--seed", "3")
    assert out.returncode == 0, out.stderr
    params = json.loads((tmp_path / "m" / "model.json").read_text(encoding="utf-8"))["parameters"]
    assert (params["holdout"], params["seed"], params["commentary_examples"]) == (0.3, 3, 40)
    assert "commentary_examples=40" in out.stdout


@pytest.mark.parametrize("corpus_text, message", [("", "empty file"), ("#A\n#B\n", "no text")])
def test_train_on_a_useless_corpus_fails_clearly(tmp_path, corpus_text, message):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "a.txt").write_text(corpus_text, encoding="utf-8")
    out = run("train", str(tmp_path / "c"), "--model", str(tmp_path / "m"), "--quiet")
    assert out.returncode == 2, out.stderr
    assert message in out.stderr and "Traceback" not in out.stderr


def test_tag_jobs_2_gives_the_same_output_in_the_same_order(trained_model, tmp_path):
    from .conftest import CORPUS

    missing = str(tmp_path / "missing.txt")
    args = ["tag", str(CORPUS), missing, str(FIXTURES / "traps.txt"), "--model", str(trained_model), "--format", "jsonl"]
    one, two = run(*args), run(*args, "--jobs", "2")
    assert one.returncode == two.returncode == 2  # the missing file, reported by both
    assert one.stdout == two.stdout
    records = [json.loads(x) for x in two.stdout.splitlines()]
    assert sum("blocks" in r for r in records) == len(list(CORPUS.glob("*.txt"))) + 1
    assert [r["path"] for r in records if "error" in r] == [missing]
    assert "missing.txt: no such file" in two.stderr


def test_tag_stdin_with_jobs(trained_model):
    text = (FIXTURES / "traps.txt").read_text(encoding="utf-8")
    out = run("tag", "-", "--model", str(trained_model), "--format", "jsonl", "--jobs", "2", stdin=text)
    assert out.returncode == 0 and json.loads(out.stdout)["path"] == "-"
