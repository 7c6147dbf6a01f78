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
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain, repeat

import numpy as np

from .linear import LinearTextModel, counted

NEIGHBOURS = 10  # nearest tagged sections that vote
CANDIDATES_PER_SOURCE = 10
FEATURES = ("linear", "linear_rank", "neighbours", "nearest", "neighbour_rank", "name", "name_count", "frequency",
            "linear_x_neighbours", "linear_x_name", "neighbours_x_name", "linear_gap",
            "neighbours_gap", "linear_share", "linear_margin", "neighbours_margin", "name_margin", "bias")


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
        return self.similarities_many([doc])[0]

    def similarities_many(self, docs: Sequence[Sequence[str]] | None = None, vectors=None) -> np.ndarray:
        """(len(docs), n_indexed) cosine similarities, every document in one vectorized pass. ``vectors``: the
        documents' TF-IDF vectors when already made over the same vocabulary (LinearTextModel.vectorize)."""
        n_idx = len(self.doc_tags)
        if vectors is None:
            vectors = self._vectorize(docs or [])
        n, rows, cols, q = vectors
        if not len(rows) or not n_idx:
            return np.zeros((n, n_idx))
        starts = self.indptr[cols]
        counts = self.indptr[cols + 1] - starts
        n_post = int(counts.sum())
        if not n_post:
            return np.zeros((n, n_idx))
        offsets = np.cumsum(counts) - counts
        take = np.arange(n_post) - np.repeat(offsets, counts) + np.repeat(starts, counts)
        flat = np.repeat(rows, counts) * n_idx + self.doc_ids[take]
        sims = np.bincount(flat, weights=self.weights[take] * np.repeat(q, counts), minlength=n * n_idx)
        return sims.reshape(n, n_idx)

    def _vectorize(self, docs: Sequence[Sequence[str]]) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
        n = len(docs)
        lengths = np.fromiter(map(len, docs), dtype=np.int64, count=n)
        total = int(lengths.sum())
        empty = np.zeros(0, dtype=np.int64)
        if not total:
            return n, empty, empty, np.zeros(0)
        found = np.fromiter(map(self.index.get, chain.from_iterable(docs), repeat(-1)), dtype=np.int64, count=total)
        query = np.repeat(np.arange(n, dtype=np.int64), lengths)
        keep = found >= 0
        n_terms = len(self.terms)
        keys, tf = counted(query[keep] * n_terms + found[keep])
        if not len(keys):
            return n, empty, empty, np.zeros(0)
        rows, cols = keys // n_terms, keys % n_terms
        q = (np.log(tf) + 1.0) * self.idf[cols]
        q /= np.sqrt(np.bincount(rows, weights=q * q, minlength=n))[rows]
        return n, rows, cols, q

    def nearest(self, doc: Sequence[str], k: int = NEIGHBOURS, sims: np.ndarray | None = None
                ) -> list[tuple[int, float]]:
        """The k most similar indexed documents with their similarity (``sims``: already computed)."""
        sims = self.similarities(doc) if sims is None else sims
        if not len(sims):
            return []
        top = min(k, len(sims))
        best = np.argpartition(-sims, top - 1)[:top] if top < len(sims) else np.arange(len(sims))
        # the few chosen similarities as Python floats: sorting by NumPy scalars costs a conversion a comparison
        found = dict(zip(best.tolist(), sims[best].tolist()))
        order = sorted(found, key=lambda i: (-found[i], i))
        return [(i, found[i]) for i in order if found[i] > 0]


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
    _frequency: dict[str, float] | None = field(default=None, init=False, repr=False, compare=False)
    _shared: bool | None = field(default=None, init=False, repr=False, compare=False)

    def suggest(self, doc: Sequence[str], text_key: str, k: int, floor: float) -> list[tuple[str, float]]:
        """The best k tags with their combined probability, best first (ties by name)."""
        return [(t, p) for t, p, _ in self.suggest_all([doc], [text_key], k, floor)[0]]

    def suggest_all(self, docs: Sequence[Sequence[str]], keys: Sequence[str], k: int, floor: float,
                    explain: bool = False) -> list[list[tuple[str, float, dict | None]]]:
        """``suggest`` for several documents; the linear model scores them all in one pass. Each suggestion is
        (tag, probability, evidence), the evidence None unless ``explain``."""
        feats_all, sims = self.features_all(docs, keys)
        w = np.asarray(self.weights)
        out = []
        for i, (doc, feats) in enumerate(zip(docs, feats_all)):
            if not feats:
                out.append([])
                continue
            # one flat pass over the candidates' features (np.array of a list of lists reads it twice)
            x = np.fromiter(chain.from_iterable(feats.values()), dtype=np.float64).reshape(len(feats), -1)
            probs = 1.0 / (1.0 + np.exp(-(x @ w)))
            scored = sorted(zip(feats, probs.tolist()), key=lambda ts: (-ts[1], ts[0]))
            chosen = [(t, p) for t, p in scored[: max(k, 0)] if p >= floor]
            out.append([(t, p, self.evidence(t, doc, feats[t], None if sims is None else sims[i]) if explain
                         else None) for t, p in chosen])
        return out

    def features_all(self, docs: Sequence[Sequence[str]], keys: Sequence[str]
                     ) -> tuple[list[dict[str, list[float]]], np.ndarray | None]:
        """The candidates' features of the documents of one dump (its sections, or the one post), and the
        neighbour similarities. The linear model and the index score all of them in one pass; a candidate is
        also weighed against the same tag in the dump's other documents, since a blogger rarely tags two
        sections of one post alike: a section tag says what sets the section apart."""
        vectors = self.linear.vectorize(docs) if self.linear is not None and docs else None
        rows = self.linear.predict_proba(vectors=vectors) if vectors is not None else None
        sims = None
        if self.neighbours is not None and docs:
            # the same documents' vectors serve the index when it was built over the linear model's vocabulary
            shared = vectors is not None and self._shared_vocabulary()
            sims = self.neighbours.similarities_many(docs, vectors if shared else None)
        out = [candidate_features(self, doc, key, None if rows is None else rows[i], None if sims is None else sims[i])
               for i, (doc, key) in enumerate(zip(docs, keys))]
        if rows is not None and len(docs) > 1:
            _contrast(self.linear.class_index, rows, out)
        return out, sims

    def evidence(self, tag: str, doc: Sequence[str], features: list[float], sims: np.ndarray | None
                 ) -> dict:
        """Why a tag was suggested: what each source said (the features, and the weights that combine them),
        the words that weigh most for it in the linear model, and the nearest tagged section that carries it."""
        from .explain import contributions

        out: dict = {"sources": {name: round(float(x), 6) for name, x in zip(FEATURES, features) if name != "bias"},
                     "weights": {name: round(float(x), 4) for name, x in zip(FEATURES, self.weights)}}
        column = self.linear.class_index.get(tag) if self.linear is not None else None
        if column is not None:
            out["words"] = contributions(self.linear, doc, column, both_ways=False)
        if self.neighbours is not None:
            near = self.neighbours.nearest(doc, NEIGHBOURS, sims)
            for i, sim in near:
                if tag in self.neighbours.doc_tags[i]:
                    ref = self.neighbours.doc_refs[i] if i < len(self.neighbours.doc_refs) else {}
                    out["nearest_section"] = {**ref, "tags": self.neighbours.doc_tags[i], "similarity": round(sim, 6)}
                    break
        return out

    def _shared_vocabulary(self) -> bool:
        if self._shared is None:
            a, b = self.linear, self.neighbours
            self._shared = (a is not None and b is not None and a.terms == b.terms and a.sublinear_tf
                            and np.array_equal(a.idf, b.idf))
        return self._shared

    @property
    def frequency(self) -> dict[str, float]:
        """Each tag's share of the most frequent tag's examples, on a log scale (a feature of every candidate)."""
        if self._frequency is None:
            top = math.log1p(max(self.counts.values(), default=1))
            self._frequency = {t: math.log1p(c) / top for t, c in self.counts.items()}
        return self._frequency


