"""The predictor: a loaded model applied to dumps. Needs NumPy and Sudachi, never scikit-learn."""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from .commentary import Judge, judge_from_meta
from .document import Dump, Suggestion
from .explain import block_evidence, contributions
from .features import WORD_PREFIX, commentary_columns, commentary_docs, topic_doc, words_key
from .label_model import logit
from .model_io import Model, load_model
from .outlets import Outlets
from .parser import default_outlets, parse
from .segment import TagVocabulary, segment
from .suggest import Suggester, TagNames
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
        self._suggesters: dict[str, Suggester | None] = {}
        self._judge: Judge | None = None

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
        """Structure and the rules' labels, no model scores. With a model, the rules are weighed as its label model
        learned, its accounts' reputations count, and its tag vocabulary tells bare section tags from post tags.
        (final and tagged: see segment())"""
        if self.model is None:
            return parse(text, path, self._outlets(), final, tagged)
        dump = segment(text, path, final, tagged, self.vocabulary)
        self.judge.rules(dump, self._outlets())
        return dump

    def tag(self, text: str, path: str | None = None, top_k: int = DEFAULT_TOP_K, final: bool = True,
            tagged: bool = False, explain: bool = False) -> Dump:
        """Parse, then score: final labels, commentary scores, section and post suggestions. With ``explain``,
        each text block and each suggestion also carries its evidence (see classifier/explain.py)."""
        dump = segment(text, path, final, tagged, self.vocabulary)
        return self.score(dump, self.tokenize(dump), top_k, explain)

    def tokenize(self, dump: Dump) -> list[Tokens | None]:
        """The tokens of every text block (None for the other blocks)."""
        tok = self._tokenizer()
        return [tok.tokenize(b.text) if b.is_text else None for b in dump.blocks]

    @property
    def vocabulary(self) -> TagVocabulary | None:
        """The tags the model knows, by level (None without a model)."""
        if self.model is None:
            return None
        tags = self.model.meta.get("tags", {})
        return TagVocabulary(frozenset(tags.get("section", {})), frozenset(tags.get("post", {})))

    @property
    def judge(self) -> Judge:
        """The model's judge: label model, calibration, transitions, reputations (built once)."""
        if self._judge is None:
            self._judge = judge_from_meta(self.model.meta)
        return self._judge

    def score(self, dump: Dump, tokens: Sequence[Tokens | None], top_k: int = DEFAULT_TOP_K,
              explain: bool = False) -> Dump:
        """Label and suggest for a freshly segmented dump whose blocks were tokenized by ``tokenize``."""
        verdicts = self.judge.rules(dump, self._outlets())
        wordless = {k for k, t in enumerate(tokens) if t is not None and not t.words}
        probs = self.commentary_scores(dump, tokens)
        found = self.judge.decide(dump, verdicts, probs, wordless)
        if explain:
            self._explain_blocks(dump, tokens, verdicts, probs, found, wordless)
        self._suggest(dump, tokens, top_k, explain)
        dump.scored = True
        return dump

    def _explain_blocks(self, dump: Dump, tokens, verdicts, probs, found, wordless) -> None:
        judge = self.judge
        weights = judge.label_model.weights
        prior = logit(judge.label_model.prior)
        texts = [k for k, t in enumerate(tokens) if t is not None]
        docs = dict(zip(texts, commentary_docs(dump, tokens)))
        for k, (ev, alone, post) in found.items():
            model_part = None
            if k in probs:
                model_part = {"probability": round(float(probs[k]), 6),
                              **contributions(self.model.commentary, docs[k]),
                              "calibrated": round(ev[1], 4),
                              "says_nothing": k in wordless}
            dump.blocks[k].evidence = block_evidence(verdicts[k].votes, weights, prior, verdicts[k].log_odds,
                                                     model_part, (alone, post))

    def commentary_scores(self, dump: Dump, tokens: Sequence[Tokens | None]) -> dict[int, float]:
        """The commentary model's probability for every text block, by block index.

        Blocks are scored in batches of about SCORE_BATCH_WORDS words: their feature lists weigh some 90 bytes
        a character of text, so a long dump's would not fit in memory at once. A block's score depends on its
        own document only, so batches give exactly the scores of one pass."""
        out: dict[int, float] = {}
        model = self.model.commentary
        index, words = model.index, model.prefixed_index(WORD_PREFIX)
        for batch in _batches(tokens):
            # the documents' terms as the model's columns, made and looked up in one pass (commentary_columns)
            found, lengths = commentary_columns(dump, tokens, index, words, batch)
            vectors = model.vectorize_found(np.array(found, dtype=np.int64), np.array(lengths, dtype=np.int64))
            # as Python floats: the verdicts read each one several times, and NumPy scalars are slow to compute with
            out.update(zip(batch, model.predict_proba(vectors=vectors)[:, 0].tolist()))
        return out

    def suggester(self, level: str) -> Suggester | None:
        """The section or post suggester of the model (built once from its parts)."""
        if level not in self._suggesters:
            self._suggesters[level] = suggester_of(self.model, level)
        return self._suggesters[level]

    def _suggest(self, dump: Dump, tokens: Sequence[Tokens | None], top_k: int, explain: bool = False) -> None:
        floor = float(self.model.thresholds["suggest_min"])
        section = self.suggester("section")
        if section is not None and dump.sections:
            docs = [topic_doc(tokens, s.block_indices) for s in dump.sections]
            keys = [words_key(tokens, s.block_indices) for s in dump.sections]
            for s, found in zip(dump.sections, section.suggest_all(docs, keys, top_k, floor, explain)):
                s.suggested = [Suggestion(*x) for x in found]
        post = self.suggester("post")
        if post is not None:
            found = post.suggest_all([topic_doc(tokens)], [words_key(tokens)], top_k, floor, explain)[0]
            dump.post.suggested = [Suggestion(*x) for x in found]


def suggester_of(model: Model, level: str) -> Suggester | None:
    """A level's suggester from the model's linear part, neighbour index and the meta that combines them."""
    meta = model.meta.get("suggest", {}).get(level)
    linear = getattr(model, level)
    if meta is None:  # no tag of this level to learn
        return None
    names = meta["names"]
    return Suggester(linear, getattr(model, f"{level}_neighbours"), TagNames(names["tags"], names["keys"],
                     names["words"]), dict(meta["counts"]), list(meta["weights"]))


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
