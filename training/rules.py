"""Labeling rules: small named functions that vote wire, commentary, or abstain on a text block.

Their weighted votes combine into one weak label per block. They follow FORMAT.md, strongest first: who posted
the embedded post the block belongs to, then markers (emoji, pic.twitter.com links), then register, then
position (a run of lines under a marked line). The trained commentary model learns the register from these
weak labels and may overrule them when it is confident (see classifier.predictor).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from classifier.document import ATTRIBUTION, CHROME, COMMENTARY, META, POST_TEXT, TAG, TAG_LABEL, WIRE, Dump
from classifier.outlets import Outlets
from classifier.patterns import EMOJI_RE, PIC_LINK_RE, has_emoji


@dataclass(frozen=True)
class BlockView:
    """What a rule sees of a text block."""

    text: str
    kind: str
    source: str | None
    source_name: str | None
    outlet: bool  # the source is a news outlet (False when there is no source)
    in_run: bool  # inside a run of lines opened by a marked commentary line above


Vote = str | None
RuleFn = Callable[[BlockView], Vote]


@dataclass(frozen=True)
class LabelingRule:
    name: str
    weight: float
    fn: RuleFn


RULES: list[LabelingRule] = []


def rule(weight: float) -> Callable[[RuleFn], RuleFn]:
    def register(fn: RuleFn) -> RuleFn:
        RULES.append(LabelingRule(fn.__name__, weight, fn))
        return fn

    return register


# --- register patterns -----------------------------------------------------------------------------------
# A wire lead: who, then the day ("…は29日、", "29日午後、"), near the start of the paragraph.
WIRE_LEAD_RE = re.compile(r"^[^。「」]{0,50}?(?:\d{1,2}|[０-９]{1,2})日(?:[、,]|午前|午後|夜|朝|未明|夕方|深夜|に(?!本))")
# Reporting verbs and hearsay endings: the wire reports what someone said or did.
REPORTING_RE = re.compile(
    r"(?:と|を|に|が)(?:述べ|発表し|明らかにし|語っ|指摘し|強調し|表明し|報じ|伝え|説明し|批判し|非難し|警告し|訴え|"
    r"明言し|言明し|話し|確認し|公表し|示し|分析し|主張し|否定し|求め)(?:た|ました|ている|ています)。"
    r"|ということです。|としています。|としている。|と報じた。|によりますと|によると、|関係者によると"
)
# Asserting, judging and asking: how commentary ends its sentences (any sentence of the block, quotes aside).
# The block ends with "!" or "?" (and maybe a closing quote): one such character before the end is enough to
# look for. "[!！?？]+」?$" would say the same, but searched from every "!" of a long run it reads the rest of the
# run each time: quadratic in the run.
ASSERTIVE_RE = re.compile(
    r"(?:か|だ|だろう|のだ|ではないか|過ぎない|すぎない|違いない|らしい|他ならない|はずがない|しかない|ではない)。"
    r"|(?:ナンセンス|茶番)だ?。?$|[!！?？]」?$"
)
# Plain "…だ。" endings that wire copy uses too: plans, reasons, outlooks, and past tenses in "んだ".
WIRE_DA_RE = re.compile(r"(?:予定|ため|方針|見通し|意向|考え|見込み|模様|もよう|構え|狙い|初めて|[^な]ん)だ。")
# Quoted speech is someone else's voice: a wire report may quote an assertion.
QUOTE_RE = re.compile(r"「[^「」]*」|『[^『』]*』|“[^“”]*”")
SIGN_OFF_RE = re.compile("^\\s*+\U0001F438")  # a frog opens the last line of an insert


def has_marker(text: str) -> bool:
    return has_emoji(text) or PIC_LINK_RE.search(text) is not None


def reports(text: str) -> bool:
    return WIRE_LEAD_RE.search(text) is not None or REPORTING_RE.search(text) is not None


MAX_QUOTE_DEPTH = 8  # real quotes nest two or three deep; a scraped page full of brackets must not stall us


def unquoted(text: str) -> str:
    """The text with every quotation emptied, innermost first: "外相は「米国は『敵』だ」と述べた" -> "外相は〈〉と述べた"."""
    for _ in range(MAX_QUOTE_DEPTH):
        emptied = QUOTE_RE.sub("〈〉", text)
        if emptied == text:
            break
        text = emptied
    return text


def asserts(text: str) -> bool:
    return ASSERTIVE_RE.search(WIRE_DA_RE.sub("。", unquoted(text.rstrip()))) is not None


# --- the rules ---------------------------------------------------------------------------------------------
@rule(weight=3.0)
def outlet_post(v: BlockView) -> Vote:
    """The text of an embedded post by a news outlet."""
    return WIRE if v.kind == POST_TEXT and v.source and v.outlet else None


@rule(weight=1.5)
def outlet_clip(v: BlockView) -> Vote:
    """A paragraph under a news outlet's embedded post (weaker: an opinion paragraph may be pasted under it)."""
    return WIRE if v.kind != POST_TEXT and v.source and v.outlet else None


