"""The date of a post, read from the dates its lines carry: a best guess for charts over time, never a label.

A blog dump rarely says when it was posted. What it does carry: the date of every embedded X post on its
attribution line (``— NHKニュース (@nhk_news) November 3, 2024``, ``… 2025年3月1日``) and, on clipped news
pages, date-stamp lines (``2024年11月12日 18:05``, ``2025.11.06 Thu posted at 18:30 JST``). A post is written
on or after the latest item it clips, so the rule is: **the latest date found on attribution lines and on
date-stamp lines** (a short line without 。 that opens with a date with its year, whatever its block kind).
Dates inside sentences (``1998年6月以来``) and in links to other entries (``…/entry/2025/03/17/…``) are not
read: they say when something else happened. None when nothing is found.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from .document import ATTRIBUTION, TAG, Dump

_MONTHS = {m: n for n, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                                       "dec"), 1)}
_ENGLISH = re.compile(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+(\d{1,2}),?\s+(\d{4})\b",
                      re.IGNORECASE)
_JAPANESE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_NUMERIC = re.compile(r"(?<![\d/])(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})(?![\d/])")
_HANDLE = re.compile(r"[(（]\s*@\w+\s*[)）]")
_STAMP_START = re.compile(r"^[\s\u3000]*\d{4}\s*[年/.-]\s*\d{1,2}\s*[月/.-]")
STAMP_MAX_CHARS = 48  # a date stamp with a time, a weekday and a dateline; longer is a sentence
YEARS = range(1990, 2101)  # outside this, a number that looks like a date is not one


def dates_in(text: str) -> Iterable[dt.date]:
    """Every valid calendar date written with a year in ``text``, in three common shapes."""
    for m in _ENGLISH.finditer(text):
        yield from _valid(m.group(3), str(_MONTHS[m.group(1)[:3].lower()]), m.group(2))
    for m in _JAPANESE.finditer(text):
        yield from _valid(*m.groups())
    for m in _NUMERIC.finditer(text):
        yield from _valid(*m.groups())


def _valid(year: str, month: str, day: str) -> Iterable[dt.date]:
    try:
        d = dt.date(int(year), int(month), int(day))
    except ValueError:  # 2024年2月30日: not a date
        return
    if d.year in YEARS:
        yield d


def attribution_date_part(line: str) -> str:
    """What follows the ``(@handle)`` of an attribution line: the date (the display name may hold numbers)."""
    m = _HANDLE.search(line)
    return line[m.end():] if m else ""


def is_date_stamp(line: str) -> bool:
    return len(line.strip()) <= STAMP_MAX_CHARS and "。" not in line and _STAMP_START.match(line) is not None


def post_date(dump: Dump) -> str | None:
    """The latest date on the dump's attribution lines and date-stamp lines, as YYYY-MM-DD, or None."""
    found: list[dt.date] = []
    for b in dump.blocks:
        if b.kind == TAG:
            continue
        for ln in dump.lines[b.start_line - 1 : b.end_line]:
            if b.kind == ATTRIBUTION:
                found.extend(dates_in(attribution_date_part(ln.text)))
            elif is_date_stamp(ln.text):
                found.extend(dates_in(ln.text))
    return max(found).isoformat() if found else None
