"""Hostile lines: what parsing gives on runs of white space, punctuation, brackets and tags (bench/adversarial.py
times them). The patterns were rewritten to run in linear time; on short lines they must still say exactly what
the original patterns said, kept here as the reference."""
from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from classifier import parse
from classifier import patterns as P
from classifier.document import Tag
from classifier.rules import ASSERTIVE_RE, asserts
from classifier.stream import iter_lines
from classifier.tags import is_tag_line, parse_tag_line
from training.labels_report import _edits

# --- the original patterns: right, but quadratic or worse on long runs ----------------------------------------
_MONTHS = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2},?\s+\d{4}"
_DATE = rf"(?:{_MONTHS}|\d{{4}}\s*年\s*\d{{1,2}}\s*月\s*\d{{1,2}}\s*日|\d{{4}}[/.-]\d{{1,2}}[/.-]\d{{1,2}})"
_LEAD = r"^[\s\u200b-\u200d\u2060\ufeff]*"
_HANDLE = r"\s*[(（]\s*@(?P<handle>\w{1,50})\s*[)）]\s*"
REFERENCE = {
    "ATTRIBUTION_RE": _LEAD + r"(?:[—―–]{1,2}|-{1,2})\s*(?P<name>.*?)" + _HANDLE + r"(?P<date>.*?)\s*$",
    "ATTRIBUTION_NODASH_RE": _LEAD + r"(?P<name>[^\s\u200b-\u200d\u2060\ufeff].*?)" + _HANDLE
    + rf"(?P<date>{_DATE}.*?)\s*$",
    "LINK_ONLY_RE": r"^\s*(?:(?:https?://)?(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}(?::\d+)?(?:[/?#]\S*)?|https?://\S+)\s*$",
    "DATETIME_ONLY_RE": r"^\s*(?:\d{4}\s*[年/.-]\s*\d{1,2}\s*[月/.-]\s*\d{1,2}\s*日?|\d{1,2}\s*月\s*\d{1,2}\s*日)"
    r"\s*(?:[(（][^)）]{1,4}[)）])?\s*(?:\d{1,2}\s*[:時]\s*\d{2}\s*分?)?\s*(?:更新|配信|公開)?\s*$",
    "CREDIT_RE": r"^\s*(?:[\[［【]\s*[^\]］】]{1,16}\s*[\]］】]|[(（]\s*[^)）]{1,16}\s*[)）])\s*$",
    "LIST_MARKER_RE": r"^\s*[•・●■◆▶>\-*]?\s*\d{0,3}\s*[•・●■◆▶]?\s*$",
    "CALL_TO_ACTION_RE": r"^\s*※|(?:はこちら|こちらから|こちら)[。.]?\s*$|^\s*(?:PR|AD|広告)\s*$",
    "SENTENCE_END_RE": r"[。．！？!?」』]\s*$",
}
REFERENCE_ASSERTIVE = re.compile(
    r"(?:か|だ|だろう|のだ|ではないか|過ぎない|すぎない|違いない|らしい|他ならない|はずがない|しかない|ではない)。"
    r"|(?:ナンセンス|茶番)だ?。?$|[!！?？]+」?$"
)
PIECES = [
    " ", "\t", "\u3000", "\u00a0", "\u200b", "\u2060", "—", "―", "–", "-", "(", "（", ")", "）", "@", "@ab", "_", "a",
    "1", "12", "2025", "年", "月", "日", "/", ".", ",", ":", "時", "分", "Mar", "March", "【", "】", "[", "]", "「", "」",
    "・", "●", "#", "x", "更新", "こちら", "※", "PR", "http://", "www.", "example.com", "!", "！", "?", "？", "。", "だ",
    "茶番", "(@h)", " (@ab) ", "March 1, 2025", "2025年3月1日", "2025/3/1", "— ", "(c) 2024", "【ロイター】", "(土)",
]
short_lines = st.lists(st.sampled_from(PIECES), max_size=12).map("".join)


@settings(max_examples=1000, deadline=None)
@given(short_lines)
def test_linear_patterns_say_what_the_original_patterns_said(line):
    for name, source in REFERENCE.items():
        new, old = getattr(P, name), re.compile(source)  # re caches the compiled reference
        for op in ("match", "search"):
            a, b = getattr(old, op)(line), getattr(new, op)(line)
            assert (a is None) == (b is None), (name, op, line)
            if a is not None and "handle" in old.groupindex:
                assert a.group("name", "handle", "date") == b.group("name", "handle", "date"), (name, line)
    assert (REFERENCE_ASSERTIVE.search(line) is None) == (ASSERTIVE_RE.search(line) is None), line


# --- what long runs give ---------------------------------------------------------------------------------------
SPACES = (" ", "\t", "\u3000", "\u00a0")


