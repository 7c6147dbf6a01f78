"""Fitting the commentary side from the archive alone, no gold needed:

1. the label model: each rule's accuracy from the rules' agreements (classifier/label_model.py);
2. the commentary model (TF-IDF + logistic regression) on the label model's confident labels, cross-fitted so
   every block also gets a score from a model that never saw its post;
3. each account's reputation: what its clips read like by those held-out scores and by the rules that do not
   look at the account, with counts; then the label model again, with the reputation rule;
4. the calibration of the model's say: a logistic fit of the held-out scores against the labels, so a model
   trained on a small or one-sided archive cannot overrule strong markers;
5. the transitions of the clips' runs of wire and commentary.
"""
from __future__ import annotations

import math
import random
import warnings
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from classifier import label_model as lm
from classifier import sequence
from classifier.commentary import MIN_REPUTATION_BLOCKS, Calibration, Judge
from classifier.document import COMMENTARY, WIRE, Dump
from classifier.features import commentary_docs
from classifier.outlets import Outlets
from classifier.rules import (
    PRIOR_LABEL_MODEL,
    BlockView,
    commentary_reputation,
    verdict,
    views,
    vote_matrix,
    vote_row,
    wire_reputation,
    wire_reputation_clip,
)
from classifier.tokenize import PIC_TOKEN, Tokens

CROSS_FOLDS = 3
# The held-out models only score the archive for calibration, reputations and self-training: past this many training
# examples a larger sample changes those scores little, and a 100 MB archive would fit nine models on hundreds of
# thousands of blocks each (most of the training time, and the peak of its memory).
CROSS_FIT_EXAMPLES = 50_000
SELF_TRAINING_ROUNDS = 2  # the labels settle after two (a third changed nothing on the sample sets)
LIST_RULES = ("outlet_post", "outlet_clip", "news_name")
REPUTATION_RULES = ("wire_reputation", "wire_reputation_clip", "commentary_reputation")
ACCOUNT_RULES = (*LIST_RULES, "opinion_account", *REPUTATION_RULES)
MIN_CALIBRATION = 10  # held-out confident blocks of each class needed to calibrate the model's say
# The model's say is measured on blocks the rules are sure of (log-odds beyond ±2): the ones they are not sure of
# are where the model is needed, and the rules' guess there is no yardstick.
CALIBRATION_MARGIN = 2.0
REPUTATION_PSEUDO = 2.0  # pseudo-blocks at 0.5 that keep a little-seen account's reputation moderate


@dataclass
class Labels:
    """The label model's verdict on every text block of the corpus, per dump."""

    log_odds: list[dict[int, float]] = field(default_factory=list)

    def hard(self, i: int, k: int) -> int:
        return int(self.log_odds[i][k] > 0)


def vote_rows(dump: Dump, outlets: Outlets, shared: dict | None = None) -> dict[int, dict[str, str]]:
    """The rules' votes on each text block of a dump (its text is needed: done when the corpus is read).

    ``shared``: rows already made, by their votes; an equal row is taken from it, not kept again. An archive has
    millions of blocks and a few hundred distinct rows, and no row is ever changed once made."""
    out = {}
    for k, v in enumerate(views(dump, outlets)):
        if v is not None:
            row = vote_row(v)
            out[k] = row if shared is None else shared.setdefault(tuple(row.items()), row)
    return out


def with_reputation(dumps: Sequence[Dump], rows, scores: dict[str, float]) -> list[dict[int, dict[str, str]]]:
    """The votes again, the reputation rule added for the blocks of accounts the archive knows (the other blocks'
    rows are shared with ``rows``, not copied: a large archive has millions)."""
    out = []
    for d, per_dump in zip(dumps, rows):
        new = {}
        for k, row in per_dump.items():
            src = d.blocks[k].source
            score = scores.get(src.lower()) if src else None
            if score is None:
                new[k] = row
                continue
            view = BlockView("", d.blocks[k].kind, src, reputation=score)
            # as in rules.views: the learned reputation replaces the outlet list's guess
            new[k] = {r: v for r, v in row.items() if r not in LIST_RULES}
            for fn in (wire_reputation, wire_reputation_clip, commentary_reputation):
                if vote := fn(view):
                    new[k][fn.__name__] = vote
        out.append(new)
    return out


