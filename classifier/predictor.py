"""The predictor: a loaded model applied to dumps. Needs NumPy and Sudachi, never scikit-learn."""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from training.rules import label_dump

from .document import COMMENTARY, WIRE, Dump, Suggestion
from .features import commentary_docs, topic_doc
from .linear import LinearTextModel
from .model_io import Model, load_model
from .outlets import Outlets
from .parser import default_outlets, parse
from .segment import segment
from .tokenize import Tokenizer, Tokens

DEFAULT_TOP_K = 5
SCORE_BATCH_WORDS = 1 << 16


class Predictor:
    """Tags dumps with a trained model: final line labels, commentary scores and suggested hashtags.

    >>> p = Predictor.load()                      # models/default
    >>> result = p.tag(open("dump.txt", encoding="utf-8").read())
    >>> result.to_dict()["post"]["suggested"]
    """

    def __init__(self, model: Model | None, outlets: Outlets | None = None, tokenizer: Tokenizer | None = None
                 ) -> None:
        """``model`` may be None for a predictor that only parses (rules, no scores)."""
        self.model = model
        self.outlets = outlets
        self.tokenizer = tokenizer

    @classmethod
    def load(cls, path: str | Path | None = None, outlets: Outlets | None = None, any_dictionary: bool = False
             ) -> "Predictor":
        """Load a model directory (default: models/default). Raises ModelError with a clear message."""
        return cls(load_model(path, any_dictionary), outlets)

    def _outlets(self) -> Outlets:
        return self.outlets or default_outlets()

    def _tokenizer(self) -> Tokenizer:
        if self.tokenizer is None:
            mode = self.model.meta.get("tokenizer", {}).get("split_mode", "C")
            self.tokenizer = Tokenizer(mode)
        return self.tokenizer

    def parse(self, text: str, path: str | None = None, final: bool = True, tagged: bool = False) -> Dump:
        """Structure and rule labels only, no model scores. (final and tagged: see segment())"""
        return parse(text, path, self._outlets(), final, tagged)

    def tag(self, text: str, path: str | None = None, top_k: int = DEFAULT_TOP_K, final: bool = True,
            tagged: bool = False) -> Dump:
        """Parse, then score: final labels, commentary scores, section and post suggestions."""
        dump = segment(text, path, final, tagged)
        return self.score(dump, self.tokenize(dump), top_k)

    def tokenize(self, dump: Dump) -> list[Tokens | None]:
        """The tokens of every text block (None for the other blocks)."""
        tok = self._tokenizer()
        return [tok.tokenize(b.text) if b.is_text else None for b in dump.blocks]

    def score(self, dump: Dump, tokens: Sequence[Tokens | None], top_k: int = DEFAULT_TOP_K) -> Dump:
        """Label and suggest for a freshly segmented dump whose blocks were tokenized by ``tokenize``."""
        verdicts = label_dump(dump, self._outlets())
        margins = [v.margin if v is not None else 0.0 for v in verdicts]
        self._label(dump, tokens, margins)
        self._suggest(dump, tokens, top_k)
        dump.scored = True
        return dump

    def commentary_scores(self, dump: Dump, tokens: Sequence[Tokens | None]) -> dict[int, float]:
        """The commentary model's probability for every text block, by block index.

        Blocks are scored in batches of about SCORE_BATCH_WORDS words: their feature lists weigh some 90 bytes
        a character of text, so a long dump's would not fit in memory at once. A block's score depends on its
        own document only, so batches give exactly the scores of one pass."""
        out: dict[int, float] = {}
        for batch in _batches(tokens):
            docs = commentary_docs(dump, tokens, indices=batch)
            out.update(zip(batch, self.model.commentary.predict_proba(docs)[:, 0]))
        return out

    def _label(self, dump: Dump, tokens: Sequence[Tokens | None], margins: Sequence[float]) -> None:
        weight = float(self.model.thresholds["model_weight"])
        center = float(self.model.thresholds["model_center"])
        for k, p in self.commentary_scores(dump, tokens).items():
            b = dump.blocks[k]
            b.commentary_score = round(float(p), 6)
            lean = 2.0 * (p - center)  # the model's vote, -1..1 around its neutral point
            model_label = COMMENTARY if lean > 0 else WIRE
            final = COMMENTARY if margins[k] + weight * lean > 0 else WIRE
            if final != b.label:
                b.label, b.rules = final, ["model"]
            elif model_label == final and abs(lean) >= 0.5:
                b.rules = [*b.rules, "model"]

    def _suggest(self, dump: Dump, tokens: Sequence[Tokens | None], top_k: int) -> None:
        floor = float(self.model.thresholds["suggest_min"])
        if self.model.section is not None and dump.sections:
            docs = [topic_doc(tokens, s.block_indices) for s in dump.sections]
            scores = self.model.section.predict_proba(docs)
            for s, doc, row in zip(dump.sections, docs, scores):
                s.suggested = _top(self.model.section, doc, row, top_k, floor)
        if self.model.post is not None:
            doc = topic_doc(tokens)
            row = self.model.post.predict_proba([doc])[0]
            dump.post.suggested = _top(self.model.post, doc, row, top_k, floor)


def _batches(tokens: Sequence[Tokens | None]) -> Iterator[list[int]]:
    """The indices of the text blocks, in order, in runs of about SCORE_BATCH_WORDS words."""
    batch: list[int] = []
    words = 0
    for k, t in enumerate(tokens):
        if t is None:
            continue
        batch.append(k)
        words += len(t.words) + 1
        if words >= SCORE_BATCH_WORDS:
            yield batch
            batch, words = [], 0
    if batch:
        yield batch


def _top(model: LinearTextModel, doc: list[str], row: np.ndarray, k: int, floor: float) -> list[Suggestion]:
    """The best k tags; none for text without a single word the model knows (its scores would be priors)."""
    if not any(t in model.index for t in doc):
        return []
    order = np.argsort(-row, kind="stable")[: max(k, 0)]
    return [Suggestion(model.classes[i], float(row[i])) for i in order if row[i] >= floor]
