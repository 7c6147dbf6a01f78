"""TF-IDF and linear scoring with NumPy only.

Training fits scikit-learn's TfidfVectorizer and LogisticRegression; their parameters are exported into a
``LinearTextModel``, which computes the same scores at tagging time without importing scikit-learn.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain, repeat

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
    _class_index: dict[str, int] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def class_index(self) -> dict[str, int]:
        if self._class_index is None:
            self._class_index = {c: i for i, c in enumerate(self.classes)}
        return self._class_index

    @property
    def index(self) -> dict[str, int]:
        if self._index is None:
            self._index = {t: i for i, t in enumerate(self.terms)}
        return self._index

    def decision_function(self, docs: Sequence[Sequence[str]]) -> np.ndarray:
        """(n_docs, n_classes) raw scores, all documents at once.

        The terms of every document go through one C-level pass (map over dict.get), and one np.unique over
        (document, column) keys counts them; norms and scores are summed per document with np.bincount. No
        Python loop runs per term, and no sparse-matrix library is needed (SciPy stays out of the start-up).
        """
        n, n_terms = len(docs), len(self.terms)
        out = np.tile(self.intercept, (n, 1)).astype(np.float64)
        lengths = np.fromiter(map(len, docs), dtype=np.int64, count=n)
        total = int(lengths.sum())
        if total == 0 or n_terms == 0:
            return out
        found = np.fromiter(map(self.index.get, chain.from_iterable(docs), repeat(-1)), dtype=np.int64, count=total)
        doc_of = np.repeat(np.arange(n, dtype=np.int64), lengths)
        keep = found >= 0
        keys, tf = np.unique(doc_of[keep] * n_terms + found[keep], return_counts=True)
        rows, cols = keys // n_terms, keys % n_terms
        w = np.log(tf) + 1.0 if self.sublinear_tf else tf.astype(np.float64)
        w *= self.idf[cols]
        norms = np.sqrt(np.bincount(rows, weights=w * w, minlength=n))
        w /= norms[rows]
        for c in range(len(self.classes)):
            out[:, c] += np.bincount(rows, weights=self.coef[c, cols] * w, minlength=n)
        return out

    def predict_proba(self, docs: Sequence[Sequence[str]]) -> np.ndarray:
        """(n_docs, n_classes) probabilities, each class scored on its own (one-vs-rest)."""
        if not docs:
            return np.zeros((0, len(self.classes)))
        return 1.0 / (1.0 + np.exp(-self.decision_function(docs)))
