"""Finding and decoding input files. A bad file gives an ``InputError`` naming it; the batch goes on.

Encodings: UTF-8 with or without BOM, UTF-16 and UTF-32 with BOM by their marks; 7-bit text with ISO-2022-JP
escape sequences as ISO-2022-JP; otherwise UTF-8, Shift_JIS (CP932) and EUC-JP are tried strictly, and where more
than one decodes, the one that reads as more Japanese wins. ``--encoding`` forces one. Undecodable bytes are an
error naming the file and the byte offset, unless ``--errors replace`` asks to go on (U+FFFD in their place).
``choose_encoding`` decides from the first SNIFF_BYTES bytes, for a file read whole and for a long file read as
a stream (classifier/stream.py) alike. Line breaks are kept as they are (CRLF, CR, LF).

Only regular files are read: a device (``/dev/zero``), a named pipe or a socket is refused before it is opened
(and files are opened non-blocking, so a pipe put in a file's place meanwhile cannot hang the batch). Under a
directory, such entries and symbolic links that lead out of the directory are skipped and reported
(``--follow-links`` reads what links lead to). Standard input (``-``) may be a pipe.
"""
from __future__ import annotations

import codecs
import os
import re
import stat
import sys
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from .display import shown_path

STDIN = "-"
CANDIDATES = ("utf-8", "cp932", "euc_jp")
# ISO-2022-JP is 7-bit: it would pass as UTF-8. Its escape sequences give it away; the variants are tried in turn
# (plain, with half-width katakana, JIS X 0213 for NEC's circled numbers and the like, the multilingual one).
ISO2022 = ("iso2022_jp", "iso2022_jp_ext", "iso2022_jp_2004", "iso2022_jp_2")
_ISO2022_ESC = re.compile(rb"\x1b(?:\$[@B]|\$\([ABDOPQ]|\([BIJ])")
NAMES = {"utf-8": "UTF-8", "cp932": "Shift_JIS (CP932)", "euc_jp": "EUC-JP", "utf-16": "UTF-16", "utf-32": "UTF-32",
         **{enc: "ISO-2022-JP" for enc in ISO2022}}
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
    follow_links: bool = False  # under a directory, read what links leading out of it point to


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
    if not head or head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_BE)):
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
    """The encoding of a byte string by its BOM, by ISO-2022-JP escapes, or by strict trial among CANDIDATES;
    None if none fits. Only the first SNIFF_BYTES bytes are tried.

    ``complete`` says whether ``data`` is the whole input; by default, when it is no longer than the sample.
    """
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):  # before UTF-16: FF FE 00 00 starts with FF FE
        return "utf-32"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample, whole = _sample(data, complete)
    if _looks_iso2022(sample):
        return next((enc for enc in ISO2022 if _decodes(sample, enc, whole) is not None), None)
    fits: list[tuple[str, str]] = []
    for enc in CANDIDATES:
        text = _decodes(sample, enc, whole)
        if text is not None and (enc == "utf-8" or not _PRIVATE_USE.search(text)):
            fits.append((enc, text))  # CP932 maps stray high bytes to private use: no fit
    if not fits:
        return None
    if fits[0][0] == "utf-8" or len(fits) == 1:
        return fits[0][0]
    return max(fits, key=lambda f: japanese_score(f[1]))[0]


def choose_encoding(head: bytes, complete: bool, name: str, options: ReadOptions = ReadOptions()) -> str:
    """The one place where an input's encoding is decided, from its first bytes (``complete``: they are all of
    it): a small file read whole and a long file read as a stream get the same answer. InputError for a binary
    file, and for bytes no candidate decodes unless ``--errors replace`` (then the least damaged reading)."""
    if options.encoding:
        return options.encoding
    if looks_binary(head):
        raise InputError(f"{shown_path(name)}: looks like a binary file, not a text dump")
    encoding = detect_encoding(head, complete)
    if encoding is not None:
        return encoding
    sample, whole = _sample(head, complete)
    if options.errors == "replace":
        return _least_damaged(sample, whole)
    if _looks_iso2022(sample):
        bad = max(_first_error(sample, enc, whole) for enc in ISO2022)  # where the likeliest variant failed
        raise InputError(f"{shown_path(name)}: has ISO-2022-JP escape sequences but is not valid ISO-2022-JP "
                         f"(byte 0x{sample[bad]:02x} at byte offset {bad}); force an encoding with --encoding, "
                         f"or go on with --errors replace")
    bad = _first_error(sample, "utf-8", whole)
    raise InputError(
        f"{shown_path(name)}: not valid UTF-8, Shift_JIS or EUC-JP (under UTF-8, byte 0x{sample[bad]:02x} at byte "
        f"offset {bad} cannot be decoded); force one with --encoding, or go on with --errors replace"
    )


