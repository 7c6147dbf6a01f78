"""Training: weak labels from the rules and the blogger's tags, TF-IDF, scikit-learn logistic regressions.

Three models, each exported to a ``LinearTextModel`` that tags without scikit-learn:
- commentary: binary, over text blocks, labels = the rules' weak labels. Marker dropout: every block that
  carries emoji or a picture link is also shown without them, with the same label, so the model has to learn
  the register of the words and cannot merely copy the emoji rule;
- section tags: one-vs-rest over the author's tagged sections;
- post tags: one-vs-rest over posts that end with post tags.
Tags with fewer than ``min_tag_examples`` examples are reported and left out.
"""
from __future__ import annotations

import hashlib
import math
import random
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from classifier.commentary import Judge
from classifier.document import COMMENTARY, Dump
from classifier.features import topic_doc, words_key
from classifier.linear import LinearTextModel
from classifier.model_io import DEFAULT_THRESHOLDS, Model, check_model_target, library_versions, save_model
from classifier.outlets import Outlets
from classifier.parser import default_outlets
from classifier.reading import ReadOptions, read_inputs
from classifier.rules import label_dump
from classifier.segment import segment
from classifier.sequence import clips
from classifier.tokenize import SPLIT_MODE, Tokenizer, Tokens
from training.commentary_fit import fit_judge, vote_rows
from training.metrics import PRF, binary_prf, topk_micro
from training.suggest_fit import LevelData, fit_suggester

DEFAULT_CORPUS = Path(__file__).resolve().parent / "corpus"


class TrainingError(Exception):
    """Training cannot produce a model from this corpus; the message says why."""


@dataclass
class TrainParams:
    min_tag_examples: int = 1  # a tag needs this many tagged sections (or posts) to be suggested: every tag by default
    holdout: float = 0.2  # share of posts held out for the summary's scores (0: none)
    seed: int = 0
    commentary_c: float = 3.0  # inverse regularisation of the commentary model (chosen training on one sample set, testing on the others)
    tag_c: float = 10.0  # inverse regularisation of the tag models
    max_features: int = 200_000  # vocabulary cap per model
    marker_dropout: bool = True
    # Blocks on which the label model is unsure (|log-odds| below this, e.g. no rule voted) are left out of the
    # commentary model's training: they are unlabeled, not wire. The model labels them by register.
    min_margin: float = 1.0
    split_mode: str = SPLIT_MODE
    # The commentary model learns from at most this many blocks, whole posts drawn at random: past some hundred
    # thousand a linear model hardly changes, while the memory of its fit keeps growing (a 100 MB archive has
    # half a million confident blocks).
    commentary_examples: int = 200_000

    def problems(self) -> list[str]:
        """What is wrong with these values, in words (empty when they can be trained with)."""
        out = []
        if self.min_tag_examples < 1:
            out.append("min_tag_examples must be 1 or more")
        if not (math.isfinite(self.holdout) and 0 <= self.holdout < 1):
            out.append("holdout must be at least 0 and below 1")
        for name in ("commentary_c", "tag_c"):
            value = getattr(self, name)
            if not (math.isfinite(value) and 0 < value <= 1e6):
                out.append(f"{name} must be a number above 0 and at most 1e6")
        if not 1 <= self.max_features <= 10_000_000:
            out.append("max_features must be between 1 and 10000000")
        if not (math.isfinite(self.min_margin) and self.min_margin >= 0):
            out.append("min_margin must be a finite number, 0 or more")
        if self.commentary_examples < 1:
            out.append("commentary_examples must be 1 or more")
        if self.split_mode not in ("A", "B", "C"):
            out.append("split_mode must be A, B or C")
        return out


@dataclass
class Corpus:
    dumps: list[Dump]
    tokens: list[list[Tokens | None]]
    errors: list[str] = field(default_factory=list)
    fingerprint: str = ""
    tokenizer: Tokenizer | None = None
    outlets: Outlets | None = None
    votes: list[dict[int, dict[str, str]]] = field(default_factory=list)  # the rules' votes on each text block
    clips: list[list[list[int]]] = field(default_factory=list)  # each dump's clips (classifier/sequence.py)


@dataclass
class Examples:
    """The dumps a model is fitted on (the commentary side reads them whole) and the tagged documents of each
    level."""

    corpus: Corpus | None = None
    indices: list[int] = field(default_factory=list)
    sections: LevelData = field(default_factory=LevelData)
    posts: LevelData = field(default_factory=LevelData)


