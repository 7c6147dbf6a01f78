"""TF-IDF and linear scoring with NumPy only.

Training fits scikit-learn's TfidfVectorizer and LogisticRegression; their parameters are exported into a
``LinearTextModel``, which computes the same scores at tagging time without importing scikit-learn.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np


@dataclass
class LinearTextModel:
    """One-vs-rest logistic scores over TF-IDF (sublinear tf, smooth idf, l2 norm) of term lists."""

    terms: list[str]  # the vocabulary, in column order
    idf: np.ndarray  # (n_terms,)
    coef: np.ndarray  # (n_classes, n_terms)
    intercept: np.ndarray  # (n_classes,)
    classes: list[str]
    sublinear_tf: bool = True
    _index: dict[str, int] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def index(self) -> dict[str, int]:
        if self._index is None:
            self._index = {t: i for i, t in enumerate(self.terms)}
        return self._index

    def decision_function(self, docs: Sequence[Sequence[str]]) -> np.ndarray:
        """(n_docs, n_classes) raw scores. Each document is a short list of terms, so a gather of the columns it
        uses is cheaper than building a sparse matrix (and keeps SciPy out of the start-up time)."""
        index = self.index
        out = np.empty((len(docs), len(self.classes)))
        for r, doc in enumerate(docs):
            counts = Counter(i for i in (index.get(t) for t in doc) if i is not None)
            if not counts:
                out[r] = self.intercept
                continue
            cols = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
            if self.sublinear_tf:
                tf = np.log(tf) + 1.0
            w = tf * self.idf[cols]
            w /= np.sqrt(w @ w)
            out[r] = self.coef[:, cols] @ w + self.intercept
        return out

    def predict_proba(self, docs: Sequence[Sequence[str]]) -> np.ndarray:
        """(n_docs, n_classes) probabilities, each class scored on its own (one-vs-rest)."""
        if not docs:
            return np.zeros((0, len(self.classes)))
        return 1.0 / (1.0 + np.exp(-self.decision_function(docs)))
