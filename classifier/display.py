"""How file names and a dump's text are shown, so that nothing in them is hidden or can take over the output.

- **File names** are what the operating system gives: on Linux, bytes. A byte that is not UTF-8 reaches Python
  as a surrogate escape (byte 0xff is U+DCFF), which no UTF-8 output can carry. ``path_name`` writes such a
  byte as the four characters ``\\xff``, in every format (the JSON ``path`` too), and leaves the rest as it is.
- **Controls and bidirectional marks** (``visible``): C0 controls (tab excepted), DEL and C1 controls are
  written as ``\\x1b``-style escapes, so an escape sequence is shown as text and never reaches the terminal;
  bidirectional embeddings, overrides, isolates and marks (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F,
  U+061C), the line and paragraph separators and the Unicode noncharacters are written as ``<U+202E>``. The
  text view and the HTML page show lines, tags and paths this way; JSON carries offsets, not text, and escapes
  controls itself.
"""
from __future__ import annotations

import re

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
_CODE_POINT = "\u2028\u2029" + BIDI  # shown as <U+XXXX>
_NONCHARACTERS = [chr(c) for c in range(0xFDD0, 0xFDF0)] + [
    chr(plane + low) for plane in range(0, 0x110000, 0x10000) for low in (0xFFFE, 0xFFFF)
]


def _table() -> dict[int, str]:
    table = {c: f"\\x{c:02x}" for c in [*range(0x00, 0x09), *range(0x0A, 0x20), *range(0x7F, 0xA0)]}
    table.update({ord(ch): f"<U+{ord(ch):04X}>" for ch in [*_CODE_POINT, *_NONCHARACTERS]})
    # Surrogates (from undecodable bytes of a file name, or text handed to the Python API) cannot be encoded.
    table.update({c: f"\\x{c - 0xDC00:02x}" for c in range(0xDC80, 0xDD00)})
    table.update({c: f"<U+{c:04X}>" for c in [*range(0xD800, 0xDC80), *range(0xDD00, 0xE000)]})
    return table


_VISIBLE = _table()
_HIDDEN_RE = re.compile(
    "[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029" + BIDI + "\ufdd0-\ufdef\ud800-\udfff"
    + "".join(_NONCHARACTERS[32:]) + "]"
)
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def path_name(path: str | None) -> str | None:
    """A file name as output can carry it: each undecodable byte (a surrogate escape) as ``\\xNN``."""
    if path is None or not _SURROGATE_RE.search(path):
        return path
    return _SURROGATE_RE.sub(lambda m: _VISIBLE[ord(m.group())], path)


def visible(text: str) -> str:
    """``text`` with its control characters, bidirectional marks and noncharacters shown as escapes."""
    return text.translate(_VISIBLE) if _HIDDEN_RE.search(text) else text


def shown_path(path: str | None) -> str:
    """A file name for a message or a header line: undecodable bytes and controls (a newline too) escaped."""
    return visible(path) if path else "<text>"


def split_hidden(text: str) -> list[tuple[str, bool]]:
    """``text`` as runs of (piece, hidden): hidden pieces are single characters that ``visible`` escapes."""
    out: list[tuple[str, bool]] = []
    pos = 0
    for m in _HIDDEN_RE.finditer(text):
        if m.start() > pos:
            out.append((text[pos : m.start()], False))
        out.append((m.group(), True))
        pos = m.end()
    if pos < len(text):
        out.append((text[pos:], False))
    return out