def candidate_features(s: Suggester, doc: Sequence[str], text_key: str, row: np.ndarray | None = None,
                       sims: np.ndarray | None = None) -> dict[str, list[float]]:
    """The features of each candidate tag of a document: shared by training (to fit the weights) and tagging.
    ``row``, ``sims``: the linear model's probabilities and the neighbour similarities, when already computed."""
    words = set(doc)
    linear: dict[str, tuple[float, int]] = {}
    if s.linear is not None and not s.linear.index.keys().isdisjoint(doc):
        if row is None:
            row = s.linear.predict_proba([doc])[0]
        top_k = min(CANDIDATES_PER_SOURCE, len(row))
        best = np.argpartition(-row, top_k - 1)[:top_k] if top_k < len(row) else np.arange(len(row))
        found = dict(zip(best.tolist(), row[best].tolist()))
        for rank, i in enumerate(sorted(found, key=lambda i: (-found[i], i)), 1):
            linear[s.linear.classes[i]] = (found[i], rank)
    votes: dict[str, float] = {}
    nearest: dict[str, float] = {}
    first: dict[str, int] = {}  # the rank of the nearest section that carries the tag
    if s.neighbours is not None:
        near = s.neighbours.nearest(doc, NEIGHBOURS, sims)
        total = sum(sim for _, sim in near) or 1.0
        for rank, (i, sim) in enumerate(near, 1):
            for tag in s.neighbours.doc_tags[i]:
                votes[tag] = votes.get(tag, 0.0) + sim / total
                if tag not in first:  # the nearest come most similar first: a tag's first is its best
                    first[tag], nearest[tag] = rank, sim
    names = s.names.scores(text_key, words, s.neighbours.idf_of if s.neighbours is not None else None
                           ) if s.names is not None else {}
    tags = sorted(set(linear) | set(votes) | set(names))  # sorted: the same order whatever the string hashing
    frequency = s.frequency
    out: dict[str, list[float]] = {}
    top_p = max((p for p, _ in linear.values()), default=0.0)
    top_v = max(votes.values(), default=0.0)
    # the row as Python floats once: indexing a NumPy array makes a NumPy scalar each time
    scores = row.tolist() if s.linear is not None and row is not None else None
    for tag in tags:
        if tag not in s.counts:
            continue  # a name seen by a source but not a tag of this level
        if tag in linear:
            p, rank = linear[tag]
        else:  # a candidate of the other sources: its linear score all the same
            i = s.linear.class_index.get(tag) if scores is not None else None
            p, rank = (scores[i] if i is not None else 0.0), CANDIDATES_PER_SOURCE + 1
        name, count = names.get(tag, (0.0, 0.0))
        v = votes.get(tag, 0.0)
        out[tag] = [p, 1.0 / rank, v, nearest.get(tag, 0.0), 1.0 / first.get(tag, NEIGHBOURS + 1),
                    name, count, frequency[tag], p * v, p * name, v * name,
                    p - top_p, v - top_v, 1.0, p, v, count, 1.0]
    return out


