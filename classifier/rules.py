"""Labeling rules: small named functions that vote wire, commentary, or abstain on a text block.

They follow FORMAT.md, strongest first: who posted the embedded post the block belongs to (an account on the
outlet list, a display name with emoji or a news word, the account's reputation learned from the archive), then
markers (emoji, pic.twitter.com links), then register (wire leads and reporting verbs; assertions, questions,
readers addressed, requests, opinions in です/ます), then position (a run of lines under a marked line).

What each vote is worth is not set here: the label model (classifier/label_model.py) learns every rule's
accuracy from the archive. The weights below are only its prior, and what `parse` uses when there is no model.
An account on no list is judged by its reputation and its text, never condemned by its absence from the list.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import repeat
from typing import Callable

import numpy as np

from .document import ATTRIBUTION, CHROME, COMMENTARY, META, POST_TEXT, TAG, TAG_LABEL, WIRE, Dump
from .label_model import LabelModel, logit, prior_model
from .outlets import Outlets
from .patterns import EMOJI_RE, PIC_LINK_RE, has_emoji


@dataclass(slots=True)  # not frozen: made once a block, and frozen init costs 4 times more
class BlockView:
    """What a rule sees of a text block."""

    text: str
    kind: str
    source: str | None = None
    source_name: str | None = None
    listed: bool = False  # the source is an outlet by the outlet list's handles
    news_name: bool = False  # the source's display name carries a news word (and no emoji)
    reputation: float | None = None  # the source's learned reputation, 0 wire-like .. 1 commentary-like
    in_run: bool = False  # inside a run of lines opened by a marked commentary line above
    bare: str | None = None  # the text with its quotations emptied (made once for all the rules that need it)
    found: Cues | None = None  # what the shared patterns find in the text (made once, see Cues)

    @property
    def unquoted(self) -> str:
        return self.bare if self.bare is not None else unquoted(self.text)

    @property
    def cues(self) -> Cues:
        return self.found if self.found is not None else Cues.of(self.text)


@dataclass(slots=True)
class Cues:
    """What the patterns several rules share find in a block's text, looked for once a block."""

    emoji: bool
    picture: bool
    lead: bool  # a wire lead ("…は29日、")
    reporting: bool  # a reporting verb or hearsay ending

    @classmethod
    def of(cls, text: str) -> "Cues":
        picture = "/" in text and PIC_LINK_RE.search(text) is not None  # most blocks have no "/" to look from
        return cls(EMOJI_RE.search(text) is not None, picture, has_wire_lead(text), reports_like(text))

    @property
    def marked(self) -> bool:
        return self.emoji or self.picture


Vote = str | None
RuleFn = Callable[[BlockView], Vote]


@dataclass(frozen=True)
class LabelingRule:
    name: str
    votes: str  # the one label it votes for
    weight: float  # the prior of its worth in log-odds; the label model learns the actual one
    fn: RuleFn
    account: bool = False  # it reads the block's account only: it abstains on a block without one


RULES: list[LabelingRule] = []


def rule(votes: str, weight: float, account: bool = False) -> Callable[[RuleFn], RuleFn]:
    def register(fn: RuleFn) -> RuleFn:
        RULES.append(LabelingRule(fn.__name__, votes, weight, fn, account))
        return fn

    return register


# --- register patterns -----------------------------------------------------------------------------------
# A wire lead: who, then the day ("…は29日、", "29日午後、"), near the start of the paragraph.
WIRE_LEAD_RE = re.compile(r"^[^。「」]{0,50}?(?:\d{1,2}|[０-９]{1,2})日(?:[、,]|午前|午後|夜|朝|未明|夕方|深夜|に(?!本))")
# WIRE_LEAD_RE's "日" stands within its first this many characters: a block without one there is no lead.
_LEAD_DAY_CHARS = 53  # up to 50 characters, two digits, then 日


def has_wire_lead(text: str) -> bool:
    """WIRE_LEAD_RE's verdict; the lazy prefix is tried at every position up to 50, so a cheap look for its "日"
    first settles most blocks."""
    return text.find("日", 0, _LEAD_DAY_CHARS) >= 0 and WIRE_LEAD_RE.search(text) is not None


