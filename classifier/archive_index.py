"""``classifier index``: tag an archive into the SQLite database of archive_db.py, incrementally.

The parent process decides what to tag before anything is tagged: each file is read and hashed (SHA-256 of its
bytes), and a dump whose hash, model fingerprint, settings and generation match its row is skipped, so a re-run
costs a read and a hash a dump. The rest goes through the ordinary batch path (this process, ``--jobs`` worker
processes or a Dask cluster), rendered in the internal ``archive`` format (archive_record.py), and the parent
writes each dump as its result arrives, in input order, whole in one transaction (archive_db.DumpWriter).

A file that changes between its hash and its tagging is stored with the old hash: the next run sees a hash that
differs and tags it again, so such a race costs a re-tag, never a stale row.
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .archive_db import (
    ArchiveError,
    DumpFile,
    DumpWriter,
    SourceFacts,
    Stamp,
    connect,
    create_indexes,
    describe,
    drop_indexes,
    get_meta,
    next_generation,
    run_lock,
    stamps,
)
from .batch import TagJob
from .model_fingerprint import model_fingerprint
from .outlets import Outlets
from .output import file_identity
from .reading import STDIN, Input, InputError, expand

HASH_CHUNK = 1 << 20


@dataclass
class IndexRequest:
    db: str
    paths: list[str]
    job: TagJob  # fmt "archive"
    jobs: int = 1
    dask: str | None = None
    dask_timeout: float = 300.0
    rebuild: bool = False


@dataclass
class IndexReport:
    db: str
    tagged: int = 0
    skipped: int = 0
    in_database: int = 0
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        failed = f", {len(self.failures)} failed" if self.failures else ""
        return (f"{self.db}: {self.tagged} dump(s) tagged, {self.skipped} unchanged (skipped){failed}; "
                f"{self.in_database} dump(s) in the database")


def settings_of(job: TagJob) -> str:
    """The settings besides the model that change what is stored: JSON, compared as text."""
    return json.dumps({"top_k": job.top_k, "explain": job.explain, "encoding": job.read.encoding,
                       "errors": job.read.errors, "classifier": __version__}, sort_keys=True)


def file_sha256(path: str) -> tuple[str, int]:
    """SHA-256 of the file's bytes and its size, read in chunks (bounded memory for any size)."""
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(HASH_CHUNK):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def source_facts(outlets: Outlets, model_meta: dict[str, Any] | None) -> Callable[[str, list[str]], SourceFacts]:
    """What the sources table says of a handle: the outlet list's verdict (by handle, or by a news word in any
    display name seen), and the model's learned reputation where it has one (``meta["reputation"]``)."""
    reputation = (model_meta or {}).get("reputation")
    reputation = reputation if isinstance(reputation, dict) else {}

    def facts(handle: str, names: list[str]) -> SourceFacts:
        outlet = outlets.is_outlet(handle) or any(outlets.is_outlet(handle, n) for n in names)
        r = reputation.get(handle, reputation.get(handle.lower()))
        if not isinstance(r, dict):
            return SourceFacts(outlet)
        return SourceFacts(outlet, _number(r.get("score"), float), _number(r.get("blocks"), int),
                           _number(r.get("posts"), int))

    return facts


def _number(value: Any, kind: type) -> Any:
    try:
        return None if value is None else kind(value)
    except (TypeError, ValueError):
        return None


def index_archive(req: IndexRequest, predictor, outlets: Outlets, progress: Callable, available_cpus: int
                  ) -> IndexReport:
    """Tag what is new or changed into ``req.db``; raises ArchiveError for a database that cannot be used."""
    report = IndexReport(req.db)
    conn = connect(req.db, create=True)
    try:
        with run_lock(Path(req.db)):
            _index(conn, req, predictor, outlets, progress, available_cpus, report)
    except sqlite3.Error as e:
        raise ArchiveError(f"{req.db}: {describe(e)}") from None
    finally:
        conn.close()  # before the lock's descriptor closes (see run_lock)
    return report


def _index(conn: sqlite3.Connection, req: IndexRequest, predictor, outlets: Outlets, progress: Callable,
           available_cpus: int, report: IndexReport) -> None:
    from .batch import run, run_dask

    fingerprint = model_fingerprint(req.job.model_dir, outlets)
    settings = settings_of(req.job)
    generation = next_generation(conn) if req.rebuild else int(get_meta(conn, "generation") or 0)
    known = stamps(conn)
    todo: list[tuple[DumpFile, Stamp]] = []
    for f in _files(req, report):
        stamp = Stamp(f.content_sha256, fingerprint, settings, generation)
        if known.get(f.path) == stamp:
            report.skipped += 1
        else:
            todo.append((f, stamp))
    items = [Input(f.name) for f, _ in todo]
    jobs = max(1, min(req.jobs, len(items), available_cpus))
    results = run_dask(req.job, items, req.dask, timeout=req.dask_timeout) if req.dask and items else \
        run(req.job, items, jobs)
    facts = source_facts(outlets, getattr(getattr(predictor, "model", None), "meta", None))
    bulk = not known and bool(items)  # an empty database: load first, index after
    if bulk:
        drop_indexes(conn)
        conn.execute("PRAGMA foreign_keys=OFF")  # nothing is deleted; the rows are made consistent by construction
    else:
        create_indexes(conn)  # a first run that was killed left them to this one
    with DumpWriter(conn, facts) as writer:
        for (f, stamp), result in zip(todo, progress(results, "indexing", len(items))):
            if result.error is not None:
                report.failures.append(result.error)
                continue
            try:  # the outputs are the records of the archive format (dicts), one a part
                writer.write(f, stamp, result.outputs, replace=f.path in known)
                report.tagged += 1
            except InputError as e:  # found in the middle of a long file: the dump was rolled back
                report.failures.append(str(e))
            report.warnings.extend(result.warnings)
    if bulk:  # not after an interrupt: the next run builds them, before it changes anything
        create_indexes(conn)
        conn.execute("PRAGMA foreign_keys=ON")
    report.in_database = conn.execute("SELECT count(*) FROM dumps").fetchone()[0]


def _files(req: IndexRequest, report: IndexReport) -> Iterable[DumpFile]:
    """Every input file once, hashed; unreadable ones and standard input go to the failures."""
    db = file_identity(req.db)
    seen: set[str] = set()
    for item in expand(req.paths):
        if item.error is not None:
            report.failures.append(item.error)
            continue
        if item.path == STDIN:
            report.failures.append("-: standard input cannot be indexed: a dump in the database is kept by its file's "
                                   "path; save it to a file first")
            continue
        path = os.path.abspath(item.path)
        if path in seen:
            continue
        seen.add(path)
        if db is not None and file_identity(item.path) == db:
            report.notes.append(f"{item.path}: left out, it is the database")
            continue
        try:
            sha, size = file_sha256(item.path)
        except IsADirectoryError:
            report.failures.append(f"{item.path}: is a directory")
            continue
        except OSError as e:
            report.failures.append(f"{item.path}: cannot read: {e.strerror or e}")
            continue
        yield DumpFile(path, item.path, sha, size)


