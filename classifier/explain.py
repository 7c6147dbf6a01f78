"""Evidence for a verdict (``tag --explain``): what each part of the decision contributed, in log-odds.

A linear model's score is its intercept plus one contribution a term (coefficient × TF-IDF weight), so the terms
that pushed a score most can be listed, both ways, with the rest summed: ``intercept + listed + rest = logit``
exactly (up to the rounding of the printed numbers). The commentary model's terms carry a prefix that says what
they are: ``w:`` a word (names and numbers as their kind), ``b:`` two words in a row, ``end:`` a block's last
words, ``sf:`` how a sentence ends, ``e:`` an emoji, ``l:`` a link, ``k:`` the block's kind, ``p``/``n`` the
block before or after it.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .linear import LinearTextModel

TOP_TERMS = 5  # terms listed each way


def contributions(model: LinearTextModel, doc: Sequence[str], column: int = 0, both_ways: bool = True,
                  top: int = TOP_TERMS) -> dict[str, Any]:
    """The logit of one class for one document, and the terms that pushed it most (up, and down when
    ``both_ways``), with the rest: intercept + terms + rest = logit."""
    _, _, cols, w = model.vectorize([doc])
    parts = model.coef[column, cols] * w
    intercept = float(model.intercept[column])
    logit = intercept + float(parts.sum())
    order = np.argsort(-parts, kind="stable")
    chosen = [i for i in order[:top] if parts[i] > 0]
    if both_ways:
        chosen += [i for i in order[::-1][:top] if parts[i] < 0]
    listed = [{"term": model.terms[cols[i]], "contribution": round(float(parts[i]), 6)} for i in chosen]
    rest = logit - intercept - float(sum(parts[i] for i in chosen))
    return {"logit": round(logit, 6), "intercept": round(intercept, 6), "terms": listed, "rest": round(rest, 6)}


def block_evidence(votes: dict[str, str], weights: dict[str, float], prior_log_odds: float, rules_log_odds: float,
                   model_part: dict[str, Any] | None, smoothing: tuple[float, float]) -> dict[str, Any]:
    """Why a text block got its label: the rules' votes with their learned weights, the model's view of the text
    (its terms, and what it adds once calibrated), and the clip's smoothing."""
    return {
        "rules": [{"rule": r, "vote": v, "weight": round(weights.get(r, 0.0), 4)} for r, v in votes.items()],
        "prior": round(prior_log_odds, 4),
        "rules_log_odds": round(rules_log_odds, 4),
        "model": model_part,
        "smoothing": {"log_odds_before": round(smoothing[0], 4), "probability": round(smoothing[1], 6)},
    }