# Reporting verbs and hearsay endings: the wire reports what someone said or did.
# Written once, read two ways below: the whole-text patterns say what a rule means (the tests hold the fast
# readings to them), the patterns before a full stop are what runs.
_REPORTED = (r"(?:と|を|に|が)(?:述べ|発表し|明らかにし|語っ|指摘し|強調し|表明し|報じ|伝え|説明し|批判し|非難し|"
             r"警告し|訴え|明言し|言明し|話し|確認し|公表し|示し|分析し|主張し|否定し|求め)(?:た|ました|ている|ています)"
             r"|ということです|としています|としている|と報じた")
_REPORT_ANYWHERE = ("によりますと", "によると、", "関係者によると")
_ASSERTED = r"か|だ|だろう|のだ|ではないか|過ぎない|すぎない|違いない|らしい|他ならない|はずがない|しかない|ではない"
_ASSERTED_AT_END = r"(?:ナンセンス|茶番)だ?。?|[!！?？]」?"
REPORTING_RE = re.compile(f"(?:{_REPORTED})。|" + "|".join(_REPORT_ANYWHERE))
# Asserting, judging and asking: how commentary ends its sentences (any sentence of the block, quotes aside).
# The block ends with "!" or "?" (and maybe a closing quote): one such character before the end is enough to
# look for. "[!！?？]+」?$" would say the same, but searched from every "!" of a long run it reads the rest of the
# run each time: quadratic in the run.
ASSERTIVE_RE = re.compile(f"(?:{_ASSERTED})。|(?:{_ASSERTED_AT_END})$")
# Plain "…だ。" endings that wire copy uses too: plans, reasons, outlooks, and past tenses in "んだ".
WIRE_DA_RE = re.compile(r"(?:予定|ため|方針|見通し|意向|考え|見込み|模様|もよう|構え|狙い|初めて|[^な]ん)だ。")
# The same patterns read at each full stop only (a block has a few; searching the whole block tries every branch
# at every character): what must stand just before a "。", and what may stand anywhere.
_REPORT_BEFORE_STOP = re.compile(f"(?:{_REPORTED})$")
_ASSERT_BEFORE_STOP = re.compile(f"(?:{_ASSERTED})$")
_ASSERT_AT_END = re.compile(f"(?:{_ASSERTED_AT_END})$")
_BEFORE_STOP_CHARS = 16  # longer than any ending the patterns above look for
# Quoted speech is someone else's voice: a wire report may quote an assertion.
QUOTE_RE = re.compile(r"「[^「」]*」|『[^『』]*』|“[^“”]*”")
SIGN_OFF_RE = re.compile("^\\s*+\U0001F438")  # a frog opens the last line of an insert
# Speaking to the reader: addressing them, asking them to do something. Wire copy never does.
READER_RE = re.compile(r"皆さん|皆様|みなさん|読者|あなた(?:方|たち|が|は|も|に)")
REQUEST_RE = re.compile(r"(?:て|で)(?:ください|下さい|欲しい|ほしい)|ご覧ください|ましょう[。!！]|しよう[。!！]")
# An opinion in です/ます: guessing, judging, feeling. NHK's reports use です/ます too, but report, not opine.
POLITE_OPINION_RE = re.compile(
    r"(?:でしょう|ではないでしょうか|のでしょうか|ないでしょうか|だと思います|と思います|と考えます|べきです|"
    r"に過ぎません|にすぎません|ほかなりません|ありません[かね]|ですね|ですよ|ません[よね]|のです)[。!！?？]"
)




MAX_QUOTE_DEPTH = 8  # real quotes nest two or three deep; a scraped page full of brackets must not stall us


def unquoted(text: str) -> str:
    """The text with every quotation emptied, innermost first: "外相は「米国は『敵』だ」と述べた" -> "外相は〈〉と述べた"."""
    if "」" not in text and "』" not in text and "”" not in text:  # most paragraphs quote nobody
        return text
    for _ in range(MAX_QUOTE_DEPTH):
        emptied = QUOTE_RE.sub("〈〉", text)
        if emptied == text:
            break
        text = emptied
    return text