@dataclass
class TrainReport:
    model_dir: str
    files: int
    errors: list[str]
    posts_with_tags: int
    sections_tagged: int
    sections_untagged: int
    blocks_by_label: dict[str, int]
    section_tags: dict[str, int]
    post_tags: dict[str, int]
    left_out: dict[str, dict[str, int]]
    heldout: dict[str, Any]
    seconds: float
    notes: list[str] = field(default_factory=list)


Progress = Callable[[Iterable[Any], str, int], Iterable[Any]]


def _no_progress(it: Iterable[Any], desc: str, total: int) -> Iterable[Any]:
    return it


# --- corpus ------------------------------------------------------------------------------------------------
def load_corpus(
    paths: Sequence[str], outlets: Outlets, tokenizer: Tokenizer, progress: Progress = _no_progress,
    keep_text: bool = True, read: ReadOptions = ReadOptions(),
) -> Corpus:
    """Read, parse, weakly label and tokenize every dump; unreadable files are listed, not fatal.

    With keep_text=False the dumps keep their structure, labels and tokens but not their text (training needs
    no more, and a large archive then fits in memory); ``dump_text`` reads a dump's text again.
    """
    items = list(read_inputs(list(paths), read))
    corpus = Corpus([], [], tokenizer=tokenizer, outlets=outlets)
    digest = hashlib.sha256()
    rows: dict = {}
    for item in progress(items, "reading corpus", len(items)):
        if item.error is not None or item.text is None:
            corpus.errors.append(item.error or f"{item.path}: unreadable")
            continue
        dump = segment(item.text, item.path)
        label_dump(dump, outlets)  # the rules' labels with their prior weights: what `parse` says
        corpus.votes.append(vote_rows(dump, outlets, rows))
        corpus.clips.append(clips(dump))  # while the text is there: clips end at text-borne marks
        corpus.dumps.append(dump)
        corpus.tokens.append([tokenizer.tokenize(b.text) if b.is_text else None for b in dump.blocks])
        digest.update(hashlib.sha256(item.text.encode("utf-8")).digest())
        if not keep_text:
            dump.text, dump.lines = "", []
            for b in dump.blocks:
                b.text = ""
    corpus.fingerprint = digest.hexdigest()
    return corpus


def build_examples(corpus: Corpus, indices: Iterable[int]) -> Examples:
    ex = Examples(corpus, list(indices))
    for i in ex.indices:
        dump, tokens = corpus.dumps[i], corpus.tokens[i]
        for s in dump.sections:
            if s.tag_line is not None and s.existing:
                ref = {"path": dump.path, "start_line": s.start_line, "end_line": s.end_line, "tag_line": s.tag_line}
                _add(ex.sections, tokens, s.block_indices, _names(s.existing), ref, i)
        if dump.post.existing:
            _add(ex.posts, tokens, None, _names(dump.post.existing), {"path": dump.path}, i)
    return ex


def _add(level: LevelData, tokens: list[Tokens | None], indices: list[int] | None, tags: list[str],
         ref: dict[str, Any], group: int) -> None:
    level.docs.append(topic_doc(tokens, indices))
    level.keys.append(words_key(tokens, indices))
    level.tags.append(tags)
    level.refs.append(ref)
    level.groups.append(group)


def dump_text(dump: Dump) -> str:
    """A dump's text, read again from its file when the corpus was loaded without text."""
    if dump.text or not dump.path:
        return dump.text
    from classifier.reading import read_text

    return read_text(dump.path, ReadOptions(errors="replace"))


def _names(tags: Iterable[Any]) -> list[str]:
    return list(dict.fromkeys(t.name for t in tags))


# --- fitting -----------------------------------------------------------------------------------------------
def _identity(doc: list[str]) -> list[str]:
    return doc


def make_vectorizer(max_features: int):
    from sklearn.feature_extraction.text import TfidfVectorizer

    # The analyzer receives the term lists of classifier.features as they are.
    return TfidfVectorizer(analyzer=_identity, sublinear_tf=True, max_features=max_features, dtype=np.float64)