def decode(data: bytes, name: str, options: ReadOptions = ReadOptions()) -> str:
    """The text of a dump's bytes, or InputError naming the file and what is wrong."""
    encoding = choose_encoding(data[:SNIFF_BYTES], len(data) <= SNIFF_BYTES, name, options)
    try:
        text = data.decode(encoding, errors=options.errors)
    except UnicodeDecodeError as e:
        raise undecodable(name, encoding, e.start) from None
    return text[1:] if text.startswith("\ufeff") else text


def _sample(data: bytes, complete: bool | None) -> tuple[bytes, bool]:
    whole = len(data) <= SNIFF_BYTES if complete is None else complete and len(data) <= SNIFF_BYTES
    return data[:SNIFF_BYTES], whole


def _looks_iso2022(sample: bytes) -> bool:
    return b"\x1b" in sample and sample.isascii() and _ISO2022_ESC.search(sample) is not None


def _decodes(sample: bytes, encoding: str, whole: bool, errors: str = "strict") -> str | None:
    """The sample decoded (as an unfinished stream unless ``whole``: it may end inside a character), or None."""
    try:
        return codecs.getincrementaldecoder(encoding)(errors).decode(sample, final=whole)
    except UnicodeDecodeError:
        return None


def _least_damaged(sample: bytes, whole: bool) -> str:
    """Under --errors replace, when no candidate decodes strictly: the one with the fewest replaced bytes (private
    use characters count as damage for CP932), then the one that reads as more Japanese."""
    candidates = ISO2022 if _looks_iso2022(sample) else CANDIDATES

    def damage(enc: str) -> tuple[int, float]:
        text = _decodes(sample, enc, whole, "replace") or ""
        return text.count("\ufffd") + len(_PRIVATE_USE.findall(text)), -japanese_score(text)

    return min(candidates, key=damage)


def undecodable(name: str, encoding: str, offset: int) -> InputError:
    """The error for bytes that do not decode, naming the file, the encoding and the byte offset."""
    label = NAMES.get(codecs.lookup(encoding).name, encoding)
    return InputError(f"{shown_path(name)}: not valid {label} at byte offset {offset} (--errors replace to go on)")


def _first_error(data: bytes, encoding: str, whole: bool = True) -> int:
    try:
        codecs.getincrementaldecoder(encoding)().decode(data, final=whole)
    except UnicodeDecodeError as e:
        return e.start
    return len(data) - 1


_KINDS = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a directory"))


def _kind(mode: int) -> str:
    return next((what for test, what in _KINDS if test(mode)), "not a regular file")


def not_regular(path: str, mode: int, skipped: bool = False) -> str:
    """The message for a path that is not a regular file (it could be read forever, or block)."""
    if skipped:
        return f"{shown_path(path)}: skipped: {_kind(mode)}, not a regular file"
    hint = "; to read a pipe, give - and redirect it to standard input" if stat.S_ISFIFO(mode) else ""
    return f"{shown_path(path)}: {_kind(mode)}, not a regular file{hint}"


def _os_error(path: str, e: OSError) -> str:
    if isinstance(e, FileNotFoundError):
        return f"{shown_path(path)}: no such file or directory"
    return f"{shown_path(path)}: {(e.strerror or str(e)).lower()}"