def asserts(text: str, bare: str | None = None) -> bool:
    """Does a sentence assert, judge or ask, outside quotes? (``bare``: the text already unquoted.)
    What ASSERTIVE_RE finds in the text with WIRE_DA_RE's idioms removed, read at each full stop."""
    s = (unquoted(text) if bare is None else bare).rstrip()
    if "だ。" in s:
        s = WIRE_DA_RE.sub("。", s)
    if _ASSERT_AT_END.search(s, max(0, len(s) - _BEFORE_STOP_CHARS)):
        return True
    return _before_a_stop(s, _ASSERT_BEFORE_STOP)


def reports_like(text: str) -> bool:
    """REPORTING_RE's verdict, read at each full stop."""
    return _has_any(text, _REPORT_ANYWHERE) or _before_a_stop(text, _REPORT_BEFORE_STOP)


def _before_a_stop(text: str, pattern: re.Pattern[str]) -> bool:
    """Does ``pattern`` (anchored with $) match just before one of the text's "。"?"""
    i = text.find("。")
    while i >= 0:
        if pattern.search(text, max(0, i - _BEFORE_STOP_CHARS), i):
            return True
        i = text.find("。", i + 1)
    return False


# --- the rules ---------------------------------------------------------------------------------------------
@rule(WIRE, weight=3.0, account=True)
def outlet_post(v: BlockView) -> Vote:
    """The text of an embedded post by an account on the outlet list."""
    return WIRE if v.kind == POST_TEXT and v.listed else None


@rule(WIRE, weight=1.5, account=True)
def outlet_clip(v: BlockView) -> Vote:
    """A paragraph under a listed outlet's embedded post (weaker: an opinion paragraph may be pasted under it)."""
    return WIRE if v.kind != POST_TEXT and v.listed else None


@rule(WIRE, weight=1.0, account=True)
def news_name(v: BlockView) -> Vote:
    """Posted by an account whose display name carries a news word ("新聞", "News"): a hint, since opinion
    accounts name themselves "… News" too."""
    return WIRE if v.news_name and not v.listed else None


@rule(COMMENTARY, weight=3.0, account=True)
def opinion_account(v: BlockView) -> Vote:
    """Posted by an account that is not on the list and shows emoji in its display name."""
    return COMMENTARY if v.source and not v.listed and has_emoji(v.source_name or "") else None


REPUTATION_WIRE, REPUTATION_COMMENTARY = 0.35, 0.65


@rule(WIRE, weight=3.0, account=True)
def wire_reputation(v: BlockView) -> Vote:
    """The text of an embedded post by an account whose clips read like wire copy across the archive."""
    return WIRE if v.kind == POST_TEXT and v.reputation is not None and v.reputation <= REPUTATION_WIRE else None


@rule(WIRE, weight=1.5, account=True)
def wire_reputation_clip(v: BlockView) -> Vote:
    """A paragraph under such an account's post (weaker: an opinion paragraph may be pasted under it)."""
    return WIRE if v.kind != POST_TEXT and v.reputation is not None and v.reputation <= REPUTATION_WIRE else None


@rule(COMMENTARY, weight=2.0, account=True)
def commentary_reputation(v: BlockView) -> Vote:
    """Posted by an account whose clips read like commentary across the archive."""
    return COMMENTARY if v.reputation is not None and v.reputation >= REPUTATION_COMMENTARY else None


@rule(COMMENTARY, weight=2.0)
def emoji_marker(v: BlockView) -> Vote:
    """Flags, animals, 🗣️, 🔸, ⚠️, 🐸: the markers of opinion channels."""
    return COMMENTARY if v.cues.emoji else None


@rule(COMMENTARY, weight=2.0)
def picture_link(v: BlockView) -> Vote:
    """A pic.twitter.com link: a post copied from X with its picture, typical of inserts."""
    return COMMENTARY if v.cues.picture else None


@rule(COMMENTARY, weight=1.5)
def commentary_run(v: BlockView) -> Vote:
    """An unmarked paragraph under a marked commentary line, before any wire lead or boundary."""
    return COMMENTARY if v.in_run else None


# The heads broadcasters and papers open their posts with; opinion accounts head theirs with other words.
NEWS_HEAD_RE = re.compile(
    r"^\s*+【(?:速報|随時更新|独自|解説|詳報|中継|動画|ライブ|LIVE|号外|続報|更新|特集)[^】]{0,8}】"
)


