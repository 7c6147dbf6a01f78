"""A peer for `classifier eval --peer fasttext`: fastText supervised on the same Sudachi tokens and split.

fastText is an optional extra (``pip install -e '.[peer]'``), never a dependency. Where it cannot be imported,
the report says so and evaluation goes on.
"""
from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Sequence
from typing import Any

from classifier.features import topic_doc
from training.train import Corpus, TrainParams, _names, kept_tags

# Settings for small corpora: many epochs, a high learning rate, one-vs-all loss for several tags a text.
FASTTEXT_PARAMS = {"epoch": 50, "lr": 0.5, "wordNgrams": 1, "minCount": 1, "dim": 50, "loss": "ova",
                   "thread": 1, "seed": 0, "verbose": 0}
K = 5


def fasttext_peer(train: Corpus, train_idx: Sequence[int], test: Corpus, test_idx: Sequence[int],
                  params: TrainParams) -> dict[str, Any]:
    try:
        import fasttext
    except ImportError as e:
        return {"error": f"fastText is not installed ({e}); install the extra with pip install -e '.[peer]'"}
    out: dict[str, Any] = {"name": f"fastText {getattr(fasttext, '__version__', '')}".strip(),
                           "train_seconds": 0.0, "predict_seconds": 0.0}
    for level in ("section", "post"):
        train_docs = list(_examples(train, train_idx, level))
        kept, _ = kept_tags([tags for _, tags in train_docs], params.min_tag_examples)
        test_docs = [doc for doc, _ in _examples(test, test_idx, level)]
        lines = [_line(doc, [t for t in tags if t in kept]) for doc, tags in train_docs]
        lines = [ln for ln in lines if ln.startswith("__label__")]
        if not lines:
            out[level] = [[] for _ in test_docs]
            continue
        t0 = time.perf_counter()
        model = _train(fasttext, lines)
        out["train_seconds"] += time.perf_counter() - t0
        t0 = time.perf_counter()
        # model.f.predict: the wrapper's own predict breaks on NumPy 2 (np.array(copy=False)).
        out[level] = [[label.removeprefix("__label__") for _, label in model.f.predict(" ".join(doc) + "\n", K,
                                                                                     0.0, "strict")]
                      for doc in test_docs]
        out["predict_seconds"] += time.perf_counter() - t0
    return out


def _examples(corpus: Corpus, indices: Sequence[int], level: str):
    """(topic words, tag names) of every tagged section or post, in the order evaluate() visits them."""
    for i in indices:
        dump, tokens = corpus.dumps[i], corpus.tokens[i]
        if level == "section":
            for s in dump.sections:
                if s.tag_line is not None and s.existing:
                    yield topic_doc(tokens, s.block_indices), _names(s.existing)
        elif dump.post.existing:
            yield topic_doc(tokens), _names(dump.post.existing)


def _line(doc: list[str], tags: list[str]) -> str:
    labels = " ".join("__label__" + t.replace(" ", "_") for t in tags)
    return f"{labels} {' '.join(w.replace(' ', '_') for w in doc)}".strip()


def _train(fasttext: Any, lines: list[str]):
    fd, path = tempfile.mkstemp(suffix=".txt", prefix="fasttext-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        return fasttext.train_supervised(input=path, **FASTTEXT_PARAMS)
    finally:
        os.unlink(path)
