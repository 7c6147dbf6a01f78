"""``classifier labels CORPUS``: how far to trust the weak labels.

For each labeling rule, over the text blocks of a corpus:
- coverage: the share of blocks it votes on (and how many for wire, how many for commentary);
- overlap: the share of its votes where another rule also votes;
- conflicts: the share of its votes where another rule votes the other way;
- its weight: the prior (hand-set) and, with a model, the one the label model learned from the archive;
- agreement with the trained model: the share of its votes that the commentary model's own verdict shares.
With a model, the accounts it learned a reputation for: the most wire-like and most commentary-like, with counts.
Then the tag vocabulary with counts by level (section, post), and tags that look like variants of each other:
the same name but for width (NFKC) or case, the same normalized Sudachi words, or one or two edits apart.
"""
from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from classifier.commentary import judge_from_meta
from classifier.document import COMMENTARY, WIRE
from classifier.model_io import Model
from classifier.outlets import Outlets
from classifier.parser import default_outlets
from classifier.predictor import Predictor
from classifier.reading import ReadOptions
from classifier.render import pad
from classifier.rules import RULES, views, vote_row
from classifier.tokenize import Tokenizer, name_key
from training.train import Progress, load_corpus


@dataclass
class RuleStats:
    name: str
    weight: float  # the prior
    learned: float | None = None  # the label model's weight, with a model
    votes: Counter = field(default_factory=Counter)  # label -> blocks
    overlap: int = 0
    conflicts: int = 0
    agree: int = 0  # with the model
    judged: int = 0  # votes the model was asked about

    def to_dict(self, blocks: int) -> dict[str, Any]:
        n = sum(self.votes.values())
        return {
            "rule": self.name, "weight": self.weight, "learned_weight": self.learned, "votes": n,
            "wire": self.votes[WIRE],
            "commentary": self.votes[COMMENTARY], "coverage": _ratio(n, blocks), "overlap": _ratio(self.overlap, n),
            "conflicts": _ratio(self.conflicts, n),
            "model_agreement": _ratio(self.agree, self.judged) if self.judged else None,
        }


@dataclass
class LabelsReport:
    dumps: int
    blocks: int
    rules: list[RuleStats]
    tags: dict[str, Counter]
    variants: list[tuple[str, str, str]]  # (tag, tag, why)
    model: str | None
    errors: list[str]
    accounts: list[dict[str, Any]] = field(default_factory=list)  # learned reputations, most wire-like first

    def to_dict(self) -> dict[str, Any]:
        return {
            "dumps": self.dumps, "text_blocks": self.blocks, "model": self.model,
            "rules": [r.to_dict(self.blocks) for r in self.rules],
            "tags": {level: dict(_ranked(c)) for level, c in self.tags.items()},
            "variants": [{"tags": [a, b], "why": why} for a, b, why in self.variants],
            "accounts": self.accounts,
            "unreadable": self.errors,
        }


ACCOUNTS_SHOWN = 10  # most wire-like and most commentary-like accounts listed in the text report


def _ranked(counts: Counter) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def _ratio(a: int, b: int) -> float:
    return round(a / b, 4) if b else 0.0


def build_report(paths: Sequence[str], model: Model | None = None, model_name: str | None = None,
                 outlets: Outlets | None = None, progress: Progress = lambda it, d, t: it,
                 read: ReadOptions = ReadOptions()) -> LabelsReport:
    outlets = outlets or default_outlets()
    tok = Tokenizer()
    corpus = load_corpus(list(paths), outlets, tok, progress, keep_text=True, read=read)
    judge = judge_from_meta(model.meta) if model else None
    learned = judge.label_model.weights if judge else {}
    stats = {r.name: RuleStats(r.name, r.weight if r.votes == COMMENTARY else -r.weight, learned.get(r.name))
             for r in RULES}
    blocks = 0
    predictor = Predictor(model) if model else None
    for dump, tokens in zip(corpus.dumps, corpus.tokens):
        block_views = views(dump, outlets, judge.reputation_scores() if judge else None)
        verdicts = {}
        if predictor is not None:
            judged = predictor.score(dump, tokens, top_k=0)
            verdicts = {k: b.label for k, b in enumerate(judged.blocks) if b.is_text}
        for k, v in enumerate(block_views):
            if v is None:
                continue
            blocks += 1
            votes = vote_row(v)
            for name, vote in votes.items():
                s = stats[name]
                s.votes[vote] += 1
                others = {n: x for n, x in votes.items() if n != name}
                s.overlap += bool(others)
                s.conflicts += any(x != vote for x in others.values())
                if k in verdicts:
                    s.judged += 1
                    s.agree += verdicts[k] == vote
    tags = {"section": Counter(), "post": Counter()}
    for dump in corpus.dumps:
        for s in dump.sections:
            if s.tag_line is not None:
                tags["section"].update({t.name for t in s.existing})
        tags["post"].update({t.name for t in dump.post.existing})
    names = sorted(set(tags["section"]) | set(tags["post"]))
    return LabelsReport(len(corpus.dumps), blocks, list(stats.values()), tags, tag_variants(names, tok), model_name,
                        corpus.errors, accounts(judge.reputation if judge else {}))


