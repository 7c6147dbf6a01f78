"""Training on corpora that cannot teach everything: a clear note, and a model whenever one can be made."""
from __future__ import annotations

import re

import pytest

from classifier import Predictor
from training.train import TrainingError, TrainParams, format_report, train

from .conftest import FIXTURES, read

BASE = read(FIXTURES / "traps.txt")
BODY = [ln for ln in BASE.split("\n") if not ln.startswith("#") or ln.startswith("#ニュース")]
WIRE_ONLY = [ln for ln in BODY if not re.search("[🇷🇺🐻🌍]|pic.twitter|過ぎない|のだ|違う", ln)]


def corpus(tmp_path, texts):
    d = tmp_path / "corpus"
    d.mkdir()
    for i, t in enumerate(texts):
        (d / f"{i}.txt").write_text(t, encoding="utf-8")
    return str(d)


def fit(tmp_path, texts, **params):
    report = train([corpus(tmp_path, texts)], tmp_path / "model", TrainParams(holdout=0, **params))
    return report, Predictor.load(tmp_path / "model")


def test_no_tags_at_all(tmp_path):
    report, p = fit(tmp_path, ["\n".join(BODY)] * 4)
    text = format_report(report)
    assert "no section suggestions" in text and "no post suggestions" in text
    d = p.tag(BASE)
    assert d.post.suggested == [] and all(not s.suggested for s in d.sections)
    assert any(b.label == "commentary" for b in d.blocks)  # the commentary model still works


def test_a_single_tag(tmp_path):
    report, p = fit(tmp_path, ["\n".join(BODY) + "\n#Only\n"] * 4)
    assert "post tag Only is on every post" in format_report(report)
    assert [s.tag for s in p.tag(BASE).post.suggested] == ["Only"]


def test_tags_with_one_example_are_kept_and_reported_as_rare(tmp_path):
    texts = ["\n".join(BODY) + f"\n#Common\n#Rare{i}\n" for i in range(4)]
    report, p = fit(tmp_path, texts)
    assert report.post_tags == {"Common": 4, "Rare0": 1, "Rare1": 1, "Rare2": 1, "Rare3": 1}
    assert "post tags that are rare (4" in format_report(report)
    assert not report.left_out["post"]


def test_min_examples_leaves_rare_tags_out(tmp_path):
    texts = ["\n".join(BODY) + f"\n#Common\n#Rare{i}\n" for i in range(4)]
    report, p = fit(tmp_path, texts, min_tag_examples=2)
    assert report.post_tags == {"Common": 4}
    assert report.left_out["post"] == {"Rare0": 1, "Rare1": 1, "Rare2": 1, "Rare3": 1}
    assert "post tags left out" in format_report(report)


def test_no_commentary_at_all(tmp_path):
    report, p = fit(tmp_path, ["\n".join(WIRE_ONLY) + "\n#A\n"] * 4)
    assert not any(b == "commentary" for b in report.blocks_by_label)
    assert any("wire for everything" in n for n in report.notes)
    assert all(b.label != "commentary" for b in p.tag("\n".join(WIRE_ONLY)).blocks)


def test_nothing_but_commentary(tmp_path):
    lines = ["🐸これは茶番だ。", "誰もが知っているのだ。", "ナンセンスだ。"]
    report, p = fit(tmp_path, ["\n".join(lines) + "\n#B\n"] * 4)
    assert any("commentary for everything" in n for n in report.notes)
    assert p.tag("\n".join(lines)).blocks[0].label == "commentary"


def test_plain_lines_the_rules_are_unsure_of(tmp_path):
    report, p = fit(tmp_path, ["一行目の文章。\n二行目の文章。\n"] * 3)
    assert p.tag("三行目の文章。\n").blocks[0].label == "wire"


def test_no_text_at_all_is_an_error(tmp_path):
    with pytest.raises(TrainingError, match="no text blocks"):
        fit(tmp_path, ["#A\n#B\n"] * 2)