def fit_label_model(rows: list[dict[int, dict[str, str]]], start: lm.LabelModel = PRIOR_LABEL_MODEL
                    ) -> tuple[lm.LabelModel, Labels]:
    flat = [r for per_dump in rows for r in per_dump.values()]
    model = lm.fit(vote_matrix(flat, start), start)
    return model, labels_of(model, rows)


def labels_of(model: lm.LabelModel, rows) -> Labels:
    labels = Labels()
    for per_dump in rows:
        ks = list(per_dump)
        odds = model.log_odds(vote_matrix([per_dump[k] for k in ks], model)) if ks else []
        labels.log_odds.append(dict(zip(ks, (float(x) for x in odds))))
    return labels


def _marked(t: Tokens) -> bool:
    return bool(t.emoji) or PIC_TOKEN in t.links


def training_plan(tokens: Sequence[Sequence[Tokens | None]], labels: Labels, indices: Sequence[int],
                  min_margin: float, marker_dropout: bool) -> tuple[list[tuple[int, list[int], list[int]]], list[int]]:
    """(dump, blocks shown, blocks shown again without markers) and the labels, for the confident blocks."""
    plan, y = [], []
    for i in indices:
        shown = [k for k, x in labels.log_odds[i].items() if abs(x) >= min_margin and tokens[i][k] is not None]
        stripped = [k for k in shown if marker_dropout and _marked(tokens[i][k])]  # type: ignore[arg-type]
        plan.append((i, shown, stripped))
        y += [labels.hard(i, k) for k in shown + stripped]
    return plan, y


def sample_plan(plan, labels: Labels, budget: int, seed: int):
    """Whole dumps of a plan, drawn at random, until about ``budget`` examples: dumps, not blocks, so a post's
    blocks are seen together, as at tagging time."""
    order = list(range(len(plan)))
    random.Random(seed).shuffle(order)
    kept, n = [], 0
    for j in order:
        if n >= budget:
            break
        kept.append(j)
        n += len(plan[j][1]) + len(plan[j][2])
    sub = [plan[j] for j in sorted(kept)]
    return sub, [labels.hard(i, k) for i, shown, stripped in sub for k in shown + stripped]


def plan_docs(dumps: Sequence[Dump], tokens: Sequence[Sequence[Tokens | None]], plan):
    """The commentary documents of a plan, made on demand (they are many and large)."""
    for i, shown, stripped in plan:
        text_k = [k for k, t in enumerate(tokens[i]) if t is not None]
        docs = dict(zip(text_k, commentary_docs(dumps[i], tokens[i])))
        yield from (docs[k] for k in shown)
        if stripped:
            bare = dict(zip(text_k, commentary_docs(dumps[i], tokens[i], markers=False)))
            yield from (bare[k] for k in stripped)


def cross_fit(dumps, tokens, labels: Labels, params, fit_commentary) -> list[dict[int, float]]:
    """Every text block's commentary probability from a model trained on the other folds of posts."""
    n = len(dumps)
    out: list[dict[int, float]] = [{} for _ in range(n)]
    if n < 2:
        return out
    order = list(range(n))
    random.Random(params.seed).shuffle(order)
    folds = [sorted(order[f::min(CROSS_FOLDS, n)]) for f in range(min(CROSS_FOLDS, n))]
    for f, held in enumerate(folds):
        held_set = set(held)
        train = [i for i in range(n) if i not in held_set]
        plan, y = training_plan(tokens, labels, train, params.min_margin, params.marker_dropout)
        budget = min(CROSS_FIT_EXAMPLES, params.commentary_examples)
        if len(y) > budget:
            plan, y = sample_plan(plan, labels, budget, params.seed + f)
        model, _ = fit_commentary(plan_docs(dumps, tokens, plan), y, params)
        if model is None:
            continue
        for i in held:
            ks = [k for k, t in enumerate(tokens[i]) if t is not None]
            if ks:
                probs = model.predict_proba(commentary_docs(dumps[i], tokens[i]))[:, 0]
                out[i] = dict(zip(ks, (float(p) for p in probs)))
    return out


