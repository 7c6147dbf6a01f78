"""Long or costly inputs in bounded memory: read as a stream and cut into parts, each parsed and tagged alone.

A dump is one post and fits in memory; an archive file of many posts may not, nor may a file of a million tiny
lines or a file that is one enormous line. Such an input is decoded incrementally (with the same encoding
detection as a small file: ``reading.choose_encoding``) and cut into parts whose cost is bounded, where the cost
of a line is its characters plus ``LINE_COST`` (what its Line, Block and Tokens objects and its JSON weigh,
in characters' worth):
- once a part costs ``PART_CHARS``, it ends right after a group of tag lines (where the blogger closed a
  section or a post), so the parts parse exactly as the whole file would;
- without a tag line group, at a blank line once it costs halfway to ``MAX_PART_CHARS``, and at any line
  boundary before it would cost more than that;
- a line longer than ``MAX_LINE_CHARS`` characters is cut into pieces of that many characters, each its own
  part: a piece is a block of its own, with the line number of the whole line (the pieces of one line share
  it) and offsets into the whole file, so ``text[start:end]`` of the pieces put together is the line.
Each part is parsed and tagged on its own:
- a part that more text follows is segmented with final=False, so its last tag lines close a section instead of
  being taken for post tags; only the file's last part has post tags;
- every part knows where it starts (line_base, char_base), so its JSON points into the whole file.
Memory is then bounded by the part's cost, whatever the file. Files larger than ``STREAM_BYTES``, files with
more than ``STREAM_LINES`` lines or a line longer than ``MAX_LINE_CHARS`` bytes (``too_costly``), and standard
input are read this way.
"""
from __future__ import annotations

import codecs
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from .display import shown_path
from .patterns import LINE_BREAK_RE, attribution, is_blank
from .reading import (
    SNIFF_BYTES,
    STDIN,
    InputError,
    ReadOptions,
    choose_encoding,
    open_regular,
    undecodable,
)
from .tags import is_tag_line

STREAM_BYTES = 8 << 20  # files above this are streamed
STREAM_LINES = 1 << 16  # and files with more lines than this
PART_CHARS = 1 << 20  # a part is cut at the first tag line group once it costs this many characters
MAX_PART_CHARS = 2 << 20  # a part never costs more than this; at a blank line it ends halfway there
MAX_LINE_CHARS = 1 << 20  # a longer line is cut into pieces of this many characters
LINE_COST = 16  # what a line costs beyond its characters (its objects and its JSON), in characters' worth
READ_BYTES = 1 << 20


@dataclass
class Part:
    text: str
    line_base: int  # lines of the file before this part (a part may start inside a long line: see above)
    char_base: int  # characters of the file before this part
    final: bool  # the file's last part


def should_stream(path: str) -> bool:
    """Is the file too large to be read whole? (Smaller files may still be too costly: ``too_costly``.)"""
    try:
        return path == STDIN or os.stat(path).st_size > STREAM_BYTES
    except OSError:
        return False


def too_costly(data: bytes) -> bool:
    """Would these bytes, read whole, cost more memory than a part may: too many lines or too long a line?"""
    breaks = data.count(b"\n") + data.count(b"\r")  # CRLF counts twice: an upper bound
    if breaks > STREAM_LINES:
        return True
    return len(data) > MAX_LINE_CHARS and max(map(len, data.splitlines())) > MAX_LINE_CHARS


def iter_lines(path: str, options: ReadOptions = ReadOptions(), max_line_chars: int | None = None
               ) -> Iterator[str]:
    """The file's lines with their line breaks, decoded incrementally; InputError names the byte offset.

    A line longer than ``max_line_chars`` (default MAX_LINE_CHARS) comes in pieces of that many characters;
    only the last piece ends with the line break. ``path`` "-" is standard input.
    """
    if path == STDIN:
        if sys.stdin is None:
            raise InputError("<stdin>: standard input is closed")
        yield from _lines(sys.stdin.buffer, "<stdin>", options, max_line_chars or MAX_LINE_CHARS)
        return
    with open_regular(path) as f:
        yield from _lines(f, path, options, max_line_chars or MAX_LINE_CHARS)


