"""TF-IDF and linear scoring with NumPy only.

Training fits scikit-learn's TfidfVectorizer and LogisticRegression; their parameters are exported into a
``LinearTextModel``, which computes the same scores at tagging time without importing scikit-learn.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain, repeat

import numpy as np

CLASS_SLICE = 64  # classes scored together in one vectorized step


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
    _by_prefix: dict[str, dict[str, int]] = field(default_factory=dict, init=False, repr=False, compare=False)

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

    def prefixed_index(self, prefix: str) -> dict[str, int]:
        """The columns of the terms that start with ``prefix``, by the rest of the term (made once a prefix).
        Safe from several threads: a thread that finds none makes its own, and the last one made is kept."""
        made = self._by_prefix.get(prefix)
        if made is None:
            cut = len(prefix)
            made = {t[cut:]: i for t, i in self.index.items() if t.startswith(prefix)}
            self._by_prefix = {**self._by_prefix, prefix: made}
        return made

    def vectorize(self, docs: Sequence[Sequence[str]]) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
        """The TF-IDF vectors of documents as (n_docs, rows, cols, weights), l2-normalised, sorted by row.

        The terms of every document go through one C-level pass (map over dict.get), and one sort of
        (document, column) keys counts them; norms are summed per document with np.bincount. No Python loop
        runs per term, and no sparse-matrix library is needed (SciPy stays out of the start-up)."""
        n = len(docs)
        lengths = np.fromiter(map(len, docs), dtype=np.int64, count=n)
        total = int(lengths.sum())
        if total == 0 or not self.terms:
            return self.vectorize_found(np.zeros(0, dtype=np.int64), lengths)
        found = np.fromiter(map(self.index.get, chain.from_iterable(docs), repeat(-1)), dtype=np.int64, count=total)
        return self.vectorize_found(found, lengths)

    def vectorize_found(self, found: np.ndarray, lengths: np.ndarray) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
        """``vectorize`` from the documents' terms already looked up: their columns (-1 for a term not in the
        vocabulary), flat, and each document's number of terms."""
        n, n_terms = len(lengths), len(self.terms)
        if not len(found) or n_terms == 0:
            empty = np.zeros(0, dtype=np.int64)
            return n, empty, empty, np.zeros(0)
        doc_of = np.repeat(np.arange(n, dtype=np.int64), lengths)
        keys, tf = counted((doc_of * n_terms + found)[found >= 0])
        rows, cols = np.divmod(keys, n_terms)
        w = np.log(tf) + 1.0 if self.sublinear_tf else tf.astype(np.float64)
        w *= self.idf[cols]
        norms = np.sqrt(np.bincount(rows, weights=w * w, minlength=n))
        w /= norms[rows]
        return n, rows, cols, w

    def decision_function(self, docs: Sequence[Sequence[str]] | None = None, vectors=None) -> np.ndarray:
        """(n_docs, n_classes) raw scores, all documents at once (``vectors``: from ``vectorize``, if made)."""
        n, rows, cols, w = vectors if vectors is not None else self.vectorize(docs or [])
        out = np.empty((n, len(self.intercept)), dtype=np.float64)
        out[:] = self.intercept  # each row the intercepts (np.tile's generality costs more than the copy)
        if not len(rows):
            return out
        # rows are sorted, so each document's terms are contiguous: sum them with one reduceat per slice of
        # classes (slices keep the (classes x terms) product small whatever the number of classes)
        present, starts = runs(rows)
        for c0 in range(0, len(self.classes), CLASS_SLICE):
            block = self.coef[c0 : c0 + CLASS_SLICE, cols] * w
            out[present, c0 : c0 + CLASS_SLICE] += np.add.reduceat(block, starts, axis=1).T
        return out

    def predict_proba(self, docs: Sequence[Sequence[str]] | None = None, vectors=None) -> np.ndarray:
        """(n_docs, n_classes) probabilities, each class scored on its own (one-vs-rest)."""
        if vectors is None and not docs:
            return np.zeros((0, len(self.classes)))
        return 1.0 / (1.0 + np.exp(-self.decision_function(docs, vectors)))


def runs(ordered: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values of a sorted array and where the run of each starts: np.unique(ordered,
    return_index=True) for sorted input, without its general-purpose checks and its stable sort (a dump is
    scored in small arrays, where those cost more than the work)."""
    first = np.empty(len(ordered), dtype=bool)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    return ordered[starts], starts


def counted(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """np.unique(keys, return_counts=True) for integer keys (sorted in place)."""
    keys.sort()
    distinct, starts = runs(keys)
    return distinct, np.diff(starts, append=len(keys))
