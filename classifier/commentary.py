"""The final verdict on each text block: the rules (weighed by the label model), the commentary model's view of
the text (calibrated on held-out blocks at training time), and the run of the clip (a two-state smoothing).

All three speak in log-odds of commentary; each adds its evidence, and the smoothing puts the clip's blocks
together. Nothing here is a hand-set weight: the label model, the calibration, the transitions and the accounts'
reputations are all fitted at training time and stored in the model (see training/commentary_fit.py).
"""
from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .document import COMMENTARY, POST_TEXT, WIRE, Dump
from .label_model import LabelModel, logit
from .outlets import Outlets
from .rules import PRIOR_LABEL_MODEL, Verdict, label_dump
from .sequence import Transitions, clips

MIN_REPUTATION_BLOCKS = 3  # an account seen on fewer blocks than this has no reputation: its text decides
MODEL_MARK = 1.0  # the model's evidence (log-odds) from which it is named among what decided a block


@dataclass
class Calibration:
    """P(commentary | the model's probability p) = sigmoid(slope * logit(p) + intercept), fitted on held-out
    blocks. A slope of 0 means the model has no say (an archive too small or one-sided to trust it)."""

    slope: float = 0.0
    intercept: float = 0.0
    note: str = ""

    def log_odds(self, p: float) -> float:
        p = min(max(p, 1e-9), 1 - 1e-9)
        return self.slope * logit(p) + self.intercept

    def to_dict(self) -> dict[str, Any]:
        return {"slope": round(self.slope, 6), "intercept": round(self.intercept, 6), "note": self.note}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Calibration":
        slope, intercept = d.get("slope"), d.get("intercept")
        for x in (slope, intercept):
            if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x) or abs(x) > 100:
                raise ValueError("calibration: slope and intercept should be finite numbers within ±100")
        return cls(float(slope), float(intercept), str(d.get("note", "")))


@dataclass
class Judge:
    label_model: LabelModel = field(default_factory=lambda: PRIOR_LABEL_MODEL)
    calibration: Calibration = field(default_factory=Calibration)
    transitions: Transitions | None = None
    reputation: dict[str, dict[str, Any]] = field(default_factory=dict)  # handle -> score, blocks, posts, names

    def reputation_scores(self) -> dict[str, float]:
        return {h: r["score"] for h, r in self.reputation.items() if r.get("blocks", 0) >= MIN_REPUTATION_BLOCKS}

    def rules(self, dump: Dump, outlets: Outlets) -> list[Verdict | None]:
        """The rules' verdicts, weighed by the label model, with the accounts' reputations."""
        return label_dump(dump, outlets, self.label_model, self.reputation_scores())

    def decide(self, dump: Dump, verdicts: Sequence[Verdict | None], probs: Mapping[int, float],
               wordless: Collection[int] = ()) -> dict[int, tuple[tuple[float, float], float, float]]:
        """Final labels and scores of the text blocks from the rules' verdicts and the model's probabilities;
        returns what ``posteriors`` found (for the evidence)."""
        found = self.posteriors(dump, verdicts, probs, wordless)
        for k, (ev, alone, post) in found.items():
            self._settle(dump, k, verdicts[k], ev, alone, post)
        return found

    def posteriors(self, dump: Dump, verdicts: Sequence[Verdict | None], probs: Mapping[int, float],
                   wordless: Collection[int] = (), clip_list: list[list[int]] | None = None
                   ) -> dict[int, tuple[tuple[float, float], float, float]]:
        """For each text block: its evidence (rules, model) in log-likelihood ratios, its log-odds before the
        smoothing, and its probability of commentary after it. The lines of one embedded post share one verdict:
        they are one account's one post. ``wordless``: blocks without a word (a bare link), on which the model's
        view says nothing. ``clip_list``: the dump's clips when already known (training keeps no text)."""
        prior = logit(self.label_model.prior)
        evidence: dict[int, tuple[float, float]] = {}
        for k, v in enumerate(verdicts):
            if v is not None:
                text = self.calibration.log_odds(probs[k]) - prior if k in probs and k not in wordless else 0.0
                evidence[k] = (v.log_odds - prior, text)
        out: dict[int, tuple[tuple[float, float], float, float]] = {}
        for clip in clip_list if clip_list is not None else clips(dump, verdicts):
            groups = _posts(dump, [k for k in clip if k in evidence])
            # a post's lines are one account's one post: their mean, not their sum, is its evidence (a sum would
            # count the account's votes once a line, and let a long post's lines outvote its markers)
            total = [sum(sum(evidence[k]) for k in g) / len(g) for g in groups]
            if self.transitions is not None:
                posts = self.transitions.smooth(total)
            else:
                posts = [1.0 / (1.0 + math.exp(-(t + prior))) for t in total]
            for g, t, post in zip(groups, total, posts):
                for k in g:
                    out[k] = (evidence[k], t + prior, post)
        return out

    @staticmethod
    def _settle(dump: Dump, k: int, v: Verdict, ev: tuple[float, float], alone: float, post: float) -> None:
        b = dump.blocks[k]
        label = COMMENTARY if post > 0.5 else WIRE
        by_rules = COMMENTARY if v.log_odds > 0 else WIRE
        text = ev[1]
        rules = [n for n, vote in v.votes.items() if vote == label]
        if (text > 0) == (label == COMMENTARY) and abs(text) >= MODEL_MARK or (label != by_rules and not rules):
            rules.append("model")
        if (alone > 0) != (label == COMMENTARY):
            rules.append("sequence")  # the clip's run turned it
        b.label, b.rules = label, rules or ["prior"]
        b.commentary_score = round(post, 6)


def _posts(dump: Dump, ks: list[int]) -> list[list[int]]:
    """The blocks in groups: consecutive lines of one embedded post together, every other block alone."""
    groups: list[list[int]] = []
    for k in ks:
        b = dump.blocks[k]
        prev = groups[-1][-1] if groups else None
        if (prev is not None and b.kind == POST_TEXT and dump.blocks[prev].kind == POST_TEXT and k == prev + 1):
            groups[-1].append(k)
        else:
            groups.append([k])
    return groups


def judge_from_meta(meta: Mapping[str, Any]) -> Judge:
    """The judge a model's meta describes; a model without these parts gets the prior label model and leaves the
    text model without a say."""
    j = Judge()
    if "label_model" in meta:
        j.label_model = LabelModel.from_dict(meta["label_model"])
    if "calibration" in meta:
        j.calibration = Calibration.from_dict(meta["calibration"])
    if "transitions" in meta:
        j.transitions = Transitions.from_dict(meta["transitions"])
    rep = meta.get("reputation", {})
    if not isinstance(rep, dict) or not all(isinstance(v, dict) and _score(v.get("score")) for v in rep.values()):
        raise ValueError("reputation: each account needs a score between 0 and 1")
    j.reputation = {str(h).lower(): dict(v) for h, v in rep.items()}
    return j


def _score(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and 0.0 <= x <= 1.0
