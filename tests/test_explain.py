"""tag --explain: evidence for every verdict, whose numbers add up, in JSON, the text view and the HTML page."""
from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest

from classifier.label_model import logit

from .conftest import CORPUS, FIXTURES, ROOT, read


@pytest.fixture(scope="module")
def explained(predictor):
    return [predictor.tag(read(p), str(p), explain=True) for p in sorted(CORPUS.glob("*.txt"))[:8]]


def test_block_evidence_adds_up(predictor, explained):
    weights = predictor.judge.label_model.weights
    checked = 0
    for dump in explained:
        for b in dump.blocks:
            if not b.is_text:
                assert b.evidence is None
                continue
            ev = b.evidence
            # the rules: each vote with the label model's weight, and the prior, make the rules' log-odds
            assert {r["rule"]: r["weight"] for r in ev["rules"]} == pytest.approx({r: weights[r] for r in
                                                                                   (x["rule"] for x in ev["rules"])},
                                                                                  abs=1e-4)
            assert ev["prior"] + sum(r["weight"] for r in ev["rules"]) == pytest.approx(ev["rules_log_odds"],
                                                                                        abs=1e-3)
            # the model: intercept + listed terms + rest = the score's logit, whose sigmoid is its probability
            m = ev["model"]
            total = m["intercept"] + sum(t["contribution"] for t in m["terms"]) + m["rest"]
            assert total == pytest.approx(m["logit"], abs=1e-5)
            assert 1 / (1 + math.exp(-m["logit"])) == pytest.approx(m["probability"], abs=1e-5)
            ups = [t["contribution"] for t in m["terms"] if t["contribution"] > 0]
            downs = [t["contribution"] for t in m["terms"] if t["contribution"] < 0]
            assert ups == sorted(ups, reverse=True) and downs == sorted(downs) and len(ups) <= 5 >= len(downs)
            # the final probability is the smoothing's
            assert ev["smoothing"]["probability"] == pytest.approx(b.commentary_score, abs=1e-6)
            assert (b.label == "commentary") == (b.commentary_score > 0.5)
            checked += 1
    assert checked > 50


def test_suggestion_evidence_adds_up_and_names_the_nearest_section(explained):
    seen = 0
    for dump in explained:
        for sug in [x for s in dump.sections for x in s.suggested] + dump.post.suggested:
            ev = sug.evidence
            assert set(ev["sources"]) >= {"linear", "neighbours", "name"}
            words = ev.get("words")
            if words:
                total = words["intercept"] + sum(t["contribution"] for t in words["terms"]) + words["rest"]
                assert total == pytest.approx(words["logit"], abs=1e-5)
                assert all(t["contribution"] > 0 for t in words["terms"])
            near = ev.get("nearest_section")
            if near:
                assert sug.tag in near["tags"] and near["path"] and 0 < near["similarity"] <= 1 + 1e-9
                seen += 1
    assert seen > 5


def test_no_evidence_unless_asked(predictor):
    text = read(FIXTURES / "traps.txt")
    plain = predictor.tag(text, "t.txt").to_dict()
    assert "evidence" not in json.dumps(plain)
    explained = predictor.tag(text, "t.txt", explain=True).to_dict()
    for a, b in zip(plain["blocks"], explained["blocks"]):
        b.pop("evidence", None)
        assert a == b  # the same verdicts, evidence aside


def test_cli_explain_in_json_and_text(trained_model):
    out = subprocess.run([sys.executable, "-m", "classifier", "tag", str(FIXTURES / "traps.txt"), "--model",
                          str(trained_model), "--explain", "--format", "json"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    dump = json.loads(out.stdout)[0]
    assert all("evidence" in b for b in dump["blocks"] if b["kind"] in ("body", "post_text"))
    text = subprocess.run([sys.executable, "-m", "classifier", "tag", str(FIXTURES / "traps.txt"), "--model",
                           str(trained_model), "--explain"], capture_output=True, text=True, cwd=ROOT)
    assert "why: rules" in text.stdout and "model p=" in text.stdout and "why #" in text.stdout


def test_rules_log_odds_is_the_label_models_verdict(predictor, explained):
    lm = predictor.judge.label_model
    for dump in explained[:2]:
        for b in dump.blocks:
            if b.evidence:
                assert b.evidence["prior"] == pytest.approx(logit(lm.prior), abs=1e-4)


def test_a_posts_lines_weigh_as_their_mean(predictor):
    """The lines of one embedded post share one verdict, made of the mean of their evidence: a long post's lines do
    not count its account's votes once a line, nor outvote a marker on one of them."""
    prior = logit(predictor.judge.label_model.prior)
    checked = 0
    for path in sorted((ROOT / "training" / "corpus2").glob("0*.txt")):
        blocks = predictor.tag(read(path), str(path), explain=True).blocks
        for k, b in enumerate(blocks):
            if b.kind != "post_text" or (k and blocks[k - 1].kind == "post_text"):
                continue
            group = [b]
            while k + len(group) < len(blocks) and blocks[k + len(group)].kind == "post_text":
                group.append(blocks[k + len(group)])
            if len(group) < 2:
                continue

            def part(x):
                m = x.evidence.get("model") or {}
                return x.evidence["rules_log_odds"] - prior + (0.0 if m.get("says_nothing") else m.get("calibrated", 0))

            mean = sum(part(x) for x in group) / len(group)
            for x in group:
                assert x.evidence["smoothing"]["log_odds_before"] == pytest.approx(mean + prior, abs=1e-3)
            checked += 1
    assert checked, "the corpus has multi-line embedded posts"