def fit_commentary(docs: Iterable[list[str]], labels: list[int], params: TrainParams):
    """The commentary model, as (exported LinearTextModel, fitted scikit-learn pipeline).

    ``docs`` may be a generator: the vectorizer reads it once, so the documents are never all in memory.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    if len(set(labels)) < 2:
        return None, None
    vec = make_vectorizer(params.max_features)
    clf = LogisticRegression(C=params.commentary_c, class_weight="balanced", max_iter=2000)
    clf.fit(vec.fit_transform(docs), labels)
    pipe = Pipeline([("tfidf", vec), ("clf", clf)])
    model = LinearTextModel(_terms(vec), vec.idf_.copy(), clf.coef_.copy(), clf.intercept_.copy(), [COMMENTARY])
    return model, pipe


def fit_tags(docs: list[list[str]], tag_lists: list[list[str]], tags: list[str], params: TrainParams):
    """One-vs-rest tag model over the kept tags, as (LinearTextModel, scikit-learn pipeline); (None, None) if none."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import Pipeline

    if not tags or not docs:
        return None, None
    y = np.array([[t in set(tl) for t in tags] for tl in tag_lists], dtype=int)
    # liblinear: one small binary problem a tag, solved in milliseconds (lbfgs took ~80 ms each)
    clf = OneVsRestClassifier(LogisticRegression(C=params.tag_c, class_weight="balanced", solver="liblinear",
                                                 max_iter=2000))
    pipe = Pipeline([("tfidf", make_vectorizer(params.max_features)), ("clf", clf)])
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Label .* is present in all training examples")
        pipe.fit(docs, y)
    vec = pipe.named_steps["tfidf"]
    n = len(vec.idf_)
    coef = np.zeros((len(tags), n))
    intercept = np.zeros(len(tags))
    for j, est in enumerate(pipe.named_steps["clf"].estimators_):
        if hasattr(est, "coef_"):
            coef[j], intercept[j] = est.coef_[0], est.intercept_[0]
        else:  # a tag on every example (or none): scikit-learn predicts a constant
            intercept[j] = 40.0 if y[:, j].all() else -40.0
    return LinearTextModel(_terms(vec), vec.idf_.copy(), coef, intercept, list(tags)), pipe


def _terms(vec) -> list[str]:
    terms = [""] * len(vec.vocabulary_)
    for t, i in vec.vocabulary_.items():
        terms[i] = t
    return terms


def kept_tags(tag_lists: list[list[str]], minimum: int) -> tuple[dict[str, int], dict[str, int]]:
    """Tags with enough examples and the others, most frequent first, ties by name: the order of the model's
    classes, and so of tied suggestions, never depends on Python's string hashing."""
    ranked = tag_counts(tag_lists)
    return {t: c for t, c in ranked if c >= minimum}, {t: c for t, c in ranked if c < minimum}


def tag_counts(tag_lists: Iterable[Iterable[str]]) -> list[tuple[str, int]]:
    """(tag, examples carrying it), most frequent first, ties in name order."""
    counts = Counter(t for tl in tag_lists for t in set(tl))
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def fit_all(ex: Examples, params: TrainParams) -> tuple[Model, dict[str, dict[str, int]], list[str]]:
    assert ex.corpus is not None
    notes: list[str] = []
    dumps = [ex.corpus.dumps[i] for i in ex.indices]
    tokens = [ex.corpus.tokens[i] for i in ex.indices]
    rows = [ex.corpus.votes[i] for i in ex.indices]
    clip_lists = [ex.corpus.clips[i] for i in ex.indices]
    comm, judge, labels = fit_judge(dumps, tokens, rows, clip_lists, params, fit_commentary, notes)
    if comm is None:
        if not labels:
            raise TrainingError("the corpus has no text blocks to learn from")
        only = "commentary" if labels[0] else "wire"
        notes.append(f"every text block is {only} by the rules: the commentary model says {only} for everything "
                     "(the rules decide each line)")
        comm = _constant_commentary(bool(labels[0]))
    tok = (ex.corpus.tokenizer if ex.corpus is not None else None) or Tokenizer(params.split_mode)
    model = Model(comm, meta={"tags": {}, "suggest": {}, **judge_meta(judge)})
    left_out: dict[str, dict[str, int]] = {}
    for level, data in (("section", ex.sections), ("post", ex.posts)):
        kept, dropped = kept_tags(data.tags, params.min_tag_examples)
        left_out[level] = dropped
        model.meta["tags"][level] = kept
        if dropped:
            data = LevelData(data.docs, data.keys, [[t for t in tl if t in kept] for tl in data.tags], data.refs,
                             data.groups)
        suggester = fit_suggester(data, tok, params)
        if suggester is None:
            notes.append(f"no {level} tag to learn" + (f" (--min-examples {params.min_tag_examples})" if dropped
                                                       else "") + f": no {level} suggestions")
            continue
        setattr(model, level, suggester.linear)
        setattr(model, f"{level}_neighbours", suggester.neighbours)
        model.meta["suggest"][level] = suggester_meta(suggester)
        for tag, count in kept.items():
            if count == len(data.docs):
                notes.append(f"{level} tag {tag} is on every {level}: it will always be suggested first")
    model.meta["tags"]["left_out"] = left_out
    model.meta["tags"]["rare"] = {level: [t for t, c in model.meta["tags"][level].items() if c <= RARE]
                                  for level in ("section", "post")}
    return model, left_out, notes