def reputations(dumps: Sequence[Dump], rows, held_out: list[dict[int, float]], model: lm.LabelModel
                ) -> dict[str, dict[str, Any]]:
    """Each account's reputation: the mean, over its blocks, of the chance of commentary by the rules that do not
    look at the account and by the held-out model's score, pulled towards 0.5 when little seen; with its counts
    and display names."""
    sums: dict[str, float] = defaultdict(float)
    blocks: dict[str, int] = defaultdict(int)
    posts: dict[str, set] = defaultdict(set)
    names: dict[str, set] = defaultdict(set)
    base = lm.logit(model.prior)
    for i, d in enumerate(dumps):
        for k, row in rows[i].items():
            b = d.blocks[k]
            if not b.source:
                continue
            h = b.source.lower()
            odds = verdict({r: v for r, v in row.items() if r not in ACCOUNT_RULES}, model).log_odds
            p = held_out[i].get(k)
            if p is not None:  # the two as independent evidence (naive Bayes)
                p = min(max(p, 1e-6), 1 - 1e-6)
                odds += math.log(p / (1 - p)) - base
            sums[h] += float(lm.sigmoid(odds))
            blocks[h] += 1
            posts[h].add(i)
            if b.source_name:
                names[h].add(b.source_name)
    out = {}
    for h in sorted(blocks):
        score = (sums[h] + REPUTATION_PSEUDO * 0.5) / (blocks[h] + REPUTATION_PSEUDO)
        out[h] = {"score": round(score, 4), "blocks": blocks[h], "posts": len(posts[h]), "names": sorted(names[h])[:5]}
    return out


def add_rules(model: lm.LabelModel, rows, names: Sequence[str]) -> lm.LabelModel:
    """The label model with the rules ``names`` added: their accuracies from their agreement with the model's
    verdicts (the other rules' accuracies stay as they are, so a rule that echoes another cannot inflate it)."""
    flat = [r for per_dump in rows for r in per_dump.values()]
    q = lm.sigmoid(model.log_odds(vote_matrix(flat, model)))
    rules, pol, acc = list(model.rules), list(model.polarity), list(model.accuracy)
    counts = list(model.votes or [0] * len(rules))
    for name in names:
        j = PRIOR_LABEL_MODEL.rules.index(name)
        s, a0 = PRIOR_LABEL_MODEL.polarity[j], PRIOR_LABEL_MODEL.accuracy[j]
        right = n = 0.0
        for row, qi in zip(flat, q):
            if name in row:
                n += 1
                right += qi if s > 0 else 1 - qi
        if name in rules:
            i = rules.index(name)
            acc[i] = lm._clip((right + lm.PRIOR_VOTES * a0) / (n + lm.PRIOR_VOTES))
            counts[i] = int(n)
    return lm.LabelModel(rules, pol, acc, model.prior, counts)