@rule(weight=3.0)
def opinion_account(v: BlockView) -> Vote:
    """Posted by an account that is not a news outlet and shows emoji in its display name."""
    return COMMENTARY if v.source and not v.outlet and has_emoji(v.source_name or "") else None


@rule(weight=1.5)
def other_account(v: BlockView) -> Vote:
    """Posted by an account that is not on the outlet list (weaker: the list may miss an outlet)."""
    return COMMENTARY if v.source and not v.outlet and not has_emoji(v.source_name or "") else None


@rule(weight=2.0)
def emoji_marker(v: BlockView) -> Vote:
    """Flags, animals, 🗣️, 🔸, ⚠️, 🐸: the markers of opinion channels."""
    return COMMENTARY if EMOJI_RE.search(v.text) else None


@rule(weight=2.0)
def picture_link(v: BlockView) -> Vote:
    """A pic.twitter.com link: a post copied from X with its picture, typical of inserts."""
    return COMMENTARY if PIC_LINK_RE.search(v.text) else None


@rule(weight=1.5)
def commentary_run(v: BlockView) -> Vote:
    """An unmarked paragraph under a marked commentary line, before any wire lead or boundary."""
    return COMMENTARY if v.in_run else None


@rule(weight=1.25)
def wire_lead(v: BlockView) -> Vote:
    """Opens like a news report: who, then the day ("…は29日、")."""
    return WIRE if WIRE_LEAD_RE.search(v.text) else None


@rule(weight=1.0)
def reporting_verb(v: BlockView) -> Vote:
    """Reports what was said or done: "…と述べた。", "…と発表しました。", "…ということです。"."""
    return WIRE if REPORTING_RE.search(v.text) else None


@rule(weight=2.0)
def assertive_ending(v: BlockView) -> Vote:
    """A sentence asserts, judges or asks outside quotes: "…だ。", "…に過ぎない。", "…だろうか。", "!"."""
    return COMMENTARY if asserts(v.text) else None


PRIOR = "wire_prior"


@rule(weight=0.25)
def wire_prior(v: BlockView) -> Vote:
    """Most text in a clipping blog is news: the label when nothing else speaks."""
    return WIRE


# --- combining ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Verdict:
    label: str
    rules: list[str]  # the rules that voted for the label
    margin: float  # commentary weight minus wire weight
    conflict: bool  # rules other than the prior voted on both sides

    @property
    def confidence(self) -> float:
        """How far training may trust the label: 0 when the rules disagree."""
        return 0.0 if self.conflict else abs(self.margin)


def combine(view: BlockView, rules: list[LabelingRule] | None = None) -> Verdict:
    weight = {WIRE: 0.0, COMMENTARY: 0.0}
    voters: dict[str, list[str]] = {WIRE: [], COMMENTARY: []}
    for r in RULES if rules is None else rules:
        vote = r.fn(view)
        if vote is not None:
            weight[vote] += r.weight
            voters[vote].append(r.name)
    margin = weight[COMMENTARY] - weight[WIRE]
    label = COMMENTARY if margin > 0 else WIRE
    conflict = bool(voters[COMMENTARY]) and any(n != PRIOR for n in voters[WIRE])
    return Verdict(label, voters[label], margin, conflict)


def commentary_runs(dump: Dump, outlets: Outlets) -> list[bool]:
    """For each block: does it stand in a run of commentary opened by a marked line above it?

    A run opens at a marked line that no outlet posted and goes on over unmarked paragraphs until a boundary
    (tag, chrome, embedded post), an outlet's clip, a paragraph that reports like a wire, or after a 🐸 sign-off.
    """
    flags = [False] * len(dump.blocks)
    open_run = False
    for k, b in enumerate(dump.blocks):
        if b.kind in (TAG, CHROME, ATTRIBUTION, POST_TEXT) or (b.source and outlets.is_outlet(b.source, b.source_name)):
            open_run = False
            continue
        if has_marker(b.text):
            open_run = not SIGN_OFF_RE.match(b.text)
        elif open_run and not reports(b.text):
            flags[k] = True
        else:
            open_run = False
    return flags


def views(dump: Dump, outlets: Outlets) -> list[BlockView | None]:
    """A view of every text block (None for tag, attribution and chrome blocks)."""
    runs = commentary_runs(dump, outlets)
    out: list[BlockView | None] = []
    for b, in_run in zip(dump.blocks, runs):
        if not b.is_text:
            out.append(None)
            continue
        outlet = bool(b.source) and outlets.is_outlet(b.source, b.source_name)
        out.append(BlockView(b.text, b.kind, b.source, b.source_name, outlet, in_run))
    return out


def label_dump(dump: Dump, outlets: Outlets) -> list[Verdict | None]:
    """Set every block's weak label and rules; returns each text block's verdict (None for the other blocks)."""
    verdicts: list[Verdict | None] = []
    for b, v in zip(dump.blocks, views(dump, outlets)):
        if v is None:
            b.label = TAG_LABEL if b.kind == TAG else META
            b.rules = ["tag_line"] if b.kind == TAG else [f"{b.kind}_line"]
            verdicts.append(None)
            continue
        verdict = combine(v)
        b.label, b.rules = verdict.label, list(verdict.rules)
        verdicts.append(verdict)
    return verdicts
