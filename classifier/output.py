"""Where results go: standard output, or ``-o FILE`` written atomically, never over one of the inputs.

- ``-o FILE`` naming an input (directly, through a symbolic link or a hard link) is refused before anything is
  opened for writing; an earlier output found while walking a directory is left out of the inputs.
- The output is written to a hidden temporary file beside FILE and renamed over it only when at least one dump
  was written and the run was not interrupted: a run that fails before any dump (a mistyped path, an unreachable
  cluster) or dies midway leaves an existing FILE untouched.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from .atomic import AtomicFile
from .reading import STDIN, Input


class OutputError(Exception):
    """The output cannot be written; the message names it and says why."""


def file_identity(path: str) -> tuple[int, int] | None:
    """(device, inode) of a file, or None when it cannot be seen: two paths, one file."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def exclude_output(output: str, named: Iterable[str], items: list[Input]) -> tuple[list[Input], list[str]]:
    """The inputs without the output file, and notes on what was left out. Raises OutputError when the user
    named the output file as an input."""
    if Path(output).is_dir():
        raise OutputError(f"{output}: is a directory; -o needs a file name")
    target = file_identity(output)
    if target is None:
        return items, []
    named = set(named)
    kept: list[Input] = []
    notes: list[str] = []
    for item in items:
        if item.path != STDIN and item.error is None and file_identity(item.path) == target:
            if item.path in named:
                raise OutputError(f"{output}: is also an input ({item.path}); write the output to another file")
            notes.append(f"{item.path}: left out, it is the output file")
            continue
        kept.append(item)
    return kept, notes


class _Guarded:
    """A text stream whose write errors (a full disk, a closed descriptor) become OutputError naming it."""

    def __init__(self, stream: TextIO, name: str) -> None:
        self._stream, self._name = stream, name

    def _fail(self, e: BaseException) -> OutputError:
        reason = getattr(e, "strerror", None) or str(e)
        return OutputError(f"{self._name}: cannot write: {reason}")

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            raise
        except (OSError, ValueError) as e:  # ValueError: the stream was closed under us
            raise self._fail(e) from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise
        except (OSError, ValueError) as e:
            raise self._fail(e) from None


class Sink:
    """The stream results are written to. ``finish(ok)`` puts a file output in place (or leaves the old one)."""

    def __init__(self, output: str | None) -> None:
        self.output = output
        self._file = AtomicFile(output, text=True) if output else None
        self.stream: TextIO | None = None

    def open(self) -> TextIO:
        if self._file is None:
            if sys.stdout is None:
                raise OutputError("standard output is closed; write to a file with -o FILE")
            self.stream = _Guarded(sys.stdout, "standard output")  # type: ignore[assignment]
            return self.stream  # type: ignore[return-value]
        try:
            raw = self._file.open()
        except OSError as e:
            raise OutputError(f"{self.output}: cannot write: {e.strerror or e}") from None
        self.stream = _Guarded(raw, self.output)  # type: ignore[assignment,arg-type]
        return self.stream  # type: ignore[return-value]

    def finish(self, keep: bool) -> bool:
        """Put the file in place when ``keep``; otherwise remove the temporary file. True if it was put."""
        if self._file is None:
            if self.stream is not None:
                self.stream.flush()
            return keep
        if not keep:
            self._file.abort()
            return False
        try:
            self._file.commit()
        except OSError as e:
            self._file.abort()
            raise OutputError(f"{self.output}: cannot write: {e.strerror or e}") from None
        return True

    def abort(self) -> None:
        if self._file is not None:
            self._file.abort()

    @property
    def name(self) -> str:
        return self.output or "standard output"
