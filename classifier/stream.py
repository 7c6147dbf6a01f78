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
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .patterns import LINE_BREAK_RE, attribution, is_blank
from .reading import SNIFF_BYTES, InputError, ReadOptions, detect_encoding, looks_binary, undecodable
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
        return Path(path).stat().st_size > STREAM_BYTES
    except OSError:
        return False


def iter_lines(path: str, options: ReadOptions = ReadOptions()) -> Iterator[str]:
    """The file's lines with their line breaks, decoded incrementally; InputError names the byte offset."""
    with open(path, "rb") as f:
        head = f.read(SNIFF_BYTES)
        if not head.strip():
            raise InputError(f"{path}: empty file, nothing to read")
        if options.encoding is None and looks_binary(head):
            raise InputError(f"{path}: looks like a binary file, not a text dump")
        complete = len(head) < SNIFF_BYTES
        encoding = options.encoding or detect_encoding(head, complete) or "utf-8"
        decoder = codecs.getincrementaldecoder(encoding)(errors=options.errors)
        consumed, data = 0, head
        held = ""  # a trailing "\r" of the last read: its "\n" may come with the next read
        line: list[str] = []  # the start of a line that goes on past the text read so far
        while True:
            final = not data
            try:
                text = held + decoder.decode(data, final=final)
            except UnicodeDecodeError as e:
                raise undecodable(path, encoding, consumed + e.start) from None
            if consumed == 0 and text.startswith("\ufeff"):
                text = text[1:]
            consumed += len(data)
            cut = len(text) - 1 if text.endswith("\r") and not final else len(text)
            held = text[cut:]
            # Only the new text is scanned, and a line longer than a read is kept in pieces until it ends: a
            # line of hundreds of megabytes costs linear time (appending every read to it and scanning it again
            # from its start was quadratic).
            start = 0
            for m in LINE_BREAK_RE.finditer(text, 0, cut):
                line.append(text[start : m.end()])
                yield "".join(line)
                line = []
                start = m.end()
            if start < cut:
                line.append(text[start:cut])
            if final:
                if line:
                    yield "".join(line)
                return
            data = f.read(READ_BYTES)


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
