"""The learned parts of the verdict: the label model, the smoothing over clips, the calibration of the model's say,
the accounts' reputations; and that a model trained on a one-sided archive cannot overrule strong markers."""
from __future__ import annotations

import itertools
import math
import random
import re
from pathlib import Path

import numpy as np
import pytest

from classifier import label_model as lm
from classifier import parse
from classifier.sequence import Transitions, clips
from training.commentary_fit import MIN_CALIBRATION, Labels, calibrate, sample_plan

from .conftest import FIXTURES, read


def brute_force(t: Transitions, evidence: list[float]) -> list[float]:
    """P(commentary) of each position by summing over every state sequence."""
    n = len(evidence)
    totals = [0.0] * n
    z = 0.0
    for states in itertools.product((0, 1), repeat=n):
        p = t.start if states[0] else 1 - t.start
        for a, b in zip(states, states[1:]):
            stay = t.stay if a else t.enter
            p *= stay if b else 1 - stay
        p *= math.exp(sum(e for e, s in zip(evidence, states) if s))
        z += p
        for i, s in enumerate(states):
            totals[i] += p * s
    return [x / z for x in totals]


@pytest.mark.parametrize("seed", range(5))
def test_smoothing_is_the_exact_posterior_of_the_chain(seed):
    rng = random.Random(seed)
    t = Transitions(rng.uniform(0.05, 0.95), rng.uniform(0.05, 0.95), rng.uniform(0.05, 0.95))
    evidence = [rng.uniform(-6, 6) for _ in range(rng.randint(1, 7))]
    assert t.smooth(evidence) == pytest.approx(brute_force(t, evidence), abs=1e-9)


def test_smoothing_survives_huge_evidence():
    out = Transitions(0.2, 0.1, 0.8).smooth([1e6, -1e6, 0.0])
    assert out[0] == pytest.approx(1.0) and out[1] == pytest.approx(0.0) and 0 < out[2] < 1


def test_smoothing_stays_a_probability_on_any_chain():
    rng = random.Random(7)
    for _ in range(2000):
        t = Transitions(*(rng.uniform(1e-6, 1 - 1e-6) for _ in range(3)))
        evidence = [rng.choice([rng.uniform(-1e4, 1e4), rng.uniform(-5, 5), 300.0, -300.0])
                    for _ in range(rng.randint(1, 30))]
        assert all(0.0 <= p <= 1.0 for p in t.smooth(evidence)), (t, evidence)


@pytest.mark.parametrize("seed", range(3))
def test_label_model_learns_which_rule_to_trust(seed):
    """Synthetic archive: two commentary rules right about 88% of the time, a wire rule right about 78% (it fires
    on both classes) and one right about 98%. From a prior that weighs them all alike, EM finds the noisy rule and
    labels the archive better than the prior does; no gold is used."""
    rng = np.random.default_rng(seed)
    n = 4000
    y = rng.random(n) < 0.3

    def rule(on_own_class: float, on_other: float, label: bool) -> np.ndarray:
        fires = np.where(y == label, rng.random(n) < on_own_class, rng.random(n) < on_other)
        return np.where(fires, 1 if label else -1, 0)

    votes = np.stack([rule(0.5, 0.03, True), rule(0.4, 0.02, True), rule(0.3, 0.2, False), rule(0.5, 0.02, False)],
                     axis=1).astype(float)
    start = lm.prior_model(["c1", "c2", "noisy_w", "strong_w"], [1, 1, -1, -1], [2.0] * 4)
    fitted = lm.fit(votes, start)
    w = fitted.weights  # what each vote adds to the log-odds of commentary
    assert w["c1"] > 0 and w["c2"] > 0 and w["strong_w"] < w["noisy_w"] < 0
    assert abs(w["noisy_w"]) < abs(start.weights["noisy_w"]) / 2  # the noisy rule is found out
    accuracy = ((lm.sigmoid(fitted.log_odds(votes)) > 0.5) == y).mean()
    before = ((lm.sigmoid(start.log_odds(votes)) > 0.5) == y).mean()
    assert accuracy > before


def test_a_rule_that_never_votes_keeps_its_prior():
    start = lm.prior_model(["a", "b"], [1, -1], [2.0, 1.0])
    votes = np.zeros((50, 2))
    votes[:10, 1] = -1
    fitted = lm.fit(votes, start)
    assert fitted.accuracy[0] == pytest.approx(start.accuracy[0])


