"""Fitting the tag suggesters (classifier/suggest.py): the linear model, the index of tagged sections, the tags'
names, and the weights that combine them, learned on held-out sections of the archive itself.

Every tag the blogger used is kept, however rare: a tag seen once is found again through its section (nearest
neighbours) or its name, and the combining weights learn how far each source can be trusted, on folds of the
training archive split by post.
"""
from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from classifier.suggest import (
    FALLBACK_WEIGHTS,
    FEATURES,
    NeighbourIndex,
    Suggester,
    TagNames,
    name_key,
)
from classifier.tokenize import Tokenizer

MAX_TERMS_PER_DOC = 64  # a section's most telling words are enough to find its neighbours, and keep the index small
INNER_FOLDS = 3
MIN_META_EXAMPLES = 30  # held-out candidates needed to fit the combining weights; below, FALLBACK_WEIGHTS
MAX_META_DOCS = 3000  # held-out documents used to fit the weights (enough for seven numbers)


@dataclass
class LevelData:
    """The tagged documents of one level (sections or posts)."""

    docs: list[list[str]] = field(default_factory=list)  # topic words
    keys: list[str] = field(default_factory=list)  # the text as normalized words run together, for names
    tags: list[list[str]] = field(default_factory=list)
    refs: list[dict[str, Any]] = field(default_factory=list)  # where each document is
    groups: list[int] = field(default_factory=list)  # the dump each document comes from

    def subset(self, idx: Sequence[int]) -> "LevelData":
        return LevelData([self.docs[i] for i in idx], [self.keys[i] for i in idx], [self.tags[i] for i in idx],
                         [self.refs[i] for i in idx], [self.groups[i] for i in idx])


def tag_counts(tag_lists: Sequence[Sequence[str]]) -> dict[str, int]:
    counts = Counter(t for tl in tag_lists for t in set(tl))
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _identity(doc: list[str]) -> list[str]:
    return doc


def fit_neighbours(data: LevelData) -> NeighbourIndex | None:
    """The tagged documents as l2-normalised TF-IDF rows, cut to their strongest terms, stored by term."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    if not data.docs or not any(data.docs):
        return None
    vec = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, dtype=np.float64)
    try:
        x = vec.fit_transform(data.docs).tocsr()
    except ValueError:  # no term at all
        return None
    x = _strongest(x, MAX_TERMS_PER_DOC)
    csc = x.tocsc()
    csc.sort_indices()
    terms = [""] * len(vec.vocabulary_)
    for t, i in vec.vocabulary_.items():
        terms[i] = t
    return NeighbourIndex(terms, vec.idf_.copy(), csc.indptr.astype(np.int64), csc.indices.astype(np.int64),
                          csc.data.astype(np.float64), [list(t) for t in data.tags], list(data.refs))


def _strongest(x, k: int):
    """Each row's k largest weights, renormalised to unit length."""
    from scipy.sparse import csr_matrix

    rows, cols, vals = [], [], []
    for i in range(x.shape[0]):
        start, end = x.indptr[i], x.indptr[i + 1]
        c, v = x.indices[start:end], x.data[start:end]
        if len(v) > k:
            top = np.argsort(-v, kind="stable")[:k]
            c, v = c[top], v[top]
        norm = np.sqrt((v * v).sum()) or 1.0
        rows += [i] * len(v)
        cols += c.tolist()
        vals += (v / norm).tolist()
    return csr_matrix((vals, (rows, cols)), shape=x.shape)


def tag_names(tags: Sequence[str], tok: Tokenizer) -> TagNames:
    keys, words = [], []
    for t in tags:
        toks = tok.tokenize(t)
        keys.append(name_key("".join(toks.words)))
        words.append(list(dict.fromkeys(toks.content)))
    return TagNames(list(tags), keys, words)


def fit_suggester(data: LevelData, tok: Tokenizer, params, names: TagNames | None = None,
                  fit_weights: bool = True) -> Suggester | None:
    """The suggester of one level, every tag kept; None when the level has no tagged document."""
    from training.train import fit_tags

    counts = tag_counts(data.tags)
    if not counts:
        return None
    tags = list(counts)
    linear, _ = fit_tags(data.docs, data.tags, tags, params)
    if names is None:
        names = tag_names(tags, tok)
    else:
        keep = [i for i, t in enumerate(names.tags) if t in counts]
        names = TagNames([names.tags[i] for i in keep], [names.keys[i] for i in keep], [names.words[i] for i in keep])
    s = Suggester(linear, fit_neighbours(data), names, counts, list(FALLBACK_WEIGHTS))
    if fit_weights:
        s.weights = combining_weights(data, tok, params, names)
    return s


def combining_weights(data: LevelData, tok: Tokenizer, params, names: TagNames) -> list[float]:
    """Weights of FEATURES fitted on candidates of held-out documents: each fold's suggester is trained on the
    other folds (split by dump), so the weights learn how each source does on text it has not seen."""
    from sklearn.linear_model import LogisticRegression

    groups = sorted(set(data.groups))
    if len(groups) < 2:
        return list(FALLBACK_WEIGHTS)
    folds = min(INNER_FOLDS, len(groups))
    order = np.random.default_rng(params.seed).permutation(len(groups))
    fold_of = {groups[g]: i % folds for i, g in enumerate(order)}
    xs: list[list[float]] = []
    ys: list[int] = []
    budget = MAX_META_DOCS
    for f in range(folds):
        train = [i for i, g in enumerate(data.groups) if fold_of[g] != f]
        test = [i for i, g in enumerate(data.groups) if fold_of[g] == f][:budget]
        budget -= len(test)
        if not train or not test:
            continue
        inner = fit_suggester(data.subset(train), tok, params, names, fit_weights=False)
        if inner is None:
            continue
        by_dump: dict[int, list[int]] = {}  # each held-out dump's documents, scored together as at tagging time
        for i in test:
            by_dump.setdefault(data.groups[i], []).append(i)
        for group in sorted(by_dump):
            members = by_dump[group]
            found, _ = inner.features_all([data.docs[i] for i in members], [data.keys[i] for i in members])
            for i, candidates in zip(members, found):
                gold = set(data.tags[i])
                for tag, feats in candidates.items():
                    xs.append(feats[:-1])  # the bias is the regression's intercept
                    ys.append(int(tag in gold))
    if len(xs) < MIN_META_EXAMPLES or len(set(ys)) < 2:
        return list(FALLBACK_WEIGHTS)
    clf = LogisticRegression(C=1.0, max_iter=1000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(np.array(xs), np.array(ys))
    weights = [float(w) for w in clf.coef_[0]] + [float(clf.intercept_[0])]
    assert len(weights) == len(FEATURES)
    return weights
