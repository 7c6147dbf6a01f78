"""``classifier eval``: how good is a model before its tags are trusted.

Splits by post (a dump is never on both sides), trains on one side, scores the other:
- tag suggestions, section and post level: precision, recall, F1 at k = 1, 3, 5, micro and macro, per-tag table;
- line labels: P/R/F1 of commentary and accuracy of all four labels, against gold files where they exist
  (``NAME.json`` beside ``NAME.txt``, or in ``--gold DIR``), otherwise against the weak labels;
- the same on marker-stripped copies of the test dumps (emoji, attribution lines and pic.twitter.com links
  removed, lines kept): what the model learned beyond the rules;
- baselines: most frequent tags, tag name found in the text, rules only for the line labels.
"""
from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from classifier.document import COMMENTARY, Dump
from classifier.outlets import Outlets
from classifier.parser import default_outlets, parse
from classifier.patterns import EMOJI_CLUSTER_RE, PIC_LINK_RE, attribution
from classifier.predictor import Predictor
from classifier.reading import ReadOptions
from classifier.render import pad
from classifier.segment import segment
from classifier.tokenize import Tokenizer
from training.metrics import PRF, binary_prf, per_tag, topk_macro, topk_micro
from training.train import Corpus, Progress, TrainParams, build_examples, fit_all, load_corpus, tag_counts

KS = (1, 3, 5)
TABLE_K = 3  # the k of the per-tag tables
GOLD_LABEL = {"W": "wire", "C": "commentary", "T": "tag", "M": "meta"}


class EvalError(Exception):
    pass


# --- splitting ---------------------------------------------------------------------------------------------
def fold_indices(n: int, k: int, seed: int = 0) -> list[list[int]]:
    """k disjoint groups of dump indices covering 0..n-1 (a dump is one post: never on both sides)."""
    if k < 2:
        raise EvalError("--folds needs at least 2")
    if n < k:
        raise EvalError(f"{k} folds need at least {k} dumps, the corpus has {n}")
    order = list(range(n))
    random.Random(seed).shuffle(order)
    return [sorted(order[i::k]) for i in range(k)]


# --- marker stripping ---------------------------------------------------------------------------------------
_LEFTOVER = "\ufe0e\ufe0f\u200d\u20e3"


def strip_markers(text: str) -> str:
    """Remove emoji, attribution lines and pic.twitter.com links; every line keeps its number (and break)."""
    out = []
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        end = line[len(body) :]
        if attribution(body):
            body = ""
        else:
            body = PIC_LINK_RE.sub("", EMOJI_CLUSTER_RE.sub("", body))
            body = body.translate({ord(c): None for c in _LEFTOVER})
        out.append(body + end)
    return "".join(out)