def test_calibration_gives_no_say_without_both_classes():
    held = [{k: 0.9 for k in range(40)}]
    one_sided = Labels([{k: -5.0 for k in range(40)}])
    cal = calibrate(held, one_sided, 2.0)
    assert cal.slope == 0.0 and "no say" in cal.note
    both = Labels([{k: (5.0 if k % 2 else -5.0) for k in range(4 * MIN_CALIBRATION)}])
    scores = [{k: (0.8 if k % 2 else 0.2) for k in range(4 * MIN_CALIBRATION)}]
    assert calibrate(scores, both, 2.0).slope > 0


def test_clips_end_at_boundaries_inserts_sign_offs_and_wire_leads():
    text = "\n".join([
        "見出しです https://t.co/AAAAAAAAAA",
        "— NHKニュース (@nhk_news) May 1, 2025",
        "政府は1日、方針を決めました。",
        "それは茶番だ。",
        "🇷🇺挿入の見出し",
        "平文の意見。",
        "🐸締めの一言だ。",
        "外務省は2日、声明を出した。",
        "#タグ",
        "次の段落。",
    ])
    d = parse(text)
    groups = [[d.blocks[k].start_line for k in clip] for clip in clips(d)]
    assert groups == [[1, 3, 4], [5, 6, 7], [8], [10]]


def test_a_one_sided_archive_cannot_overrule_strong_markers(tmp_path):
    """Trained on wire copy only, the model has no say: a dump's marked commentary stays commentary."""
    from classifier import Predictor
    from training.train import TrainParams, train

    corpus = tmp_path / "wire"
    corpus.mkdir()
    wire = [ln for ln in read(FIXTURES / "traps.txt").splitlines() if "発表" in ln or "述べ" in ln]
    for i in range(6):
        (corpus / f"{i}.txt").write_text("\n".join(wire[i % len(wire):] + wire[: i % len(wire)]) + "\n#A\n",
                                         encoding="utf-8")
    report = train([str(corpus)], tmp_path / "m", TrainParams(holdout=0))
    assert any("no say" in n for n in report.notes)
    text = read(FIXTURES / "traps.txt")
    by_rules = parse(text).line_labels()
    tagged = Predictor.load(tmp_path / "m").tag(text).line_labels()
    marked = [n for n, lab in by_rules.items() if lab == "commentary"]
    assert marked and all(tagged[n] == "commentary" for n in marked)


def test_a_large_archive_fits_its_held_out_models_on_whole_dumps_within_a_budget():
    labels = Labels([{k: (3.0 if (i + k) % 3 == 0 else -3.0) for k in range(10 + i % 7)} for i in range(200)])
    plan = [(i, sorted(labels.log_odds[i]), [0] if i % 2 else []) for i in range(200)]
    sub, y = sample_plan(plan, labels, 300, seed=4)
    assert [e[0] for e in sub] == sorted({e[0] for e in sub})  # each dump once, in archive order
    assert all(entry == plan[entry[0]] for entry in sub)  # whole dumps, as planned
    n = sum(len(s) + len(t) for _, s, t in sub)
    assert 300 <= n < 300 + 17 + 1 and len(y) == n  # stops at the first dump past the budget
    assert y == [labels.hard(i, k) for i, s, t in sub for k in s + t]
    assert sample_plan(plan, labels, 300, seed=4) == (sub, y)  # the same archive gives the same models
    assert sample_plan(plan, labels, 300, seed=5)[0] != sub


def test_past_its_budget_the_commentary_model_learns_from_a_sample_of_whole_posts(tmp_path):
    from classifier import Predictor
    from training.train import TrainParams, train

    corpus = Path(__file__).resolve().parent.parent / "training" / "corpus"
    report = train([str(corpus)], tmp_path / "m", TrainParams(holdout=0, commentary_examples=200))
    note = [n for n in report.notes if "commentary_examples=200" in n]
    assert len(note) == 1
    used, total = map(int, re.search(r"from (\d+) of (\d+) confident", note[0]).groups())
    assert 200 <= used < total
    text = (corpus / sorted(p.name for p in corpus.glob("*.txt"))[0]).read_text(encoding="utf-8")
    assert "commentary" in Predictor.load(tmp_path / "m").tag(text).line_labels().values()
    full = train([str(corpus)], tmp_path / "full", TrainParams(holdout=0))
    assert not any("commentary_examples" in n for n in full.notes)  # the bundled corpus is far below the default