def _contrast(class_index: dict[str, int], rows: np.ndarray, feats: list[dict[str, list[float]]]) -> None:
    """Sets each candidate's contrast features: its linear score as a share of the same tag's scores over all the
    dump's documents, and its margin over the best of the others; the same margin for the nearest sections' votes
    and for the name's count (a document where the tag is no candidate counts 0). With one document, where this
    is not called, the features keep their defaults: share 1, each margin the value itself."""
    order = np.argsort(-rows, axis=0, kind="stable")
    # Python floats and ints from here on: indexing NumPy arrays one item at a time costs more than the work.
    # (Float arithmetic on them gives the same doubles as NumPy's.)
    totals = rows.sum(axis=0).tolist()
    first, second = order[0].tolist(), order[1].tolist()
    values = rows.tolist()
    share_at, margin_at = FEATURES.index("linear_share"), FEATURES.index("linear_margin")
    for i, fs in enumerate(feats):
        row = values[i]
        for tag, f in fs.items():
            j = class_index.get(tag)
            if j is None:
                continue
            p = row[j]
            other = values[second[j] if first[j] == i else first[j]][j]
            f[share_at] = p / totals[j] if totals[j] > 0 else 1.0
            f[margin_at] = p - other
    for name, margin in (("neighbours", "neighbours_margin"), ("name_count", "name_margin")):
        at, to = FEATURES.index(name), FEATURES.index(margin)
        best: dict[str, list[float]] = {}  # the two largest values of each tag over the documents
        for fs in feats:
            for tag, f in fs.items():
                top = best.setdefault(tag, [0.0, 0.0])
                if f[at] > top[0]:
                    top[:] = [f[at], top[0]]
                elif f[at] > top[1]:
                    top[1] = f[at]
        for fs in feats:
            for tag, f in fs.items():
                top = best[tag]
                f[to] = f[at] - (top[1] if f[at] >= top[0] else top[0])


# Used until a level has enough held-out examples to fit its own weights (a tiny archive): each source counts,
# the linear model most, as measured on the bundled corpus (docs/BENCHMARKS.md).
FALLBACK_WEIGHTS = [4.0, 1.0, 3.0, 2.0, 1.0, 2.0, 0.5, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -3.5]