def judge_meta(judge: Judge) -> dict[str, Any]:
    """What model.json keeps of the judge: the label model, the model's calibration, the transitions, the
    accounts' reputations."""
    return {"label_model": judge.label_model.to_dict(), "calibration": judge.calibration.to_dict(),
            "transitions": judge.transitions.to_dict() if judge.transitions else None,
            "reputation": judge.reputation}


RARE = 2  # a tag with this many examples or fewer is rare: the neighbours and its name carry it


def suggester_meta(s) -> dict[str, Any]:
    """What model.json keeps of a suggester besides its arrays: counts, combining weights, the tags' names."""
    assert s.names is not None
    return {"counts": s.counts, "weights": s.weights, "names": {"tags": s.names.tags, "keys": s.names.keys,
                                                                "words": s.names.words}}


def _constant_commentary(is_commentary: bool) -> LinearTextModel:
    intercept = np.array([40.0 if is_commentary else -40.0])  # a sigmoid of 1 or 0, whatever the text
    return LinearTextModel([], np.zeros(0), np.zeros((1, 0)), intercept, [COMMENTARY])


# --- held-out scores ---------------------------------------------------------------------------------------
def heldout_scores(corpus: Corpus, params: TrainParams) -> dict[str, Any]:
    """Train on most posts, score the rest against their weak labels and tags (never one post on both sides)."""
    n = len(corpus.dumps)
    n_test = int(round(n * params.holdout))
    if params.holdout <= 0 or n_test < 1 or n - n_test < 2:
        return {}
    order = list(range(n))
    random.Random(params.seed).shuffle(order)
    test, train = sorted(order[:n_test]), sorted(order[n_test:])
    model, _, _ = fit_all(build_examples(corpus, train), params)
    return {"posts": len(test), **score_model(model, corpus, test)}


def score_model(model: Model, corpus: Corpus, indices: Sequence[int], k: int = 3) -> dict[str, Any]:
    from classifier.predictor import Predictor

    pred = Predictor(model)
    gold_c: list[bool] = []
    pred_c: list[bool] = []
    sec_gold, sec_rank, post_gold, post_rank = [], [], [], []
    for i in indices:
        weak, tokens = corpus.dumps[i], corpus.tokens[i]
        dump = pred.score(segment(dump_text(weak), weak.path), tokens, top_k=k)
        gold_c += [b.label == COMMENTARY for b in weak.blocks if b.is_text]
        pred_c += [b.label == COMMENTARY for b in dump.blocks if b.is_text]
        for s in dump.sections:
            if s.tag_line is not None and s.existing:
                sec_gold.append(set(_names(s.existing)))
                sec_rank.append([x.tag for x in s.suggested])
        if dump.post.existing:
            post_gold.append(set(_names(dump.post.existing)))
            post_rank.append([x.tag for x in dump.post.suggested])
    out: dict[str, Any] = {"commentary_vs_weak": binary_prf(gold_c, pred_c)}
    if sec_gold:
        out["section_tags"] = {f"@{j}": topk_micro(sec_gold, sec_rank, j) for j in (1, k)}
    if post_gold:
        out["post_tags"] = {f"@{j}": topk_micro(post_gold, post_rank, j) for j in (1, k)}
    return out


