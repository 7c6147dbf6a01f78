"""Long files in bounded memory: read as a stream and cut into parts that end at a tag line group.

A dump is one post and fits in memory; an archive file of many posts may not. Files larger than
``STREAM_BYTES`` are decoded incrementally and cut, once a part holds ``PART_CHARS`` characters, right after a
group of tag lines (where the blogger closed a section or a post). Each part is parsed and tagged on its own:
- a part that more text follows is segmented with final=False, so its last tag lines close a section instead of
  being taken for post tags; only the file's last part has post tags;
- every part knows where it starts (line_base, char_base), so its JSON points into the whole file.
Memory is then bounded by the part size (about PART_CHARS characters and the objects made from them), not by
the file. A file with no tag lines at all is cut at a blank line, or at any line past MAX_PART_CHARS.
"""
from __future__ import annotations

import codecs
import os
from collections.abc import Iterator
from dataclasses import dataclass

from .display import shown_path
from .patterns import LINE_BREAK_RE, attribution, is_blank
from .reading import SNIFF_BYTES, InputError, ReadOptions, choose_encoding, open_regular, undecodable
from .tags import is_tag_line

STREAM_BYTES = 16 << 20  # files above this are streamed
PART_CHARS = 1 << 20  # a part is cut at the first tag line group after this many characters
MAX_PART_CHARS = 8 << 20  # past this, at a blank line; past twice this, anywhere
READ_BYTES = 1 << 20


@dataclass
class Part:
    text: str
    line_base: int  # lines of the file before this part
    char_base: int  # characters of the file before this part
    final: bool  # the file's last part


def should_stream(path: str) -> bool:
    try:
        return os.stat(path).st_size > STREAM_BYTES
    except OSError:
        return False


def iter_lines(path: str, options: ReadOptions = ReadOptions()) -> Iterator[str]:
    """The file's lines with their line breaks, decoded incrementally; InputError names the byte offset."""
    with open_regular(path) as f:
        head = f.read(SNIFF_BYTES)
        data = f.read(READ_BYTES) if len(head) == SNIFF_BYTES else b""
        if not data and not head.strip():
            raise InputError(f"{shown_path(path)}: empty file, nothing to read")
        # the same decision as for a file read whole: from the first bytes, knowing whether they are all of it
        encoding = choose_encoding(head, not data, path, options)
        decoder = codecs.getincrementaldecoder(encoding)(errors=options.errors)
        consumed, pending, chunk = 0, "", head
        while True:
            final = not chunk
            try:
                pending += decoder.decode(chunk, final=final)
            except UnicodeDecodeError as e:
                raise undecodable(path, encoding, consumed + e.start) from None
            consumed += len(chunk)
            if consumed == len(chunk) and pending.startswith("\ufeff"):
                pending = pending[1:]
            # keep a trailing "\r": its "\n" may come with the next read
            cut = len(pending) - 1 if pending.endswith("\r") and not final else len(pending)
            start = 0
            for m in LINE_BREAK_RE.finditer(pending, 0, cut):
                yield pending[start : m.end()]
                start = m.end()
            pending = pending[start:]
            if final:
                if pending:
                    yield pending
                return
            chunk, data = data, (f.read(READ_BYTES) if data else b"")


def iter_parts(path: str, options: ReadOptions = ReadOptions(), part_chars: int = PART_CHARS,
               max_part_chars: int = MAX_PART_CHARS) -> Iterator[Part]:
    buf: list[str] = []
    size = line_base = char_base = 0
    after_tags = False  # the last non-blank line was a tag line
    for line in iter_lines(path, options):
        body = line.rstrip("\r\n")
        blank = is_blank(body)
        if buf and not blank:
            at_boundary = after_tags and not is_tag_line(body) and not attribution(body)
            if (size >= part_chars and at_boundary) or size >= 2 * max_part_chars:
                yield Part("".join(buf), line_base, char_base, final=False)
                line_base, char_base = line_base + len(buf), char_base + size
                buf, size = [], 0
        elif buf and blank and size >= max_part_chars:
            buf.append(line)
            size += len(line)
            yield Part("".join(buf), line_base, char_base, final=False)
            line_base, char_base = line_base + len(buf), char_base + size
            buf, size = [], 0
            continue
        if not blank:
            after_tags = is_tag_line(body)
        buf.append(line)
        size += len(line)
    yield Part("".join(buf), line_base, char_base, final=True)


def dumps_in_parts(path: str, options: ReadOptions, process, part_chars: int | None = None) -> Iterator:
    """``process(text, path, final, tagged)`` on every part of a long file, each Dump placed in the file."""
    tagged = False
    for part in iter_parts(path, options, part_chars or PART_CHARS):
        dump = process(part.text, path, part.final, tagged)
        dump.line_base, dump.char_base = part.line_base, part.char_base
        tagged = tagged or any(s.tag_line is not None for s in dump.sections)
        yield dump
