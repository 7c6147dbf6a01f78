"""What a single line looks like: the regular expressions shared by the segmenter, the rules and the features.

Each pattern is about the shape of one line, never about a particular blog, outlet or dump.
"""
from __future__ import annotations

import re

LINE_BREAK_RE = re.compile(r"\r\n|\r|\n")
# Zero-width characters that scrapers leave at the edges of lines; they count as space there.
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
EDGE = " \t\u3000\u00a0" + INVISIBLE
_NO_INVISIBLE = str.maketrans("", "", INVISIBLE)


def is_blank(text: str) -> bool:
    """Nothing visible: white space (NBSP and ideographic space included) and zero-width characters only."""
    s = text.strip()
    if s and s[0] not in INVISIBLE and s[-1] not in INVISIBLE:  # a visible character at an edge: most lines
        return False
    return not text.translate(_NO_INVISIBLE).strip()

# Links. pic.twitter.com links are what an embedded X post leaves behind when it carries a picture.
URL_RE = re.compile(r"(?:https?://|www\.)[^\s\u3000「」『』（）()<>\"]+|pic\.twitter\.com/\w+", re.IGNORECASE)
PIC_LINK_RE = re.compile(r"pic\.twitter\.com/\w+", re.IGNORECASE)
# A line that is only a link or only a host name: blog headers and link cards to earlier entries.
LINK_ONLY_RE = re.compile(
    r"^\s*+(?:(?:https?://)?(?:[A-Za-z0-9-]++\.)+[A-Za-z]{2,}+(?::\d++)?(?:[/?#]\S*+)?|https?://\S++)\s*+$"
)

# "— Display Name (@handle) November 3, 2024": the line right after an embedded X post. The dash may be an em
# dash, a horizontal bar, an en dash or hyphens; without a dash, a date must follow the handle.
#
# Every pattern in this module runs in time linear in the line, whatever the line: white space is matched with
# possessive quantifiers (\s*+), so a run of spaces is read once, not once per way of sharing it between two
# adjacent \s*; and no lazy .*? stands next to optional white space, whose split could be tried at every
# position. The attribution's name is read as units (white space, then one character that is not the opening
# parenthesis of a "(@handle)"), so it stops at the first handle and there is one way to split the line.
_MONTHS = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*+\.?\s++\d{1,2}+,?\s++\d{4}"
_DATE = rf"(?:{_MONTHS}|\d{{4}}\s*+年\s*+\d{{1,2}}+\s*+月\s*+\d{{1,2}}+\s*+日|\d{{4}}[/.-]\d{{1,2}}+[/.-]\d{{1,2}})"
_LEAD = r"^[\s\u200b-\u200d\u2060\ufeff]*+"  # white space and zero-width characters before the text
_AT = r"\s*+@\w{1,50}+\s*+[)）]"  # what follows the "(" of a handle
_HANDLE = r"\s*+[(（]\s*+@(?P<handle>\w{1,50}+)\s*+[)）]\s*+"
_REST = r"(?:\s*+\S)*+"  # the rest of the line up to its last visible character


def _name_until(opening: str) -> str:
    """The name: characters up to white space before an opening parenthesis that ``opening`` accepts."""
    return rf"(?:\s*+(?:[^\s(（]|[(（](?!{opening})))*+"


ATTRIBUTION_RE = re.compile(
    _LEAD + r"(?:[—―–]{1,2}+|-{1,2}+)\s*+(?P<name>" + _name_until(_AT) + ")" + _HANDLE + rf"(?P<date>{_REST})\s*+$"
)
ATTRIBUTION_NODASH_RE = re.compile(
    _LEAD + r"(?P<name>[^\s\u200b-\u200d\u2060\ufeff]" + _name_until(rf"{_AT}\s*+{_DATE}") + ")" + _HANDLE
    + rf"(?P<date>{_DATE}{_REST})\s*+$"
)

# Emoji: pictographs, flags (regional indicator pairs), and the dingbats and symbols used as markers.
# Plain Japanese typography (●, ■, ※, ★, ・) is deliberately left out: wire text uses it too.
EMOJI_CHARS = (
    "\U0001F000-\U0001FAFF"  # pictographs, emoticons, transport, supplemental symbols, flags' letters
    "\u2600-\u2604\u2607-\u26FF"  # misc symbols (⚠ ⚡ ⛔ ...), but not ★ ☆
    "\u2700-\u27BF"  # dingbats (✅ ✊ ❗ ➡ ...)
    "\u2B05-\u2B07\u2B1B\u2B1C\u2B50\u2B55"  # arrows, squares, stars used as emoji
    "\u203C\u2049\u3030\u303D\u3297\u3299"
)
EMOJI_RE = re.compile(f"[{EMOJI_CHARS}]")
# One emoji as it is drawn: a base with its variation selectors, skin tones, joiners and flag pairs.
EMOJI_CLUSTER_RE = re.compile(
    f"[\U0001F1E6-\U0001F1FF]{{2}}|[{EMOJI_CHARS}][\uFE0E\uFE0F\U0001F3FB-\U0001F3FF]*"
    f"(?:\u200D[{EMOJI_CHARS}][\uFE0E\uFE0F\U0001F3FB-\U0001F3FF]*)*"
)
LEADING_EMOJI_RE = re.compile(f"^\\s*+[{EMOJI_CHARS}]")

# Sentence-final punctuation: a line without any is a heading, a menu item or a caption, not a paragraph.
SENTENCE_END_RE = re.compile(r"[。．！？!?」』]\s*+$")
SENTENCE_PUNCT_RE = re.compile(r"[。．！？!?「」『』]")