def accounts(reputation: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The accounts with a learned reputation, most wire-like first (ties by name)."""
    rows = [{"handle": h, **r} for h, r in reputation.items()]
    return sorted(rows, key=lambda r: (r["score"], r["handle"]))


# --- tag variants ------------------------------------------------------------------------------------------
def tag_variants(names: Sequence[str], tok: Tokenizer | None = None) -> list[tuple[str, str, str]]:
    """Pairs of tag names that look like one tag written two ways, with the reason.

    Only candidate pairs are compared: names that share a key (width, case, Sudachi words) or a string left
    after deleting up to two characters (two names within two edits always share one), so thousands of tags
    cost about as much as their number, not its square."""
    tok = tok or Tokenizer()
    names = sorted(set(names))
    keys = {n: (unicodedata.normalize("NFKC", n), unicodedata.normalize("NFKC", n).casefold(), name_key(tok, n))
            for n in names}
    candidates: set[tuple[str, str]] = set()
    for group in (_groups(names, lambda n, i=i: (keys[n][i],)) for i in range(3)):
        candidates |= group
    candidates |= _groups(names, lambda n: _deletions(keys[n][1], 2) if len(keys[n][1]) >= 3 else ())
    out: list[tuple[str, str, str]] = []
    for a, b in sorted(candidates):
        (wa, ca, sa), (wb, cb, sb) = keys[a], keys[b]
        if wa == wb:
            out.append((a, b, "width"))
        elif ca == cb:
            out.append((a, b, "case"))
        elif sa == sb:
            out.append((a, b, "spelling (the same normalized words)"))
        elif (d := _edits(ca, cb, 2)) <= (1 if min(len(ca), len(cb)) < 6 else 2) and min(len(ca), len(cb)) >= 3:
            out.append((a, b, f"spelling ({d} edit{'s' if d > 1 else ''} apart)"))
    return out


def _groups(names: Sequence[str], keys_of) -> set[tuple[str, str]]:
    """Pairs (in name order) of names that share at least one key."""
    by_key: dict[Any, list[str]] = {}
    for n in names:
        for k in keys_of(n):
            by_key.setdefault(k, []).append(n)
    pairs: set[tuple[str, str]] = set()
    for members in by_key.values():
        members = sorted(set(members))
        pairs.update((a, b) for i, a in enumerate(members) for b in members[i + 1 :])
    return pairs


def _deletions(s: str, k: int) -> set[str]:
    """``s`` and every string made from it by deleting up to ``k`` characters."""
    out, frontier = {s}, {s}
    for _ in range(k):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        out |= frontier
    return out


def _edits(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, or limit + 1 when it exceeds limit.

    Only the cells within ``limit`` of the diagonal are computed: reaching any other costs more than ``limit``
    edits. Two tag names of 100,000 characters are compared in a few hundred thousand steps, not 10^10.
    """
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    over = limit + 1
    prev = {j: j for j in range(min(len(b), limit) + 1)}  # row 0, in the band; cells left out count as over
    for i, ca in enumerate(a, 1):
        cur: dict[int, int] = {}
        for j in range(max(0, i - limit), min(len(b), i + limit) + 1):
            if j == 0:
                cur[j] = i
                continue
            cost = prev.get(j - 1, over) + (ca != b[j - 1])
            cur[j] = min(prev.get(j, over) + 1, cur.get(j - 1, over) + 1, cost, over)
        if min(cur.values()) > limit:
            return over
        prev = cur
    return min(prev.get(len(b), over), over)


# --- output ------------------------------------------------------------------------------------------------
def format_report(r: LabelsReport) -> str:
    out = [f"weak labels over {r.dumps} dumps, {r.blocks} text blocks"
           + (f"; model: {r.model}" if r.model else "; no model (agreement needs one: classifier train)")]
    out.append("")
    out.append("  weights in log-odds of commentary: the hand-set prior and what the label model learned")
    out.append(f"  {pad('rule', 22)} prior learned   votes   wire  comm.  coverage  overlap  conflicts  model agrees")
    for s in r.rules:
        d = s.to_dict(r.blocks)
        agree = f"{d['model_agreement']:.3f}" if d["model_agreement"] is not None else "-"
        learned = f"{s.learned:7.2f}" if s.learned is not None else "      -"
        out.append(f"  {pad(s.name, 22)} {s.weight:5.2f} {learned} {d['votes']:7d} {d['wire']:6d} {d['commentary']:6d}"
                   f"  {d['coverage']:8.3f} {d['overlap']:8.3f} {d['conflicts']:10.3f}  {agree:>12}")
    if r.accounts:
        out.append("")
        out.append(f"accounts the model learned a reputation for ({len(r.accounts)}; 0 reads like wire, 1 like "
                   "commentary; blocks and posts seen in the training archive):")
        shown = r.accounts if len(r.accounts) <= 2 * ACCOUNTS_SHOWN else (
            r.accounts[:ACCOUNTS_SHOWN] + [None] + r.accounts[-ACCOUNTS_SHOWN:])
        for a in shown:
            if a is None:
                out.append("  …")
                continue
            names = ", ".join(a.get("names", [])[:2])
            out.append(f"  {a['score']:.2f}  @{a['handle']:<24} {a['blocks']:5d} blocks {a['posts']:4d} posts  {names}")
    for level, counts in r.tags.items():
        out.append("")
        out.append(f"{level} tags ({len(counts)}): " + (", ".join(f"{t} {c}" for t, c in _ranked(counts))
                                                         or "none"))
    out.append("")
    if r.variants:
        out.append("tags that look like variants of each other:")
        out += [f"  {a}  ~  {b}   ({why})" for a, b, why in r.variants]
    else:
        out.append("tags that look like variants of each other: none")
    out += [f"unreadable: {e}" for e in r.errors]
    return "\n".join(out)
