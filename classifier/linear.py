"""TF-IDF and linear scoring with NumPy/SciPy only.

Training fits scikit-learn's TfidfVectorizer and LogisticRegression; their parameters are exported into a
``LinearTextModel``, which computes the same scores at tagging time without importing scikit-learn.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse


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

    def transform(self, docs: Sequence[Sequence[str]]) -> sparse.csr_matrix:
        index = self.index
        indptr, cols, vals = [0], [], []
        for doc in docs:
            counts = Counter(i for i in (index.get(t) for t in doc) if i is not None)
            cols.extend(counts.keys())
            vals.extend(counts.values())
            indptr.append(len(cols))
        x = sparse.csr_matrix(
            (np.asarray(vals, dtype=np.float64), np.asarray(cols, dtype=np.int64), np.asarray(indptr)),
            shape=(len(docs), len(self.terms)),
        )
        if self.sublinear_tf:
            np.log(x.data, out=x.data)
            x.data += 1.0
        x = x @ sparse.diags(self.idf)
        norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sparse.csr_matrix(sparse.diags(1.0 / norms) @ x)

    def decision_function(self, docs: Sequence[Sequence[str]]) -> np.ndarray:
        x = self.transform(docs)
        return np.asarray(x @ self.coef.T, dtype=np.float64) + self.intercept

    def predict_proba(self, docs: Sequence[Sequence[str]]) -> np.ndarray:
        """(n_docs, n_classes) probabilities, each class scored on its own (one-vs-rest)."""
        if not docs:
            return np.zeros((0, len(self.classes)))
        return 1.0 / (1.0 + np.exp(-self.decision_function(docs)))