# Page chrome: the footers, stamps and credits of a news site page.
COPYRIGHT_RE = re.compile(r"copyright|©|\(c\)\s*+\d{4}|all rights reserved|無断(?:転載|転用|複製|使用)", re.IGNORECASE)
DATETIME_ONLY_RE = re.compile(
    r"^\s*+(?:\d{4}\s*+[年/.-]\s*+\d{1,2}\s*+[月/.-]\s*+\d{1,2}\s*+日?|\d{1,2}\s*+月\s*+\d{1,2}\s*+日)"
    r"\s*+(?:[(（][^)）]{1,4}[)）])?\s*+(?:\d{1,2}\s*+[:時]\s*+\d{2}\s*+分?)?\s*+(?:更新|配信|公開)?\s*+$"
)
# A credit: one to sixteen visible characters in brackets ("[ロイター]", "（共同）"), or only white space. The inside
# is read as white space, a core that starts and ends with a visible character, white space: one way to read it.
CREDIT_RE = re.compile(
    r"^\s*+(?:[\[［【](?=[^\]］】])\s*+(?:[^\]］】\s](?:[^\]］】]{0,14}[^\]］】\s])?)?\s*+[\]］】]"
    r"|[(（](?=[^)）])\s*+(?:[^)）\s](?:[^)）]{0,14}[^)）\s])?)?\s*+[)）])\s*+$"
)
LIST_MARKER_RE = re.compile(r"^\s*+[•・●■◆▶>\-*]?\s*+\d{0,3}\s*+[•・●■◆▶]?\s*+$")
CALL_TO_ACTION_RE = re.compile(
    r"^\s*+※|(?:はこちら|こちらから|こちら)[。.]?\s*+$|^\s*+(?:PR|AD|広告)\s*+$|^\s*+(?:この記事を)?シェア(?:する)?\s*+$"
)
# The same read fast (what runs): its anchored branches tried at the start only, the "こちら" branch only where the
# word is. Searched whole, the pattern tries every branch at every character of every line.
_CALL_TO_ACTION_START_RE = re.compile(
    r"\s*+※|\s*+(?:PR|AD|広告)\s*+$|\s*+(?:この記事を)?シェア(?:する)?\s*+$"
)
_CALL_TO_ACTION_END_RE = re.compile(r"(?:はこちら|こちらから|こちら)[。.]?\s*+$")
# A footer's row of links: three or more short items between "|" bars ("利用規約 | お問い合わせ | …").
LINK_ROW_RE = re.compile(r"^\s*+[^|｜。\s][^|｜。]{0,24}+(?:[|｜][^|｜。]{1,25}+){2,}+$")
# A page's date stamp in the English manner: "2025.11.06 Thu posted at 18:30 JST", "2025/11/06 18:30 updated".
STAMP_RE = re.compile(
    r"^\s*+\d{4}[./-]\d{1,2}[./-]\d{1,2}\s*+(?:[A-Za-z]{3}\.?\s++)?(?:(?:posted|updated|published)\s++(?:at\s++)?)?"
    r"(?:\d{1,2}:\d{2}\s*+)?(?:[A-Z]{2,4}\s*+)?(?:(?:posted|updated|published|更新|配信|公開)\s*+)?$",
    re.IGNORECASE,
)
# Short navigation words ("ワールド", "人気ランキング", "MAGAZINE"): this many characters or fewer.
NAV_MAX_CHARS = 9


def attribution(text: str) -> re.Match[str] | None:
    """The attribution match of a line, with groups name, handle and date, or None."""
    if "@" not in text:  # no handle, no attribution: most lines are settled without a regular expression
        return None
    return ATTRIBUTION_RE.match(text) or ATTRIBUTION_NODASH_RE.match(text)


def has_emoji(text: str) -> bool:
    return EMOJI_RE.search(text) is not None


def is_link_only(text: str) -> bool:
    return LINK_ONLY_RE.match(text) is not None


LONG_SENTENCE_CHARS = 60  # a line this long with a full stop is a paragraph: of chrome, only a footer line can be


def calls_to_action(text: str) -> bool:
    """CALL_TO_ACTION_RE's verdict."""
    return (_CALL_TO_ACTION_START_RE.match(text) is not None
            or "こちら" in text and _CALL_TO_ACTION_END_RE.search(text) is not None)


def has_copyright(text: str) -> bool:
    return COPYRIGHT_RE.search(text) is not None


def is_page_chrome(text: str, copyright: bool | None = None) -> bool:
    """A line that is chrome by its shape alone, wherever it stands. (``copyright``: has_copyright(text), when
    already known; white space at the edges does not change it.)"""
    s = text.strip()
    if copyright is None:
        copyright = has_copyright(s)
    if len(s) > LONG_SENTENCE_CHARS and "。" in s:  # most lines of a dump: skip the shapes that cannot match
        return copyright or calls_to_action(s)
    return bool(
        copyright
        or is_link_only(s)
        or DATETIME_ONLY_RE.match(s)
        or STAMP_RE.match(s)
        or LINK_ROW_RE.match(s)
        or CREDIT_RE.match(s)
        or LIST_MARKER_RE.match(s)
        or calls_to_action(s)
        or is_nav_word(s)
    )


def is_nav_word(text: str) -> bool:
    s = text.strip()
    return len(s) <= NAV_MAX_CHARS and not SENTENCE_PUNCT_RE.search(s) and not has_emoji(s)


def is_heading_like(text: str, max_chars: int = 40) -> bool:
    """Short and without sentence punctuation: a menu entry, a caption or a headline."""
    s = text.strip()
    return len(s) <= max_chars and not SENTENCE_END_RE.search(s) and "。" not in s and not has_emoji(s)
