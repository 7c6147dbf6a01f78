"""Scores shared by the training summary and evaluation."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class PRF:
    precision: float
    recall: float
    f1: float
    support: int

    def as_dict(self) -> dict[str, float]:
        return {"precision": self.precision, "recall": self.recall, "f1": self.f1, "support": self.support}


def prf(tp: int, fp: int, fn: int) -> PRF:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return PRF(p, r, f, tp + fn)


def binary_prf(gold: Sequence[bool], pred: Sequence[bool]) -> PRF:
    tp = sum(g and p for g, p in zip(gold, pred))
    fp = sum(p and not g for g, p in zip(gold, pred))
    fn = sum(g and not p for g, p in zip(gold, pred))
    return prf(tp, fp, fn)


def topk_micro(gold: Sequence[set[str]], ranked: Sequence[Sequence[str]], k: int) -> PRF:
    """Micro precision/recall/F1 of the first k suggestions against the gold tag sets."""
    tp = fp = fn = 0
    for g, r in zip(gold, ranked):
        top = set(r[:k])
        tp += len(top & g)
        fp += len(top - g)
        fn += len(g - top)
    return prf(tp, fp, fn)


def topk_macro(gold: Sequence[set[str]], ranked: Sequence[Sequence[str]], k: int) -> PRF:
    """Per-tag F1 of the first k suggestions, averaged over the tags that occur in gold or predictions."""
    per = per_tag(gold, ranked, k)
    if not per:
        return PRF(0.0, 0.0, 0.0, 0)
    n = len(per)
    return PRF(
        sum(x.precision for x in per.values()) / n,
        sum(x.recall for x in per.values()) / n,
        sum(x.f1 for x in per.values()) / n,
        sum(x.support for x in per.values()),
    )


def per_tag(gold: Sequence[set[str]], ranked: Sequence[Sequence[str]], k: int) -> dict[str, PRF]:
    tags = sorted(set().union(*gold, *(set(r[:k]) for r in ranked))) if gold else []
    out = {}
    for t in tags:
        tp = sum(t in g and t in r[:k] for g, r in zip(gold, ranked))
        fp = sum(t not in g and t in r[:k] for g, r in zip(gold, ranked))
        fn = sum(t in g and t not in r[:k] for g, r in zip(gold, ranked))
        out[t] = prf(tp, fp, fn)
    return out
