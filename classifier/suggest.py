"""Tag suggestions from three sources combined in one ranked list, as an ensemble of backends does:

- the linear model (one-vs-rest logistic regression over TF-IDF): good for tags with many examples;
- the nearest tagged sections of the archive (cosine over TF-IDF): a tag seen once is suggested when its one
  section resembles the text;
- the tag's own name, or its words, found in the text.

A small logistic regression, fitted at training time on held-out sections (see training/suggest_fit.py), turns
each candidate tag's scores from the three into one probability; its weights are stored in the model, so no
weight here is set by hand. NumPy only: nothing of scikit-learn or SciPy is needed to suggest.
"""
from __future__ import annotations

import math
import unicodedata
from itertools import repeat
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .linear import LinearTextModel

NEIGHBOURS = 10  # nearest tagged sections that vote
CANDIDATES_PER_SOURCE = 10
FEATURES = ("linear", "linear_rank", "neighbours", "nearest", "neighbour_rank", "name", "name_count", "frequency",
            "bias")


def name_key(name: str) -> str:
    """A tag name as it is compared with text: NFKC (full-width letters folded) and case-folded."""
    return unicodedata.normalize("NFKC", name).casefold()


@dataclass
class NeighbourIndex:
    """The tagged documents of the archive as l2-normalised TF-IDF vectors, stored by term (CSC) so that a
    query touches only the documents that share a word with it."""

    terms: list[str]
    idf: np.ndarray  # (n_terms,)
    indptr: np.ndarray  # (n_terms + 1,) int64: documents of term t are doc_ids[indptr[t]:indptr[t+1]]
    doc_ids: np.ndarray  # (nnz,) int64
    weights: np.ndarray  # (nnz,) float64
    doc_tags: list[list[str]]
    doc_refs: list[dict] = field(default_factory=list)  # where each document is: path, lines
    _index: dict[str, int] | None = field(default=None, init=False, repr=False, compare=False)
    _idf_of: dict[str, float] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def index(self) -> dict[str, int]:
        if self._index is None:
            self._index = {t: i for i, t in enumerate(self.terms)}
        return self._index

    @property
    def idf_of(self) -> dict[str, float]:
        """Each term's inverse document frequency over the tagged documents."""
        if self._idf_of is None:
            self._idf_of = dict(zip(self.terms, self.idf.tolist()))
        return self._idf_of

    def similarities(self, doc: Sequence[str]) -> np.ndarray:
        """Cosine similarity of a document (its term list) with every indexed document."""
        sims = np.zeros(len(self.doc_tags))
        found = np.fromiter(map(self.index.get, doc, repeat(-1)), dtype=np.int64, count=len(doc))
        found = found[found >= 0]
        if not len(found):
            return sims
        cols, tf = np.unique(found, return_counts=True)
        q = (np.log(tf) + 1.0) * self.idf[cols]
        q /= np.sqrt(q @ q)
        starts = self.indptr[cols]
        lengths = self.indptr[cols + 1] - starts
        total = int(lengths.sum())
        if not total:
            return sims
        # the positions of every posting of the query's terms, in one vectorized step (no loop over terms)
        offsets = np.cumsum(lengths) - lengths
        take = np.arange(total) - np.repeat(offsets, lengths) + np.repeat(starts, lengths)
        sims += np.bincount(self.doc_ids[take], weights=self.weights[take] * np.repeat(q, lengths),
                            minlength=len(sims))
        return sims

    def nearest(self, doc: Sequence[str], k: int = NEIGHBOURS) -> list[tuple[int, float]]:
        sims = self.similarities(doc)
        if not len(sims):
            return []
        order = np.argsort(-sims, kind="stable")[:k]
        return [(int(i), float(sims[i])) for i in order if sims[i] > 0]


@dataclass
class TagNames:
    """Each tag's name, and its words as the tokenizer gives them, to look for in a text."""

    tags: list[str]
    keys: list[str]  # name_key of each tag
    words: list[list[str]]  # the normalized content words of each name
    _by_word: dict[str, list[int]] | None = field(default=None, init=False, repr=False, compare=False)
    _by_start: dict[str, list[int]] | None = field(default=None, init=False, repr=False, compare=False)

    def _index(self) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
        """Tags by each of their words, and by the first two characters of their key: a text is then compared
        with the few tags that can occur in it, not with every tag of the archive."""
        if self._by_word is None or self._by_start is None:
            by_word: dict[str, list[int]] = {}
            by_start: dict[str, list[int]] = {}
            for i, (key, ws) in enumerate(zip(self.keys, self.words)):
                for w in set(ws):
                    by_word.setdefault(w, []).append(i)
                if len(key) >= 2:
                    by_start.setdefault(key[:2], []).append(i)
            self._by_word, self._by_start = by_word, by_start
        return self._by_word, self._by_start

    def scores(self, text_key: str, words: set[str], idf: dict[str, float] | None = None
               ) -> dict[str, tuple[float, float]]:
        """For each tag found: (1 when its name is in the text, else the share of its words that are, each word
        weighed by how rare it is in the archive; how many times the name occurs, as log(1 + n))."""
        by_word, by_start = self._index()
        if len(by_start) * 8 < len(text_key):  # few names, long text: look for each name's start in it
            found_starts = [pair for pair in by_start if pair in text_key]
        else:  # many names: every two characters of the text, once
            found_starts = list({text_key[j : j + 2] for j in range(len(text_key) - 1)} & by_start.keys())
        candidates = {i for pair in found_starts for i in by_start[pair]}
        candidates |= {i for w in words & by_word.keys() for i in by_word[w]}
        out: dict[str, tuple[float, float]] = {}
        idf = idf or {}
        for i in sorted(candidates):
            tag, key, ws = self.tags[i], self.keys[i], self.words[i]
            count = text_key.count(key) if len(key) >= 2 else 0
            if count:
                out[tag] = (1.0, math.log1p(count))
            elif ws:
                weight = [idf.get(w, 1.0) for w in ws]
                found = sum(x for w, x in zip(ws, weight) if w in words)
                if found:
                    out[tag] = (found / sum(weight), 0.0)
        return out


