"""The blogger's tag grammar.

A tag line starts with ``#`` (or the full-width ``＃`` that Japanese input methods type; X treats both as a
hashtag). The name runs to the first ``(``, ``（``, ``「``, ``『``, ``#``, white space or the end of the line.
A blogger's tag is a name followed only by notes in brackets (``(…)``, or a run of ``「…」`` quotes) and further
tags: ``#露朝(崔善姫外相・訪露)``, ``#NATO「…」「…」``, ``#反ロシア#対中露戦``. A ``#word`` followed by a
sentence (``#ニュース7 でお伝えします。``, ``#フランス 下院選挙へ``) is an outlet's hashtag in the text of its post,
not a tag line. Brackets nest, so a ``#`` inside a note never starts a tag, and an unclosed bracket keeps the rest
of the line as the note (nothing is dropped).
"""
from __future__ import annotations

import re

from .document import Tag
from .patterns import EDGE

HASH = "#＃"
_PAIRS = {"(": ")", "（": "）", "「": "」", "『": "』", "[": "]", "【": "】", "〔": "〕"}
_PAREN_OPEN = "(（"
_AFTER_NOTE = " \t\u3000" + "".join(_PAIRS.values())
# The scans below find their next stop with a regular expression (C speed) instead of a loop over characters;
# each reads a character once, so a line is parsed in time linear in its length, whatever it holds.
# A name runs to the first "(", "（", "「", "『", "#", "＃", space, tab or U+3000.
_NAME_RE = re.compile(r"[^(（「『#＃ \t\u3000]*+")
_SPACE_RE = re.compile(r"[ \t\u3000]*+")
_OPEN = re.escape("".join(_PAIRS))
_BRACKET_RE = re.compile(f"[{_OPEN}{re.escape(''.join(_PAIRS.values()))}]")
# Where the next tag may start: an opening bracket (whose inside is skipped), or a "#" after a space or a closing
# bracket with a name character after it ("a/#b" is part of a URL, "# " and "#(" start no tag).
_NEXT_RE = re.compile(f"[{_OPEN}]|(?<=[{re.escape(_AFTER_NOTE)}])[#＃](?=\\w)")
# A tag name starts with a letter, a digit or "_" and is not all digits ("#1" is a list number, not a tag).
_NAME_OK = re.compile(r"^\w")
_ALL_DIGITS = re.compile(r"^\d++$")


def is_tag_line(text: str) -> bool:
    """Is this line the blogger's tags: names with bracketed notes, nothing else? (Whether it is the text of an
    embedded post is decided elsewhere.) Linear time: each bracket group is skipped in one scan."""
    s = text.strip(EDGE)
    if not s or s[0] not in HASH:
        return False
    i = 0
    while i < len(s):
        c = s[i]
        if c in HASH:
            name = _read_name(s, i + 1)
            if not _valid_name(name):
                return False
            i += 1 + len(name)
        elif c in _NOTE_OPEN:
            i = _match(s, i)
        else:
            i = _SPACE_RE.match(s, i).end()
            if i < len(s) and s[i] not in HASH and s[i] not in _NOTE_OPEN:
                return False  # text outside brackets: a sentence, not a note
    return True


_NOTE_OPEN = "(（「『"


def parse_tag_line(text: str) -> list[Tag]:
    """All tags of a tag line, in order. Text before the first ``#`` is ignored (is_tag_line says there is none)."""
    s = text.strip(EDGE)
    tags: list[Tag] = []
    i = s.find("#") if "#" in s else s.find("＃")
    while 0 <= i < len(s) and s[i] in HASH:
        name = _read_name(s, i + 1)
        j = i + 1 + len(name)
        if not _valid_name(name):
            # A stray "#" inside a note-less run: keep it in the previous note so nothing is lost.
            nxt = _next_tag(s, j)
            if tags:
                prev = tags.pop()
                tags.append(Tag(prev.name, (prev.note + s[i:nxt]).strip()))
            i = nxt
            continue
        note, j = _read_note(s, j)
        tags.append(Tag(name, note))
        i = j
    return tags


def _read_name(s: str, i: int) -> str:
    return _NAME_RE.match(s, i).group()


def _valid_name(name: str) -> bool:
    return bool(name) and bool(_NAME_OK.match(name)) and not _ALL_DIGITS.match(name)


def _read_note(s: str, i: int) -> tuple[str, int]:
    """The note that starts at ``s[i]`` and the index where the next tag starts (or len(s))."""
    k = _SPACE_RE.match(s, i).end()
    if k >= len(s) or s[k] in HASH:
        return "", k
    if s[k] in _PAREN_OPEN:
        close = _match(s, k)
        end = _next_tag(s, close)  # the bracket's inside holds no tag; a "#" right after it may start one
        inner_end = close - 1 if close <= len(s) and s[close - 1] == _PAIRS[s[k]] else close
        note = s[k + 1 : inner_end] + s[close:end].rstrip()
        return note, end
    end = _next_tag(s, k)
    return s[k:end].rstrip(), end


def _match(s: str, i: int) -> int:
    """Index just past the bracket that closes ``s[i]``; len(s) when it is never closed."""
    stack: list[str] = []
    for m in _BRACKET_RE.finditer(s, i):
        c = m.group()
        if c in _PAIRS:
            stack.append(_PAIRS[c])
        elif stack and c == stack[-1]:
            stack.pop()
            if not stack:
                return m.end()
    return len(s)


def _next_tag(s: str, i: int) -> int:
    """Index of the next ``#`` outside brackets that starts a tag, at or after ``i``; len(s) if none."""
    if i < len(s) and s[i] in HASH:
        # Right where the previous tag or note ends, "#" starts a tag whatever stands before it.
        if _valid_name(_read_name(s, i + 1)):
            return i
        i += 1
    while (m := _NEXT_RE.search(s, i)) is not None:
        j = m.start()
        if s[j] in _PAIRS:
            i = _match(s, j)
        elif _valid_name(_read_name(s, j + 1)):
            return j
        else:
            i = j + 1
    return len(s)