def kind_of(line: str) -> str:
    (block,) = parse(line).blocks
    return block.kind


def test_an_attribution_with_a_thousand_spaces_inside_is_still_one():
    for ws in SPACES:
        m = P.attribution("— 名前" + ws * 1000 + "(@abc)" + ws * 1000 + "March 1, 2025" + ws * 1000)
        assert m is not None and m.group("name", "handle", "date") == ("名前", "abc", "March 1, 2025")
        m = P.attribution(ws * 1000 + "名前" + ws * 1000 + "（@abc）" + ws * 1000 + "2025年3月1日")
        assert m is not None and m.group("name", "handle", "date") == ("名前", "abc", "2025年3月1日")


def test_a_handle_that_never_closes_or_has_no_date_is_no_attribution():
    for ws in SPACES:
        assert P.attribution("— 名前" + ws * 1000 + "(@abc" + ws * 1000 + "x") is None
        assert P.attribution("— " + ws * 1000 + "x") is None
        assert P.attribution("名前" + ws * 1000 + "(@abc) x") is None  # no dash: a date must follow
        assert kind_of("— " + ws * 1000 + "x") == "body"
    # Zero-width spaces are not white space: they stay in the name, as they always did.
    assert P.attribution("— 名前" + "\u200b" * 1000 + "(@abc)").group("name") == "名前" + "\u200b" * 1000


def test_the_first_handle_names_the_account_and_the_name_may_hold_a_broken_one():
    m = P.attribution("— a (@b c) (@d) x (@e)")
    assert m.group("name", "handle", "date") == ("a (@b c)", "d", "x (@e)")
    m = P.attribution("RT (@a) foo (@b) March 1, 2025")  # no dash: the handle followed by a date
    assert m.group("name", "handle") == ("RT (@a) foo", "b")


def test_a_date_stamp_followed_by_spaces_and_text_is_not_chrome():
    for ws in SPACES:
        assert not P.is_page_chrome("2025年3月1日" + ws * 220 + "本文")
        assert kind_of("2025年3月1日" + ws * 220 + "本文です。") == "body"
        assert P.is_page_chrome("2025年3月1日" + ws * 220 + "更新")  # a stamp, however wide
        assert P.is_page_chrome("2025年3月1日(土)" + ws * 1000 + "10:00" + ws * 1000 + "配信")


def test_a_bullet_or_dash_followed_by_spaces_is_chrome_only_without_text():
    for ws in SPACES:
        for mark in ("・", "●", "-", "*"):
            assert not P.is_page_chrome(mark + ws * 1000 + "本文")
            assert P.is_page_chrome(mark + ws * 1000 + "12")  # a list number
        assert kind_of("・" + ws * 1000 + "本文です。") == "body"


def test_a_credit_is_at_most_sixteen_visible_characters_in_brackets_whatever_the_spaces():
    for ws in SPACES:
        assert P.CREDIT_RE.match("【" + ws * 500 + "ロイター" + ws * 500 + "】")
        assert P.CREDIT_RE.match("（" + ws * 1000 + "）")  # only white space inside: as before
        assert not P.CREDIT_RE.match("【" + ws * 500 + "あ" * 17 + ws * 500 + "】")
        assert not P.CREDIT_RE.match("(" + ws * 1000 + "x")
    assert P.CREDIT_RE.match("[" + "a" + " " * 14 + "b]") and not P.CREDIT_RE.match("[a" + " " * 15 + "b]")
    assert not P.CREDIT_RE.match("【】")


def test_links_and_hosts_after_long_runs():
    assert P.is_link_only("https://example.com/" + "a" * 100_000)
    assert not P.is_link_only("https://example.com/" + "a" * 10_000 + " x")
    assert not P.is_link_only("a." * 50_000 + "1")
    assert P.is_link_only("a." * 50_000 + "jp")


def test_exclamation_runs_assert_only_at_the_end():
    assert not asserts("!" * 40_000 + "a")
    assert not asserts("？" * 40_000 + "本文")
    assert asserts("本当" + "!" * 40_000)
    assert asserts("本当か" + "？" * 40_000 + "」")
    assert not asserts("「本当か" + "？" * 40_000 + "」")  # a quotation: someone else's voice
    assert not asserts("「" * 10_000 + "a")  # unclosed quotes: nothing to empty, no assertion


def test_hash_runs_in_tag_lines_lose_nothing():
    assert not is_tag_line("#" * 40_000) and parse_tag_line("#" * 40_000) == []
    assert parse_tag_line("#a" + "#" * 40_000) == [Tag("a", "#" * 40_000)]
    assert parse_tag_line("#a" * 50_000) == [Tag("a")] * 50_000
    assert parse_tag_line("＃a" * 50_000) == [Tag("a")] * 50_000
    assert parse_tag_line("#a #" * 25_000) == [Tag("a", "#")] * 25_000
    # An unclosed bracket keeps the rest of the line as the note.
    assert parse_tag_line("#a(" * 30_000) == [Tag("a", "#a(" * 29_999)]
    assert parse_tag_line("#a " + "(" * 40_000 + "#b") == [Tag("a", "(" * 39_999 + "#b")]  # inside the first "("


