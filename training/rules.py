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
# Asserting and judging: how commentary ends its sentences.
ASSERTIVE_RE = re.compile(
    r"(?:だ|だろう|ではないか|じゃないか|のか|過ぎない|すぎない|違いない|のだ|ナンセンス|茶番|ではない|しかない)[。]?[」]?$"
    r"|[!！?？]+$"
)
SIGN_OFF_RE = re.compile("^\\s*\U0001F438")  # a frog opens the last line of an insert


def has_marker(text: str) -> bool:
    return has_emoji(text) or PIC_LINK_RE.search(text) is not None


def reports(text: str) -> bool:
    return WIRE_LEAD_RE.search(text) is not None or REPORTING_RE.search(text) is not None


# --- the rules ---------------------------------------------------------------------------------------------
@rule(weight=3.0)
def outlet_account(v: BlockView) -> Vote:
    """The embedded post this block belongs to was posted by a news outlet."""
    return WIRE if v.source and v.outlet else None


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


@rule(weight=1.0)
def assertive_ending(v: BlockView) -> Vote:
    """Ends asserting or judging: "…だ。", "…に過ぎない。", "…ではないか。", "!"."""
    return COMMENTARY if ASSERTIVE_RE.search(v.text.rstrip()) else None


@rule(weight=0.25)
def wire_prior(v: BlockView) -> Vote:
    """Most text in a clipping blog is news: the label when nothing else speaks."""
    return WIRE


# --- combining ---------------------------------------------------------------------------------------------
def combine(view: BlockView, rules: list[LabelingRule] | None = None) -> tuple[str, list[str], float]:
    """The weak label, the rules that voted for it, and the margin (commentary weight minus wire weight)."""
    weight = {WIRE: 0.0, COMMENTARY: 0.0}
    voters: dict[str, list[str]] = {WIRE: [], COMMENTARY: []}
    for r in RULES if rules is None else rules:
        vote = r.fn(view)
        if vote is not None:
            weight[vote] += r.weight
            voters[vote].append(r.name)
    margin = weight[COMMENTARY] - weight[WIRE]
    label = COMMENTARY if margin > 0 else WIRE
    return label, voters[label], margin


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


def label_dump(dump: Dump, outlets: Outlets) -> list[float]:
    """Set every block's weak label and rules; returns the rules' margin per block (0 for non-text blocks)."""
    margins: list[float] = []
    for b, v in zip(dump.blocks, views(dump, outlets)):
        if v is None:
            b.label = TAG_LABEL if b.kind == TAG else META
            b.rules = ["tag_line"] if b.kind == TAG else [f"{b.kind}_line"]
            margins.append(0.0)
            continue
        b.label, b.rules, margin = combine(v)
        margins.append(margin)
    return margins