def calibrate(held_out: list[dict[int, float]], labels: Labels, min_margin: float) -> Calibration:
    """The model's say: a logistic fit of its held-out scores (as log-odds) against confident labels."""
    from sklearn.linear_model import LogisticRegression

    x, y = [], []
    for i, probs in enumerate(held_out):
        for k, p in probs.items():
            odds = labels.log_odds[i].get(k)
            if odds is not None and abs(odds) >= min_margin:
                p = min(max(p, 1e-9), 1 - 1e-9)
                x.append(math.log(p / (1 - p)))
                y.append(int(odds > 0))
    counts = (y.count(0), y.count(1))
    if min(counts) < MIN_CALIBRATION:
        return Calibration(0.0, 0.0, f"the model has no say: held-out blocks the rules are sure of number {counts[0]} "
                                     f"wire and {counts[1]} commentary, fewer than {MIN_CALIBRATION} of one class")
    clf = LogisticRegression(C=1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(np.array(x)[:, None], np.array(y))
    slope = max(float(clf.coef_[0][0]), 0.0)  # a model that anti-correlates has no say, it is never inverted
    return Calibration(slope, float(clf.intercept_[0]),
                       f"calibrated on {len(y)} held-out blocks ({counts[0]} wire, {counts[1]} commentary)")


def transitions(clip_lists, labels: Labels, held_out: list[dict[int, float]], cal: Calibration,
                prior: float) -> sequence.Transitions:
    runs = []
    for i, clip_list in enumerate(clip_lists):
        for clip in clip_list:
            ks = [k for k in clip if k in labels.log_odds[i]]
            run = []
            for k in ks:
                text = cal.log_odds(held_out[i][k]) - prior if k in held_out[i] else 0.0
                run.append(labels.log_odds[i][k] + text > 0)
            runs.append(run)
    return sequence.fit(runs)


def fit_judge(dumps, tokens, rows, clip_lists, params, fit_commentary, notes: list[str]):
    """The commentary model and the judge that weighs it against the rules, from the archive (``rows``: the
    rules' votes on each dump, from ``vote_rows``; ``clip_lists``: each dump's clips, from sequence.clips, taken
    while its text was there)."""
    model0, labels0 = fit_label_model(rows)
    held_out = cross_fit(dumps, tokens, labels0, params, fit_commentary)
    del labels0
    rep = reputations(dumps, rows, held_out, model0)
    scores = {h: r["score"] for h, r in rep.items() if r["blocks"] >= MIN_REPUTATION_BLOCKS}
    rows = with_reputation(dumps, rows, scores)
    label_model = add_rules(model0, rows, REPUTATION_RULES)
    labels = labels_of(label_model, rows)
    cal = calibrate(held_out, labels, CALIBRATION_MARGIN)
    trans = transitions(clip_lists, labels, held_out, cal, lm.logit(label_model.prior))
    judge = Judge(label_model, cal, trans, rep)
    for _ in range(SELF_TRAINING_ROUNDS if cal.slope > 0 else 0):
        # Self-training: the rules and the held-out model together label the archive again; the model learns from
        # those labels (it then also learns from the unmarked opinion the rules missed), and is calibrated anew.
        labels = combined_labels(dumps, tokens, rows, clip_lists, held_out, judge)
        held_out = cross_fit(dumps, tokens, labels, params, fit_commentary)
        judge.calibration = calibrate(held_out, labels_of(label_model, rows), CALIBRATION_MARGIN)
        judge.transitions = transitions(clip_lists, labels_of(label_model, rows), held_out, judge.calibration,
                                        lm.logit(label_model.prior))
        if judge.calibration.slope <= 0:
            break
    notes.append(judge.calibration.note)
    plan, y = training_plan(tokens, labels, range(len(dumps)), params.min_margin, params.marker_dropout)
    if len(set(y)) < 2:
        plan, y = training_plan(tokens, labels, range(len(dumps)), 0.0, params.marker_dropout)
        if len(set(y)) == 2:
            notes.append("the rules were sure of one label only: the commentary model learned from all their labels")
    if len(y) > params.commentary_examples:
        sub, sub_y = sample_plan(plan, labels, params.commentary_examples, params.seed)
        if len(set(sub_y)) == len(set(y)):  # never a sample of one label where the archive has both
            notes.append(f"the commentary model learned from {len(sub_y)} of {len(y)} confident blocks, whole posts "
                         f"drawn at random (commentary_examples={params.commentary_examples})")
            plan, y = sub, sub_y
        else:
            notes.append(f"a sample of {params.commentary_examples} blocks would hold one label only: the commentary "
                         f"model learned from all {len(y)} confident blocks")
    comm, _ = fit_commentary(plan_docs(dumps, tokens, plan), y, params)
    return comm, judge, y


def combined_labels(dumps, tokens, rows, clip_lists, held_out: list[dict[int, float]], judge: Judge) -> Labels:
    """Every text block's log-odds of commentary by the judge: rules, held-out model and the clips' runs."""
    labels = Labels()
    for i, d in enumerate(dumps):
        verdicts = [verdict(rows[i][k], judge.label_model) if k in rows[i] else None for k in range(len(d.blocks))]
        wordless = {k for k, t in enumerate(tokens[i]) if t is not None and not t.words}
        found = judge.posteriors(d, verdicts, held_out[i], wordless, clip_lists[i])
        labels.log_odds.append({k: lm.logit(min(max(post, 1e-9), 1 - 1e-9)) for k, (_, _, post) in found.items()})
    return labels


def label_counts(labels: Labels) -> dict[str, int]:
    n_c = sum(x > 0 for d in labels.log_odds for x in d.values())
    n = sum(len(d) for d in labels.log_odds)
    return {COMMENTARY: n_c, WIRE: n - n_c}