# --- references --------------------------------------------------------------------------------------------
def find_gold(dump_path: str, gold_dir: str | None) -> dict[str, Any] | None:
    p = Path(dump_path)
    candidates = [Path(gold_dir) / (p.stem + ".json")] if gold_dir else []
    candidates.append(p.with_suffix(".json"))
    for c in candidates:
        if c.is_file():
            try:
                gold = json.loads(c.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
                raise EvalError(f"{c}: unreadable gold file ({e})") from None
            check_gold(gold, c)
            return gold
    return None


def check_gold(gold: Any, where: Path) -> None:
    """A gold file in the shape of ../shared/gold, or EvalError saying what is wrong with it."""
    if not isinstance(gold, dict) or not isinstance(gold.get("lines"), dict):
        raise EvalError(f"{where}: a gold file needs a 'lines' object")
    for n, label in gold["lines"].items():
        if not (n.isascii() and n.isdigit() and int(n) >= 1):
            raise EvalError(f"{where}: line key {n!r} is not a line number (1, 2, …)")
        if label not in GOLD_LABEL:
            raise EvalError(f"{where}: line {n} has label {label!r}; labels are {', '.join(GOLD_LABEL)}")
    tags = gold.get("post_tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise EvalError(f"{where}: 'post_tags' should be a list of tag names")
    sections = gold.get("sections", [])
    if not isinstance(sections, list) or not all(isinstance(x, dict) for x in sections):
        raise EvalError(f"{where}: 'sections' should be a list of objects")


def reference_lines(dump: Dump, gold: dict[str, Any] | None) -> dict[int, str]:
    """Line number -> label: the gold file's, or the weak labels of the (freshly parsed) dump."""
    if gold is not None:
        return {int(n): GOLD_LABEL[v] for n, v in gold["lines"].items()}
    return dump.line_labels()


# --- accumulating ------------------------------------------------------------------------------------------
@dataclass
class Ranked:
    gold: list[set[str]] = field(default_factory=list)
    systems: dict[str, list[list[str]]] = field(default_factory=dict)

    def add(self, gold: set[str], **ranked: list[str]) -> None:
        self.gold.append(gold)
        for name, r in ranked.items():
            self.systems.setdefault(name, []).append(r)


@dataclass
class LineScores:
    gold: list[str] = field(default_factory=list)
    systems: dict[str, list[str]] = field(default_factory=dict)

    def add(self, ref: dict[int, str], **labels: dict[int, str]) -> None:
        lines = sorted(n for n in ref if all(n in lab for lab in labels.values()))
        self.gold += [ref[n] for n in lines]
        for name, lab in labels.items():
            self.systems.setdefault(name, []).extend(lab[n] for n in lines)

    def scores(self, name: str) -> dict[str, Any]:
        pred = self.systems.get(name, [])
        c = binary_prf([g == COMMENTARY for g in self.gold], [p == COMMENTARY for p in pred])
        acc = sum(g == p for g, p in zip(self.gold, pred)) / len(self.gold) if self.gold else 0.0
        return {"commentary": c, "accuracy": acc, "lines": len(self.gold)}


@dataclass
class EvalReport:
    split: str
    dumps_train: int
    dumps_test: int
    reference: str  # "gold" or "weak labels" (or a mix, with counts)
    sections: Ranked
    posts: Ranked
    lines: LineScores
    stripped: LineScores
    seconds: dict[str, float]
    peer: dict[str, Any] | None = None

    def tag_table(self, level: str) -> dict[str, dict[str, dict[str, PRF]]]:
        ranked = self.sections if level == "section" else self.posts
        return {
            name: {f"@{k}": {"micro": topk_micro(ranked.gold, r, k), "macro": topk_macro(ranked.gold, r, k)}
                   for k in KS}
            for name, r in ranked.systems.items()
        }

    def to_dict(self) -> dict[str, Any]:
        def prf(x: PRF) -> dict[str, float]:
            return {k: round(v, 4) if isinstance(v, float) else v for k, v in x.as_dict().items()}

        def lines(ls: LineScores) -> dict[str, Any]:
            out = {}
            for name in ls.systems:
                s = ls.scores(name)
                out[name] = {"commentary": prf(s["commentary"]), "accuracy": round(s["accuracy"], 4),
                             "lines": s["lines"]}
            return out

        tags = {}
        for level, ranked in (("section", self.sections), ("post", self.posts)):
            table = self.tag_table(level)
            tags[level] = {
                "examples": len(ranked.gold),
                "systems": {n: {k: {a: prf(v) for a, v in ks.items()} for k, ks in t.items()}
                            for n, t in table.items()},
                "per_tag": {t: prf(v) for t, v in per_tag(ranked.gold, ranked.systems.get("model", []),
                                                             TABLE_K).items()} if ranked.gold else {},
            }
        return {
            "split": self.split, "dumps_train": self.dumps_train, "dumps_test": self.dumps_test,
            "reference": self.reference, "tags": tags, "lines": lines(self.lines),
            "lines_marker_stripped": lines(self.stripped), "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
            "peer": self.peer,
        }


# --- running -----------------------------------------------------------------------------------------------
def evaluate(
    corpus_paths: Sequence[str],
    test_paths: Sequence[str] | None = None,
    folds: int = 5,
    params: TrainParams | None = None,
    gold_dir: str | None = None,
    outlets: Outlets | None = None,
    progress: Progress = lambda it, desc, total: it,
    peer: Callable[..., dict[str, Any]] | None = None,
    read: ReadOptions = ReadOptions(),
) -> EvalReport:
    params = params or TrainParams()
    outlets = outlets or default_outlets()
    tok = Tokenizer(params.split_mode, intern=True)
    t0 = time.perf_counter()
    train_corpus = load_corpus(list(corpus_paths), outlets, tok, progress, read=read)
    if not train_corpus.dumps:
        raise EvalError("no readable dump in " + ", ".join(corpus_paths))
    if test_paths:
        test_corpus = load_corpus(list(test_paths), outlets, tok, progress, read=read)
        if not test_corpus.dumps:
            raise EvalError("no readable dump in " + ", ".join(test_paths))
        splits = [(list(range(len(train_corpus.dumps))), list(range(len(test_corpus.dumps))))]
        split = f"train on {len(train_corpus.dumps)} dumps, test on {len(test_corpus.dumps)} others"
    else:
        test_corpus = train_corpus
        groups = fold_indices(len(train_corpus.dumps), folds, params.seed)
        splits = [([i for g in groups if g is not grp for i in g], grp) for grp in groups]
        split = f"{folds} folds over {len(train_corpus.dumps)} dumps, split by post"
    seconds = {"read_and_tokenize": time.perf_counter() - t0, "train": 0.0, "tag": 0.0}
    golds = [find_gold(d.path or "", gold_dir) for d in test_corpus.dumps]
    sections, posts, lines, stripped = Ranked(), Ranked(), LineScores(), LineScores()
    peer_runs: list[dict[str, Any]] = []
    for train_idx, test_idx in progress(splits, "training and scoring folds", len(splits)):
        t = time.perf_counter()
        ex = build_examples(train_corpus, train_idx)
        model, _, _ = fit_all(ex, params)
        seconds["train"] += time.perf_counter() - t
        sec_freq = _frequency(ex.sections.tags, model.section.classes if model.section else [])
        post_freq = _frequency(ex.posts.tags, model.post.classes if model.post else [])
        predictor = Predictor(model, outlets, tok)
        t = time.perf_counter()
        for i in test_idx:
            _score_dump(predictor, test_corpus, i, golds[i], outlets, sec_freq, post_freq,
                        sections, posts, lines, stripped)
        seconds["tag"] += time.perf_counter() - t
        if peer is not None:
            peer_runs.append(peer(train_corpus, train_idx, test_corpus, test_idx, params))
    n_gold = sum(g is not None for g in golds)
    n = len(test_corpus.dumps)
    if n_gold in (0, n):
        reference = "gold" if n_gold else "weak labels"
    else:
        reference = f"gold for {n_gold} of {n} dumps, weak labels for the rest"
    return EvalReport(split, len(train_corpus.dumps), n, reference, sections, posts, lines, stripped, seconds,
                      _merge_peer(peer_runs, sections, posts) if peer is not None else None)


def _frequency(tag_lists: list[list[str]], known: list[str]) -> list[str]:
    known_set = set(known)
    return [t for t, _ in tag_counts(tag_lists) if t in known_set]


def _score_dump(predictor: Predictor, corpus: Corpus, i: int, gold: dict[str, Any] | None, outlets: Outlets,
                sec_freq: list[str], post_freq: list[str], sections: Ranked, posts: Ranked,
                lines: LineScores, stripped: LineScores) -> None:
    original = corpus.dumps[i]
    dump = predictor.score(segment(original.text, original.path), corpus.tokens[i], top_k=max(KS))
    rules_only = parse(original.text, original.path, outlets)
    ref = reference_lines(rules_only, gold)
    lines.add(ref, model=dump.line_labels(), rules=rules_only.line_labels())
    for s in dump.sections:
        if s.tag_line is None or not s.existing:
            continue
        text = " ".join(b.text for b in dump.section_blocks(s) if b.is_text)
        sections.add({t.name for t in s.existing}, model=[x.tag for x in s.suggested], most_frequent=sec_freq[:5],
                     name_in_text=[t for t in sec_freq if t in text][:5])
    if dump.post.existing:
        text = " ".join(b.text for b in dump.blocks if b.is_text)
        posts.add({t.name for t in dump.post.existing}, model=[x.tag for x in dump.post.suggested],
                  most_frequent=post_freq[:5], name_in_text=[t for t in post_freq if t in text][:5])
    bare_text = strip_markers(original.text)
    bare = predictor.tag(bare_text, original.path, top_k=0)
    bare_rules = parse(bare_text, original.path, outlets)
    kept = {n for n in ref if n <= len(bare.lines) and not bare.lines[n - 1].blank}
    stripped.add({n: ref[n] for n in kept}, model=bare.line_labels(), rules=bare_rules.line_labels())


def _merge_peer(runs: list[dict[str, Any]], sections: Ranked, posts: Ranked) -> dict[str, Any]:
    if not runs or "error" in runs[0]:
        return runs[0] if runs else {"error": "no runs"}
    for level, ranked in (("section", sections), ("post", posts)):
        ranked.systems["fasttext"] = [r for run in runs for r in run[level]]
    return {"name": runs[0]["name"], "train_seconds": sum(r["train_seconds"] for r in runs),
            "predict_seconds": sum(r["predict_seconds"] for r in runs)}


# --- output ------------------------------------------------------------------------------------------------
def format_report(r: EvalReport) -> str:
    out = [f"eval: {r.split}", f"line labels scored against: {r.reference}"]
    for level, ranked in (("section", r.sections), ("post", r.posts)):
        out.append("")
        if not ranked.gold:
            out.append(f"{level} tags: no tagged {level}s in the test dumps")
            continue
        out.append(f"{level} tags: {len(ranked.gold)} tagged {level}s    P / R / F1, micro | macro F1")
        out.append(f"  {'system':<16}" + "".join(f"{'@' + str(k):>29}" for k in KS))
        for name, ks in r.tag_table(level).items():
            cells = "".join(
                f"   {v['micro'].precision:.2f} {v['micro'].recall:.2f} {v['micro'].f1:.2f} | {v['macro'].f1:.2f}     "
                for v in ks.values()
            )
            out.append(f"  {name:<16}{cells}")
        table = per_tag(ranked.gold, ranked.systems.get("model", []), TABLE_K)
        out.append(f"  per tag, model @{TABLE_K}:")
        out.append(f"    {pad('tag', 24)} support     P     R    F1")
        for t, s in sorted(table.items(), key=lambda kv: (-kv[1].support, kv[0])):
            out.append(f"    {pad(t, 24)} {s.support:7d} {s.precision:5.2f} {s.recall:5.2f} {s.f1:5.2f}")
    for title, ls in (("line labels", r.lines), ("line labels on marker-stripped copies", r.stripped)):
        out.append("")
        out.append(f"{title}: commentary P / R / F1, accuracy of all four labels")
        for name in ls.systems:
            s = ls.scores(name)
            c = s["commentary"]
            label = "rules + model" if name == "model" else "rules only"
            out.append(f"  {label:<16}  {c.precision:.3f} {c.recall:.3f} {c.f1:.3f}   accuracy {s['accuracy']:.3f}"
                       f"   ({s['lines']} lines, {c.support} commentary)")
    if r.peer is not None:
        out.append("")
        if "error" in r.peer:
            out.append(f"peer: {r.peer['error']}")
        else:
            out.append(f"peer {r.peer['name']}: train {r.peer['train_seconds']:.2f} s, predict "
                       f"{r.peer['predict_seconds']:.2f} s; ours: train {r.seconds['train']:.2f} s, "
                       f"tag {r.seconds['tag']:.2f} s (tags rows 'fasttext' above)")
    out.append("")
    out.append("time: " + ", ".join(f"{k} {v:.1f} s" for k, v in r.seconds.items()))
    return "\n".join(out)
