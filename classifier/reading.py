"""Finding and decoding input files. A bad file gives an ``InputError`` naming it; the batch goes on.

Encodings: UTF-8 with or without BOM and UTF-16 with BOM by their marks; otherwise UTF-8, Shift_JIS (CP932)
and EUC-JP are tried strictly, and where more than one decodes, the one that reads as more Japanese wins.
``--encoding`` forces one. Undecodable bytes are an error naming the file and the byte offset, unless
``--errors replace`` asks to go on (U+FFFD in their place). Line breaks are kept as they are (CRLF, CR, LF).
"""
from __future__ import annotations

import codecs
import os
import re
import sys
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

STDIN = "-"
CANDIDATES = ("utf-8", "cp932", "euc_jp")
NAMES = {"utf-8": "UTF-8", "cp932": "Shift_JIS (CP932)", "euc_jp": "EUC-JP", "utf-16": "UTF-16"}
SNIFF_BYTES = 1 << 16
# Signatures of files that are surely not text dumps.
_MAGIC = (b"\x89PNG", b"%PDF", b"PK\x03\x04", b"\x1f\x8b", b"\xff\xd8\xff", b"GIF8", b"\x7fELF", b"BZh",
          b"\xfd7zXZ", b"7z\xbc\xaf", b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05", b"\x93NUMPY")
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
_CONTROL = set(range(0, 9)) | set(range(14, 27)) | set(range(28, 32))  # not \t \n \v \f \r, ESC (ISO-2022-JP)


class InputError(Exception):
    """A user's input that cannot be read; str() names the file and what is wrong."""


@dataclass(frozen=True)
class ReadOptions:
    encoding: str | None = None  # None: detect
    errors: str = "strict"  # "strict" or "replace"


@dataclass
class Input:
    path: str  # as the user gave it, or as found under a directory; "-" for standard input
    text: str | None = None
    error: str | None = None


def check_encoding(name: str) -> str:
    """The codec name for a user's --encoding, or InputError."""
    try:
        info = codecs.lookup(name)
    except LookupError:
        raise InputError(f"unknown encoding {name!r} (try utf-8, shift_jis, cp932, euc-jp, utf-16)") from None
    if not getattr(info, "_is_text_encoding", True):  # base64, rot13, zlib…: codecs, but not text encodings
        raise InputError(f"{name!r} is not a text encoding (try utf-8, shift_jis, cp932, euc-jp, utf-16)")
    return info.name


def looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if head.startswith(_MAGIC):
        return True
    if not head or head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    controls = sum(1 for b in head if b in _CONTROL)
    return controls / len(head) > 0.05  # a stray NUL in a scraped page is text; a run of them is not


def japanese_score(text: str) -> float:
    """Share of characters a Japanese news page is made of: kana, kanji, ASCII, common punctuation."""
    if not text:
        return 0.0
    good = 0
    for ch in text:
        o = ord(ch)
        kana, kanji, punct, fullwidth = 0x3040 <= o <= 0x30FF, 0x4E00 <= o <= 0x9FFF, 0x3000 <= o <= 0x303F, 0xFF01 <= o <= 0xFF5E
        if ch.isascii() or kana or kanji or punct or fullwidth:
            good += 1
        elif unicodedata.category(ch).startswith("C"):
            good -= 1
    return good / len(text)


def detect_encoding(data: bytes, complete: bool | None = None) -> str | None:
    """The encoding of a byte string by its BOM, or by strict trial among CANDIDATES; None if none fits.

    ``complete`` says whether ``data`` is the whole input; by default, when it is no longer than the sample.
    """
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = data[:SNIFF_BYTES]
    fits: list[tuple[str, str]] = []
    for enc in CANDIDATES:
        try:
            # a sample may end inside a character: decode it as an unfinished stream
            whole = len(data) <= SNIFF_BYTES if complete is None else complete and len(data) <= SNIFF_BYTES
            text = codecs.getincrementaldecoder(enc)().decode(sample, final=whole)
        except UnicodeDecodeError:
            continue
        if enc == "utf-8" or not _PRIVATE_USE.search(text):  # CP932 maps stray high bytes to private use
            fits.append((enc, text))
    if not fits:
        return None
    if fits[0][0] == "utf-8" or len(fits) == 1:
        return fits[0][0]
    return max(fits, key=lambda f: japanese_score(f[1]))[0]


def decode(data: bytes, name: str, options: ReadOptions = ReadOptions()) -> str:
    """The text of a dump's bytes, or InputError naming the file and what is wrong."""
    if options.encoding is None and looks_binary(data):
        raise InputError(f"{name}: looks like a binary file, not a text dump")
    encoding = options.encoding or detect_encoding(data)
    if encoding is None:
        if options.errors == "replace":
            encoding = _furthest(data)
        else:
            bad = _first_error(data, "utf-8")
            raise InputError(
                f"{name}: not valid UTF-8, Shift_JIS or EUC-JP (under UTF-8, byte 0x{data[bad]:02x} at byte offset "
                f"{bad} cannot be decoded); force one with --encoding, or go on with --errors replace"
            )
    try:
        text = data.decode(encoding, errors=options.errors)
    except UnicodeDecodeError as e:
        raise undecodable(name, encoding, e.start) from None
    return text[1:] if text.startswith("\ufeff") else text


def undecodable(name: str, encoding: str, offset: int) -> InputError:
    """The error for bytes that do not decode, naming the file, the encoding and the byte offset."""
    label = NAMES.get(codecs.lookup(encoding).name, encoding)
    return InputError(f"{name}: not valid {label} at byte offset {offset} (--errors replace to go on)")


def _first_error(data: bytes, encoding: str) -> int:
    try:
        data.decode(encoding)
    except UnicodeDecodeError as e:
        return e.start
    return len(data)


def _furthest(data: bytes) -> str:
    """The candidate that decodes the longest prefix: the best guess when every one fails somewhere."""
    return max(CANDIDATES, key=lambda enc: _first_error(data, enc))


def expand(paths: list[str]) -> Iterator[Input]:
    """Every input named by ``paths``: files, the ``*.txt`` files under directories (sorted), or stdin."""
    for p in paths:
        if p == STDIN:
            yield Input(STDIN)
            continue
        path = Path(p)
        try:
            is_dir = path.is_dir()
            path.stat()
        except FileNotFoundError:
            yield Input(p, error=f"{p}: no such file or directory")
            continue
        except OSError as e:  # a symlink loop, a name too long, a permission problem on a parent
            yield Input(p, error=f"{p}: {(e.strerror or str(e)).lower()}")
            continue
        if is_dir:
            found = sorted(_txt_files(path))
            if not found:
                yield Input(p, error=f"{p}: directory has no .txt files")
            for f in found:
                yield Input(str(f))
        else:
            yield Input(p)


def _txt_files(d: Path) -> Iterator[Path]:
    # followlinks=False: a link back up the tree cannot send the walk round in circles
    for root, dirs, files in os.walk(d, followlinks=False):
        dirs.sort()
        for f in files:
            if f.endswith(".txt") and not f.startswith("."):
                yield Path(root) / f


def read_inputs(paths: list[str], options: ReadOptions = ReadOptions()) -> Iterator[Input]:
    """Each input with its decoded text, or with an error message (never raises for a user's mistake)."""
    for item in expand(paths):
        if item.error is None:
            try:
                item.text = read_text(item.path, options)
            except InputError as e:
                item.error = str(e)
        yield item


def read_text(path: str, options: ReadOptions = ReadOptions()) -> str:
    if path == STDIN:
        name = "<stdin>"
        if sys.stdin is None:
            raise InputError(f"{name}: standard input is closed")
        try:
            data = sys.stdin.buffer.read()
        except (OSError, ValueError) as e:
            raise InputError(f"{name}: cannot read: {getattr(e, 'strerror', None) or e}") from None
    else:
        name = path
        try:
            data = Path(path).read_bytes()
        except FileNotFoundError:
            raise InputError(f"{path}: no such file or directory") from None
        except IsADirectoryError:
            raise InputError(f"{path}: is a directory") from None
        except OSError as e:
            raise InputError(f"{path}: cannot read: {e.strerror or e}") from None
    if not data.strip():
        raise InputError(f"{name}: empty file, nothing to read")
    return decode(data, name, options)