@dataclass
class Suggester:
    """The three sources and the weights that combine them, for one level (section or post)."""

    linear: LinearTextModel | None
    neighbours: NeighbourIndex | None
    names: TagNames | None
    counts: dict[str, int]  # training examples of each tag
    weights: list[float]  # one per FEATURES
    tag_words: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def suggest(self, doc: Sequence[str], text_key: str, k: int, floor: float) -> list[tuple[str, float]]:
        """The best k tags with their combined probability, best first (ties by name)."""
        return self.suggest_all([doc], [text_key], k, floor)[0]

    def suggest_all(self, docs: Sequence[Sequence[str]], keys: Sequence[str], k: int, floor: float
                    ) -> list[list[tuple[str, float]]]:
        """``suggest`` for several documents; the linear model scores them all in one pass."""
        rows = self.linear.predict_proba(docs) if self.linear is not None and docs else None
        w = self.weights
        out = []
        for i, (doc, key) in enumerate(zip(docs, keys)):
            feats = candidate_features(self, doc, key, None if rows is None else rows[i])
            scored = [(tag, 1.0 / (1.0 + math.exp(-sum(a * b for a, b in zip(w, f))))) for tag, f in feats.items()]
            scored.sort(key=lambda ts: (-ts[1], ts[0]))
            out.append([(t, p) for t, p in scored[: max(k, 0)] if p >= floor])
        return out


def candidate_features(s: Suggester, doc: Sequence[str], text_key: str, row: np.ndarray | None = None
                       ) -> dict[str, list[float]]:
    """The features of each candidate tag of a document: shared by training (to fit the weights) and tagging.
    ``row``: the linear model's probabilities for the document, when already computed."""
    words = set(doc)
    linear: dict[str, tuple[float, int]] = {}
    if s.linear is not None and any(t in s.linear.index for t in doc):
        if row is None:
            row = s.linear.predict_proba([doc])[0]
        top_k = min(CANDIDATES_PER_SOURCE, len(row))
        best = np.argpartition(-row, top_k - 1)[:top_k] if top_k < len(row) else np.arange(len(row))
        for rank, i in enumerate(sorted(best.tolist(), key=lambda i: (-row[i], i)), 1):
            linear[s.linear.classes[i]] = (float(row[i]), rank)
    votes: dict[str, float] = {}
    nearest: dict[str, float] = {}
    first: dict[str, int] = {}  # the rank of the nearest section that carries the tag
    if s.neighbours is not None:
        near = s.neighbours.nearest(doc)
        total = sum(sim for _, sim in near) or 1.0
        for rank, (i, sim) in enumerate(near, 1):
            for tag in s.neighbours.doc_tags[i]:
                votes[tag] = votes.get(tag, 0.0) + sim / total
                nearest[tag] = max(nearest.get(tag, 0.0), sim)
                first.setdefault(tag, rank)
    names = s.names.scores(text_key, words, s.neighbours.idf_of if s.neighbours is not None else None
                           ) if s.names is not None else {}
    tags = sorted(set(linear) | set(votes) | set(names))  # sorted: the same order whatever the string hashing
    top = max(s.counts.values(), default=1)
    out: dict[str, list[float]] = {}
    for tag in tags:
        if tag not in s.counts:
            continue  # a name seen by a source but not a tag of this level
        if tag in linear:
            p, rank = linear[tag]
        else:  # a candidate of the other sources: its linear score all the same
            i = s.linear.class_index.get(tag) if s.linear is not None and row is not None else None
            p, rank = (float(row[i]) if i is not None else 0.0), CANDIDATES_PER_SOURCE + 1
        name, count = names.get(tag, (0.0, 0.0))
        out[tag] = [p, 1.0 / rank, votes.get(tag, 0.0), nearest.get(tag, 0.0), 1.0 / first.get(tag, NEIGHBOURS + 1),
                    name, count, math.log1p(s.counts[tag]) / math.log1p(top), 1.0]
    return out


# Used until a level has enough held-out examples to fit its own weights (a tiny archive): each source counts,
# the linear model most, as measured on the bundled corpus (docs/BENCHMARKS.md).
FALLBACK_WEIGHTS = [4.0, 1.0, 3.0, 2.0, 1.0, 2.0, 0.5, 0.5, -3.5]