def open_regular(path: str) -> BinaryIO:
    """``path`` opened for reading if it is a regular file, else InputError. Opened non-blocking, then checked
    with fstat: a named pipe never blocks the open, and a device is never read."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
                     | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise InputError(f"{shown_path(path)}: no such file or directory") from None
    except IsADirectoryError:
        raise InputError(f"{shown_path(path)}: is a directory") from None
    except PermissionError as e:
        raise InputError(f"{shown_path(path)}: cannot read: {e.strerror or e}") from None
    except OSError as e:  # a symlink loop, a name too long, a permission problem on a parent
        raise InputError(_os_error(path, e)) from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise InputError(f"{shown_path(path)}: is a directory" if stat.S_ISDIR(mode) else not_regular(path, mode))
    return os.fdopen(fd, "rb")


Skipped = Callable[[str], None]


def report_skipped(message: str) -> None:
    """The default for entries skipped under a directory: a line on standard error (not a failure)."""
    print(f"classifier: {message}", file=sys.stderr)


def expand(paths: list[str], options: ReadOptions = ReadOptions(), skipped: Skipped = report_skipped
           ) -> Iterator[Input]:
    """Every input named by ``paths``: files, the ``*.txt`` files under directories (sorted), or stdin.

    A path named directly that is not a regular file or a directory is an input with an error. Under a
    directory, what is not a regular file and (unless ``options.follow_links``) symbolic links that lead out of
    the directory are skipped: ``skipped`` gets a message for each.
    """
    for p in paths:
        if p == STDIN:
            yield Input(STDIN)
            continue
        try:
            mode = os.stat(p).st_mode
        except OSError as e:  # missing, a symlink loop, a name too long, a permission problem on a parent
            yield Input(p, error=_os_error(p, e))
            continue
        if stat.S_ISDIR(mode):
            left_out: list[str] = []

            def skip(message: str) -> None:
                left_out.append(message)
                skipped(message)

            found = sorted(_txt_files(p, options.follow_links, skip))
            if not found:
                what = f"no .txt file to read ({len(left_out)} skipped)" if left_out else "directory has no .txt files"
                yield Input(p, error=f"{shown_path(p)}: {what}")
            for f in found:
                yield Input(f)
        elif stat.S_ISREG(mode):
            yield Input(p)
        else:
            yield Input(p, error=not_regular(p, mode))


def _inside(path: str, top: str) -> bool:
    return path == top or path.startswith(top.rstrip(os.sep) + os.sep)


def _txt_files(d: str, follow: bool, skip: Skipped) -> Iterator[str]:
    """The regular ``*.txt`` files under ``d``, walked once: a link to a directory is never followed
    into the tree itself (no loop); links out of it only with ``follow``, each place at most once."""
    top = os.path.realpath(d)
    seen = {top}
    hint = "(--follow-links to read it)"
    for root, dirs, files in os.walk(d, followlinks=follow):
        kept = []
        for name in sorted(dirs):
            full = os.path.join(root, name)
            if os.path.islink(full):
                real = os.path.realpath(full)
                outside = not _inside(real, top)
                if outside and not follow:
                    skip(f"{shown_path(full)}: skipped: a link to a directory outside {shown_path(d)} {hint}")
                if not (follow and outside and real not in seen):
                    continue  # inside the tree it is walked anyway; a loop or a second way in is walked once
                seen.add(real)
            kept.append(name)
        dirs[:] = kept
        for name in sorted(files):
            if not name.endswith(".txt") or name.startswith("."):
                continue
            full = os.path.join(root, name)
            if not follow and os.path.islink(full) and not _inside(os.path.realpath(full), top):
                skip(f"{shown_path(full)}: skipped: a link to a file outside {shown_path(d)} {hint}")
                continue
            try:
                mode = os.stat(full).st_mode
            except OSError:
                yield full  # a dangling link or a loop: reading it gives the error
                continue
            if stat.S_ISREG(mode):
                yield full
            else:
                skip(not_regular(full, mode, skipped=True))


def read_inputs(paths: list[str], options: ReadOptions = ReadOptions(), skipped: Skipped = report_skipped
                ) -> Iterator[Input]:
    """Each input with its decoded text, or with an error message (never raises for a user's mistake)."""
    for item in expand(paths, options, skipped):
        if item.error is None:
            try:
                item.text = read_text(item.path, options)
            except InputError as e:
                item.error = str(e)
        yield item


def read_bytes(path: str) -> bytes:
    """The bytes of a regular file (``-``: standard input); InputError when it cannot be read or holds nothing."""
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
        with open_regular(path) as f:
            try:
                data = f.read()
            except OSError as e:
                raise InputError(f"{shown_path(path)}: cannot read: {e.strerror or e}") from None
    if not data.strip():
        raise InputError(f"{shown_path(name)}: empty file, nothing to read")
    return data


def read_text(path: str, options: ReadOptions = ReadOptions()) -> str:
    """The decoded text of a file or of standard input (``-``), read whole."""
    return decode(read_bytes(path), "<stdin>" if path == STDIN else path, options)