def _read(f: BinaryIO, n: int, name: str) -> bytes:
    try:
        return f.read(n)
    except OSError as e:
        raise InputError(f"{shown_path(name)}: cannot read: {e.strerror or e}") from None


def _lines(f: BinaryIO, name: str, options: ReadOptions, max_line: int) -> Iterator[str]:
    head = _read(f, SNIFF_BYTES, name)
    data = _read(f, READ_BYTES, name) if len(head) == SNIFF_BYTES else b""
    if not data and not head.strip():
        raise InputError(f"{shown_path(name)}: empty file, nothing to read")
    # the same decision as for a file read whole: from the first bytes, knowing whether they are all of it
    encoding = choose_encoding(head, not data, name, options)
    decoder = codecs.getincrementaldecoder(encoding)(errors=options.errors)
    consumed, pending, chunk, first, filled = 0, "", head, True, False
    while True:
        final = not chunk
        filled = filled or bool(chunk.strip())
        if final and not filled:  # megabytes of white space: nothing was worth a part
            raise InputError(f"{shown_path(name)}: empty file, nothing to read")
        try:
            pending += decoder.decode(chunk, final=final)
        except UnicodeDecodeError as e:
            raise undecodable(name, encoding, consumed + e.start) from None
        consumed += len(chunk)
        if first and pending:
            pending = pending[1:] if pending.startswith("\ufeff") else pending
            first = False
        # keep a trailing "\r": its "\n" may come with the next read
        cut = len(pending) - 1 if pending.endswith("\r") and not final else len(pending)
        start = 0
        for m in LINE_BREAK_RE.finditer(pending, 0, cut):
            while m.start() - start > max_line:  # a line longer than max_line: its pieces first
                yield pending[start : start + max_line]
                start += max_line
            yield pending[start : m.end()]
            start = m.end()
        while cut - start > max_line:
            yield pending[start : start + max_line]
            start += max_line
        pending = pending[start:]
        if final:
            if pending:
                yield pending
            return
        chunk, data = data, (_read(f, READ_BYTES, name) if data else b"")


def _cost(line: str) -> int:
    return len(line) + LINE_COST


def iter_parts(path: str, options: ReadOptions = ReadOptions(), part_chars: int = PART_CHARS,
               max_part_chars: int = MAX_PART_CHARS, max_line_chars: int | None = None) -> Iterator[Part]:
    """The file in parts (see the module's docstring); their texts put together are the decoded file."""
    max_line = max_line_chars or min(MAX_LINE_CHARS, max_part_chars - LINE_COST)
    blank_cut = (part_chars + max_part_chars) // 2
    buf: list[str] = []
    size = line_base = char_base = lines = 0  # lines: the lines in buf that end in it
    after_tags = False  # the last non-blank line was a tag line
    cut_next = False  # the part ends before the next line: after a blank line, after a piece of a long line
    for line in iter_lines(path, options, max_line):
        body = line.rstrip("\r\n")
        ended = len(body) < len(line)
        piece = not ended and len(line) >= max_line  # a piece of a long line, and the rest of it follows
        blank = is_blank(body)
        if buf:
            cut = cut_next or piece
            if not cut and not blank:
                at_boundary = after_tags and not is_tag_line(body) and not attribution(body)
                cut = (size >= part_chars and at_boundary) or size + _cost(line) > max_part_chars
            if cut:  # parts are cut lazily, when the next line is there: the last part is never empty
                yield Part("".join(buf), line_base, char_base, final=False)
                line_base, char_base = line_base + lines, char_base + sum(map(len, buf))
                buf, size, lines = [], 0, 0
        if not blank:
            after_tags = is_tag_line(body)
        buf.append(line)
        size += _cost(line)
        lines += ended
        cut_next = piece or (blank and size >= blank_cut)
    yield Part("".join(buf), line_base, char_base, final=True)


def dumps_in_parts(path: str, options: ReadOptions, process, part_chars: int | None = None) -> Iterator:
    """``process(text, path, final, tagged)`` on every part of a long file, each Dump placed in the file."""
    tagged = False
    for part in iter_parts(path, options, part_chars or PART_CHARS):
        dump = process(part.text, path, part.final, tagged)
        dump.line_base, dump.char_base = part.line_base, part.char_base
        tagged = tagged or any(s.tag_line is not None for s in dump.sections)
        yield dump