@rule(WIRE, weight=1.5)
def news_head(v: BlockView) -> Vote:
    """An embedded post headed like a news report ("【速報】", "【随時更新】", "【解説】"); its other lines share
    the post's verdict."""
    return WIRE if v.kind == POST_TEXT and NEWS_HEAD_RE.match(v.text) else None


@rule(WIRE, weight=1.25)
def wire_lead(v: BlockView) -> Vote:
    """Opens like a news report: who, then the day ("…は29日、")."""
    return WIRE if v.cues.lead else None


@rule(WIRE, weight=1.0)
def reporting_verb(v: BlockView) -> Vote:
    """Reports what was said or done: "…と述べた。", "…と発表しました。", "…ということです。"."""
    return WIRE if v.cues.reporting else None


@rule(COMMENTARY, weight=2.0)
def assertive_ending(v: BlockView) -> Vote:
    """A sentence asserts, judges or asks outside quotes: "…だ。", "…に過ぎない。", "…だろうか。", "!"."""
    return COMMENTARY if asserts(v.text, v.unquoted) else None


@rule(COMMENTARY, weight=1.5)
def reader_address(v: BlockView) -> Vote:
    """Speaks to the reader, outside quotes: "皆さん", "読者の…", "…てください", "ご覧ください"."""
    bare = v.unquoted
    return COMMENTARY if READER_RE.search(bare) or requests(bare) else None


# Every request has one of these: a cheap look settles the blocks without one before REQUEST_RE is tried.
_REQUEST_WORDS = ("さい", "しい", "しょう", "しよう")
# Every polite opinion has one of these (でしょう, 思います, べきです, ません, ...).
_POLITE_WORDS = ("です", "ます", "ません", "しょう")


def requests(text: str) -> bool:
    """REQUEST_RE's verdict."""
    return _has_any(text, _REQUEST_WORDS) and REQUEST_RE.search(text) is not None


def opines_politely(text: str) -> bool:
    """POLITE_OPINION_RE's verdict."""
    return _has_any(text, _POLITE_WORDS) and POLITE_OPINION_RE.search(text) is not None


def _has_any(text: str, words: tuple[str, ...]) -> bool:
    for w in words:  # a loop, not any() over a generator: this runs on every block
        if w in text:
            return True
    return False


@rule(COMMENTARY, weight=1.5)
def polite_opinion(v: BlockView) -> Vote:
    """An opinion in です/ます, outside quotes: "…でしょう。", "…ではないでしょうか。", "…と思います。"."""
    return COMMENTARY if opines_politely(v.unquoted) else None


# --- combining ---------------------------------------------------------------------------------------------
VOTE_VALUE = {WIRE: -1, COMMENTARY: 1}
PRIOR_LABEL_MODEL = prior_model([r.name for r in RULES], [VOTE_VALUE[r.votes] for r in RULES],
                                [r.weight for r in RULES])


@dataclass(slots=True)
class Verdict:
    label: str
    rules: list[str]  # the rules that voted for the label
    log_odds: float  # the rules' evidence for commentary, prior included (the label model's posterior log-odds)
    votes: dict[str, str] = field(default_factory=dict)  # every rule that voted, and how

    @property
    def confidence(self) -> float:
        """How far training may trust the label."""
        return abs(self.log_odds)


TEXT_RULES = [r for r in RULES if not r.account]


def vote_row(view: BlockView, rules: list[LabelingRule] | None = None) -> dict[str, str]:
    """Every rule's vote on a block, by rule name (a rule that abstains is left out)."""
    if rules is None:  # the account's rules abstain on a block without one
        calls = _ALL_CALLS if view.source else _TEXT_CALLS
    else:
        calls = [(r.name, r.fn) for r in rules]
    return {name: vote for name, fn in calls if (vote := fn(view)) is not None}


# (name, function) of each rule, read once: a block asks every rule, and a dataclass's fields cost a lookup each
_ALL_CALLS = [(r.name, r.fn) for r in RULES]
_TEXT_CALLS = [(r.name, r.fn) for r in TEXT_RULES]


def combine(view: BlockView, model: LabelModel | None = None) -> Verdict:
    """The rules' verdict on one block: their votes weighed by the label model (the prior one by default)."""
    return verdict(vote_row(view), model or PRIOR_LABEL_MODEL)


