"""Finding and decoding input files. A bad file gives an ``InputError`` naming it; the batch goes on."""
from __future__ import annotations

import codecs
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

STDIN = "-"


class InputError(Exception):
    """A user's input that cannot be read; str() names the file and what is wrong."""


@dataclass
class Input:
    path: str  # as the user gave it, or as found under a directory; "-" for standard input
    text: str | None = None
    error: str | None = None


def decode(data: bytes, name: str) -> str:
    """UTF-8 with or without BOM, or UTF-16 with BOM. Line breaks are kept as they are."""
    if data.startswith(codecs.BOM_UTF8):
        data, encoding = data[len(codecs.BOM_UTF8) :], "utf-8"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = "utf-8"
        if b"\x00" in data[:8192]:
            raise InputError(f"{name}: looks like a binary file (NUL bytes), not a text dump")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as e:
        raise InputError(f"{name}: not valid {encoding.upper()} at byte offset {e.start}") from None


def expand(paths: list[str]) -> Iterator[Input]:
    """Every input named by ``paths``: files, the ``*.txt`` files under directories (sorted), or stdin."""
    for p in paths:
        if p == STDIN:
            yield Input(STDIN)
            continue
        path = Path(p)
        if path.is_dir():
            found = sorted(_txt_files(path))
            if not found:
                yield Input(p, error=f"{p}: directory has no .txt files")
            for f in found:
                yield Input(str(f))
        elif path.exists():
            yield Input(p)
        else:
            yield Input(p, error=f"{p}: no such file or directory")


def _txt_files(d: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(d, followlinks=False):
        dirs.sort()
        for f in files:
            if f.endswith(".txt") and not f.startswith("."):
                yield Path(root) / f


def read_inputs(paths: list[str]) -> Iterator[Input]:
    """Each input with its decoded text, or with an error message (never raises for a user's mistake)."""
    for item in expand(paths):
        if item.error is None:
            try:
                item.text = read_text(item.path)
            except InputError as e:
                item.error = str(e)
        yield item


def read_text(path: str) -> str:
    if path == STDIN:
        return decode(sys.stdin.buffer.read(), "<stdin>")
    try:
        data = Path(path).read_bytes()
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror or e}") from None
    return decode(data, path)