# --- the whole job -----------------------------------------------------------------------------------------
def train(
    paths: Sequence[str] | None,
    model_dir: str | Path,
    params: TrainParams | None = None,
    outlets: Outlets | None = None,
    progress: Progress = _no_progress,
    status: Callable[[str], None] = lambda s: None,
    read: ReadOptions = ReadOptions(),
) -> TrainReport:
    params = params or TrainParams()
    outlets = outlets or default_outlets()
    check_model_target(model_dir)  # before minutes of work, not after
    started = time.perf_counter()
    sources = list(paths) if paths else [str(DEFAULT_CORPUS)]
    corpus = load_corpus(sources, outlets, Tokenizer(params.split_mode, intern=True), progress, keep_text=False,
                         read=read)
    if not corpus.dumps:
        raise TrainingError("no readable dump in " + ", ".join(sources) + _errors_suffix(corpus.errors))
    status("held-out scores")
    heldout = heldout_scores(corpus, params)
    status("fitting on the whole corpus")
    ex = build_examples(corpus, range(len(corpus.dumps)))
    model, left_out, notes = fit_all(ex, params)
    model.meta.update(
        {
            "versions": library_versions(),
            "tokenizer": {"library": "sudachipy", "dictionary": "sudachidict-core", "split_mode": params.split_mode,
                          "form": "normalized_form"},
            "corpus": {"fingerprint": corpus.fingerprint, "files": len(corpus.dumps), "sources": sources},
            "parameters": asdict(params),
            "thresholds": dict(DEFAULT_THRESHOLDS),
        }
    )
    status("saving")
    save_model(model, model_dir)
    labels = Counter(b.label for d in corpus.dumps for b in d.blocks)
    return TrainReport(
        model_dir=str(model_dir),
        files=len(corpus.dumps),
        errors=corpus.errors,
        posts_with_tags=sum(1 for d in corpus.dumps if d.post.existing),
        sections_tagged=sum(1 for d in corpus.dumps for s in d.sections if s.tag_line is not None),
        sections_untagged=sum(1 for d in corpus.dumps for s in d.sections if s.tag_line is None),
        blocks_by_label=dict(labels),
        section_tags=model.meta["tags"]["section"],
        post_tags=model.meta["tags"]["post"],
        left_out=left_out,
        heldout=heldout,
        seconds=time.perf_counter() - started,
        notes=notes,
    )


def _errors_suffix(errors: list[str]) -> str:
    return (": " + "; ".join(errors)) if errors else ""


def format_report(r: TrainReport) -> str:
    out = [f"model written to {r.model_dir} ({r.seconds:.1f} s)"]
    out.append(f"dumps: {r.files} read, {len(r.errors)} unreadable; posts with post tags: {r.posts_with_tags}")
    out.append(f"sections: {r.sections_tagged} closed by a tag line, {r.sections_untagged} without")
    out.append("blocks by weak label: " + ", ".join(f"{k} {v}" for k, v in sorted(r.blocks_by_label.items())))
    for level, kept in (("section", r.section_tags), ("post", r.post_tags)):
        shown = ", ".join(f"{t} {c}" for t, c in kept.items()) or "none"
        out.append(f"{level} tags kept ({len(kept)}): {shown}")
        dropped = r.left_out.get(level, {})
        if dropped:
            out.append(
                f"{level} tags left out, fewer examples than needed ({len(dropped)}): "
                + ", ".join(f"{t} {c}" for t, c in dropped.items())
            )
        rare = [t for t, c in kept.items() if c <= RARE]
        if rare:
            out.append(f"{level} tags that are rare ({len(rare)}, {RARE} examples or fewer: suggested through their "
                       "nearest sections and their names): " + ", ".join(rare))
    if r.heldout:
        out.append(f"held-out scores on {r.heldout['posts']} posts (the model is then refit on all):")
        c: PRF = r.heldout["commentary_vs_weak"]
        out.append(f"  commentary vs weak labels: P {c.precision:.3f} R {c.recall:.3f} F1 {c.f1:.3f} (n={c.support})")
        for level in ("section_tags", "post_tags"):
            for at, s in r.heldout.get(level, {}).items():
                out.append(f"  {level.replace('_', ' ')} {at}: P {s.precision:.3f} R {s.recall:.3f} F1 {s.f1:.3f}")
    else:
        out.append("held-out scores: none (corpus too small or --holdout 0)")
    out += [f"note: {n}" for n in r.notes]
    out += [f"unreadable: {e}" for e in r.errors]
    return "\n".join(out)