def verdict(votes: dict[str, str], model: LabelModel, weights: dict[str, float] | None = None,
            prior: float | None = None) -> Verdict:
    """The label model's verdict on one block's votes (``weights``: model.weights, ``prior``: the log-odds of
    model.prior, when already at hand)."""
    weights = model.weights if weights is None else weights
    prior = logit(model.prior) if prior is None else prior
    log_odds = prior + sum(map(weights.get, votes, repeat(0.0)))  # the votes in order, as a loop would add them
    label = COMMENTARY if log_odds > 0 else WIRE
    return Verdict(label, [n for n, v in votes.items() if v == label], log_odds, votes)


def vote_matrix(rows: list[dict[str, str]], model: LabelModel) -> np.ndarray:
    """(n_blocks, n_rules) votes in {-1, 0, 1}, columns in the order of the label model's rules."""
    col = {name: j for j, name in enumerate(model.rules)}
    m = np.zeros((len(rows), len(model.rules)))
    for i, row in enumerate(rows):
        for name, v in row.items():
            if name in col:
                m[i, col[name]] = VOTE_VALUE[v]
    return m


def commentary_runs(dump: Dump, outlets: Outlets, cues: list[Cues | None] | None = None) -> list[bool]:
    """For each block: does it stand in a run of commentary opened by a marked line above it?

    A run opens at a marked line that no listed outlet posted and goes on over unmarked paragraphs until a
    boundary (tag, chrome, embedded post), a listed outlet's clip, a paragraph that reports like a wire, or after
    a 🐸 sign-off. ``cues``: each block's Cues, when already found.
    """
    flags = [False] * len(dump.blocks)
    open_run = False
    for k, b in enumerate(dump.blocks):
        if b.kind in (TAG, CHROME, ATTRIBUTION, POST_TEXT) or (b.source and outlets.listed(b.source)):
            open_run = False
            continue
        c = cues[k] if cues is not None and cues[k] is not None else Cues.of(b.text)
        if c.marked:
            open_run = not SIGN_OFF_RE.match(b.text)
        elif open_run and not (c.lead or c.reporting):
            flags[k] = True
        else:
            open_run = False
    return flags


Reputation = Mapping[str, float]  # lower-case handle -> 0 wire-like .. 1 commentary-like


def views(dump: Dump, outlets: Outlets, reputation: Reputation | None = None) -> list[BlockView | None]:
    """A view of every text block (None for tag, attribution and chrome blocks)."""
    cues = [Cues.of(b.text) if b.is_text else None for b in dump.blocks]
    runs = commentary_runs(dump, outlets, cues)
    reputation = reputation or {}
    accounts: dict[tuple[str | None, str | None], tuple[bool, bool, float | None]] = {}
    out: list[BlockView | None] = []
    for b, in_run, found in zip(dump.blocks, runs, cues):
        if not b.is_text:
            out.append(None)
            continue
        key = (b.source, b.source_name)
        if key not in accounts:  # once a source, not once a block: a clip has many paragraphs
            rep = reputation.get(b.source.lower()) if b.source else None
            # What the archive learned of an account replaces what the outlet list guessed (not two votes).
            listed = rep is None and bool(b.source) and outlets.listed(b.source)
            news = rep is None and bool(b.source) and outlets.news_name(b.source_name)
            accounts[key] = (listed, news, rep)
        listed, news, rep = accounts[key]
        out.append(BlockView(b.text, b.kind, b.source, b.source_name, listed, news, rep, in_run, unquoted(b.text),
                             found))
    return out


def label_dump(dump: Dump, outlets: Outlets, model: LabelModel | None = None,
               reputation: Reputation | None = None) -> list[Verdict | None]:
    """Set every block's label and rules by the rules alone; returns each text block's verdict (None for the
    other blocks)."""
    model = model or PRIOR_LABEL_MODEL
    weights, prior = model.weights, logit(model.prior)
    verdicts: list[Verdict | None] = []
    for b, v in zip(dump.blocks, views(dump, outlets, reputation)):
        if v is None:
            b.label = TAG_LABEL if b.kind == TAG else META
            b.rules = ["tag_line"] if b.kind == TAG else [f"{b.kind}_line"]
            verdicts.append(None)
            continue
        found = verdict(vote_row(v), model, weights, prior)
        b.label, b.rules = found.label, list(found.rules)
        verdicts.append(found)
    return verdicts
