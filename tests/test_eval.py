"""`classifier eval`: the split by post, the metrics on hand-made cases, marker stripping, the report."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from classifier.segment import split_lines
from training.evaluate import EvalError, evaluate, fold_indices, strip_markers
from training.metrics import binary_prf, per_tag, prf, topk_macro, topk_micro

from .conftest import CORPUS, FIXTURES, ROOT, read


def test_folds_never_put_a_post_on_both_sides():
    groups = fold_indices(34, 5, seed=3)
    assert sorted(i for g in groups for i in g) == list(range(34))
    for a in range(5):
        for b in range(a + 1, 5):
            assert not set(groups[a]) & set(groups[b])
    assert fold_indices(34, 5, seed=3) == groups  # deterministic
    with pytest.raises(EvalError):
        fold_indices(3, 5)
    with pytest.raises(EvalError):
        fold_indices(10, 1)


def test_prf_by_hand():
    p = prf(tp=2, fp=1, fn=1)
    assert (round(p.precision, 4), round(p.recall, 4), round(p.f1, 4), p.support) == (0.6667, 0.6667, 0.6667, 3)
    assert prf(0, 0, 0).f1 == 0.0
    b = binary_prf([True, True, False, False], [True, False, True, False])
    assert (b.precision, b.recall, b.support) == (0.5, 0.5, 2)


def test_topk_micro_and_macro_by_hand():
    gold = [{"A", "B"}, {"C"}]
    ranked = [["A", "C", "B"], ["A", "C"]]
    at1 = topk_micro(gold, ranked, 1)  # top: A (right), A (wrong)
    assert (at1.precision, at1.recall) == (0.5, 1 / 3)
    at3 = topk_micro(gold, ranked, 3)  # {A,C,B} vs {A,B}: 2 right 1 wrong; {A,C} vs {C}: 1 right 1 wrong
    assert (at3.precision, at3.recall) == (3 / 5, 1.0)
    tags = per_tag(gold, ranked, 1)
    assert tags["A"].precision == 0.5 and tags["A"].recall == 1.0 and tags["C"].recall == 0.0
    macro = topk_macro(gold, ranked, 1)
    assert macro.f1 == pytest.approx((tags["A"].f1 + tags["B"].f1 + tags["C"].f1) / 3)


def test_marker_stripping_keeps_line_numbers():
    text = read(FIXTURES / "traps.txt")
    bare = strip_markers(text)
    before, after = split_lines(text), split_lines(bare)
    assert len(before) == len(after)
    assert after[2].text == ""  # the attribution line is emptied
    assert after[6].text == "モスクワの見方はまったく違う。"  # 🇷🇺🐻 removed
    assert "pic.twitter.com" not in bare and "🌍" not in after[14].text
    assert after[3].text == before[3].text  # plain text untouched
    crlf = strip_markers(text.replace("\n", "\r\n"))
    assert crlf.count("\r\n") == text.count("\n")


def test_eval_on_the_sample_corpus_scores_every_part():
    r = evaluate([str(CORPUS)], folds=3).to_dict()
    assert r["reference"] == "gold"
    for level in ("section", "post"):
        systems = r["tags"][level]["systems"]
        assert set(systems) == {"model", "most_frequent", "name_in_text"}
        assert set(systems["model"]) == {"@1", "@3", "@5"}
    assert set(r["lines"]) == {"model", "rules"} and set(r["lines_marker_stripped"]) == {"model", "rules"}
    assert r["lines"]["model"]["lines"] > 1000
    # The model must beat the frequency baseline and learn beyond the markers.
    assert r["tags"]["post"]["systems"]["model"]["@3"]["micro"]["f1"] > \
        r["tags"]["post"]["systems"]["most_frequent"]["@3"]["micro"]["f1"]
    assert r["lines_marker_stripped"]["model"]["commentary"]["recall"] > \
        r["lines_marker_stripped"]["rules"]["commentary"]["recall"]


def test_eval_without_gold_says_it_used_weak_labels(tmp_path):
    for p in sorted(CORPUS.glob("*.txt"))[:6]:
        (tmp_path / p.name).write_text(read(p), encoding="utf-8")
    r = evaluate([str(tmp_path)], folds=2)
    assert r.reference == "weak labels"


def test_eval_cli_json_and_bad_params():
    out = subprocess.run([sys.executable, "-m", "classifier", "eval", str(CORPUS), "--folds", "2", "--format", "json",
                          "--model-params", "tag_c=5", "min_tag_examples=2"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["split"].startswith("2 folds")
    bad = subprocess.run([sys.executable, "-m", "classifier", "eval", str(CORPUS), "--model-params", "nope=1"],
                         capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 2 and "KEY=VALUE" in bad.stderr and "Traceback" not in bad.stderr


def test_fasttext_peer_reports_when_missing(monkeypatch):
    import builtins

    from training.peer_fasttext import fasttext_peer

    real_import = builtins.__import__

    def no_fasttext(name, *a, **k):
        if name == "fasttext":
            raise ImportError("No module named 'fasttext'")
        return real_import(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", no_fasttext)
    out = fasttext_peer(None, [], None, [], None)
    assert "not installed" in out["error"]


def test_fasttext_peer_side_by_side_when_installed():
    pytest.importorskip("fasttext", reason="fastText is an optional extra: pip install -e '.[peer]'")
    from training.peer_fasttext import fasttext_peer

    r = evaluate([str(CORPUS)], folds=2, peer=fasttext_peer)
    assert r.peer["train_seconds"] > 0
    assert set(r.to_dict()["tags"]["post"]["systems"]) == {"model", "most_frequent", "name_in_text", "fasttext"}
    assert len(r.posts.systems["fasttext"]) == len(r.posts.gold)