def test_a_million_line_dump_reads_like_a_short_one_scaled():
    n = 20_000
    dump = parse("#a\n" * n)
    assert dump.post.existing == [Tag("a")] * n and dump.post.tag_lines == list(range(1, n + 1))
    assert dump.sections == []
    # Tag lines with notes, then tag lines without: the ones without are the post's.
    dump = parse("本文です。\n" + "#a(メモ)\n" * n + "#b\n" * n)
    assert dump.post.existing == [Tag("b")] * n and dump.post.tag_lines[0] == n + 2
    (section,) = dump.sections
    assert section.tag_line == 2 and section.existing == [Tag("a", "メモ")] * n
    dump = parse("#a(メモ)\n" * n)  # notes on every line: all of them are the post's
    assert len(dump.post.existing) == n
    # Short lines between chrome lines are chrome: one block.
    dump = parse("https://example.com\nメニュー\n" * n)
    assert [b.kind for b in dump.blocks] == ["chrome"]
    dump = parse("— x (@h)\n" * n)
    assert {b.kind for b in dump.blocks} == {"attribution"} and {b.source for b in dump.blocks} == {"h"}


def test_a_line_longer_than_many_reads_comes_out_whole(tmp_path, monkeypatch):
    from classifier import stream

    monkeypatch.setattr(stream, "READ_BYTES", 7)
    monkeypatch.setattr(stream, "SNIFF_BYTES", 5)
    long = "本文" * 5_000 + "\r"
    path = tmp_path / "long.txt"
    path.write_bytes(("\ufeff" + long + "\n" + long + "\rx").encode("utf-8"))
    assert list(iter_lines(str(path))) == [long + "\n", long, "\r", "x"]


def test_edit_distance_of_long_tag_names():
    assert _edits("a" * 100_000, "a" * 99_999 + "b", 2) == 1
    assert _edits("a" * 100_000, "b" * 100_000, 2) == 3  # limit + 1: too far apart
    assert _edits("abc", "acb", 2) == 2 and _edits("", "ab", 2) == 2 and _edits("", "abc", 2) == 3


def test_full_stop_readings_equal_the_whole_patterns():
    """asserts() and reports_like() read the patterns at each "。" only: the verdicts of the whole-text searches."""
    import random

    from classifier import rules as R

    rng = random.Random(0)
    alphabet = list("だかのではない。過ぎ違らしいナンセンス茶番！!?？」「と述べた発表しました予定ためんなによりますと関係者、")
    for _ in range(20_000):
        line = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30)))
        bare = R.unquoted(line)
        assert R.asserts(line, bare) == (R.ASSERTIVE_RE.search(R.WIRE_DA_RE.sub("。", bare.rstrip())) is not None)
        assert R.reports_like(line) == (R.REPORTING_RE.search(line) is not None)


FAST_PIECES = PIECES + ["シェア", "この記事を", "する", "広告", "AD", "はこちら", "こちらから", "pic.twitter.com/ab",
                        "PIC.Twitter.COM/x", "https://t.co/x", "WWW.", "29日", "２９日", "日", "に本", "午後", "、",
                        "は", "x" * 40, "🇯🇵", "😀", "\n", "て", "ください", "下さい", "欲しい", "ご覧ください", "ましょう",
                        "しよう", "でしょう", "ではないでしょうか", "と思います", "べきです", "に過ぎません", "ありません",
                        "ですね", "ません", "のです", "さい", "しい", "です", "ます"]


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(FAST_PIECES), max_size=14).map("".join))
def test_fast_readings_say_what_their_patterns_say(line):
    """The cheap looks taken before a pattern (a word, a character it needs) never change its verdict."""
    from classifier import rules as R
    from classifier.segment import _visible

    assert P.calls_to_action(line) == (P.CALL_TO_ACTION_RE.search(line) is not None), line
    assert R.has_wire_lead(line) == (R.WIRE_LEAD_RE.search(line) is not None), line
    assert R.Cues.of(line).picture == (P.PIC_LINK_RE.search(line) is not None), line
    assert _visible(line) == len(P.URL_RE.sub("", line).strip()), line
    assert P.has_copyright(line) == P.has_copyright(line.strip()), line
    assert R.requests(line) == (R.REQUEST_RE.search(line) is not None), line
    assert R.opines_politely(line) == (R.POLITE_OPINION_RE.search(line) is not None), line
