"""Writing files so that a reader never sees half of one: a temporary file beside the target, renamed over it.

Used for model files and for ``-o FILE`` outputs. The temporary file is created with the mode the umask gives
(mkstemp would make it 0600), or, when it replaces an existing file, with that file's mode. It is hidden
(``.NAME.PID.RANDOM.tmp``), so a directory walk for ``*.txt`` inputs never picks it up, and it is removed when
the write fails or is interrupted: only ``commit()`` renames it into place.
"""
from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path
from typing import IO


def temp_path(target: Path) -> Path:
    return target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")


def _create(tmp: Path, like: Path) -> int:
    """Open ``tmp`` exclusively; 0o666 minus the umask, or the mode of the file it will replace."""
    try:
        kept = stat.S_IMODE(os.stat(like).st_mode) if like.is_file() else None
    except OSError:
        kept = None
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
    if kept is not None:  # an existing target's mode is kept as it is, not masked by the umask
        os.fchmod(fd, kept)
    return fd


def sync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable (best effort: not every file system allows it)."""
    try:
        dfd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


class AtomicFile:
    """A file written under a temporary name and renamed over ``target`` by ``commit()``, or removed by
    ``abort()`` (and by leaving a ``with`` block without committing)."""

    def __init__(self, target: str | Path, text: bool = False) -> None:
        self.target = Path(target)
        self.text = text
        self.tmp: Path | None = None
        self.file: IO | None = None

    def open(self) -> IO:
        self.tmp = temp_path(self.target)
        fd = _create(self.tmp, self.target)
        try:
            if self.text:
                self.file = os.fdopen(fd, "w", encoding="utf-8", newline="")
            else:
                self.file = os.fdopen(fd, "wb")
        except BaseException:
            os.close(fd)
            self.tmp.unlink(missing_ok=True)
            raise
        return self.file

    def commit(self) -> None:
        assert self.file is not None and self.tmp is not None
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        os.replace(self.tmp, self.target)
        self.tmp = None
        sync_directory(self.target.parent)

    def abort(self) -> None:
        if self.file is not None and not self.file.closed:
            try:
                self.file.close()
            except OSError:  # a full disk may refuse the final flush too; the file goes anyway
                pass
        if self.tmp is not None:
            self.tmp.unlink(missing_ok=True)
            self.tmp = None

    def __enter__(self) -> IO:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.abort()  # after commit() there is nothing left to remove


def write_atomic(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all."""
    f = AtomicFile(path)
    with f as out:
        out.write(data)
        f.commit()
