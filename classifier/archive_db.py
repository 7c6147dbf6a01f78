"""The archive database of ``classifier index``: an SQLite file (Python's sqlite3, no server) of tagged dumps.

Tables (the README shows them with example queries):
- ``meta``: what the file is (``format``), its ``schema_version`` and the ``generation`` that ``--rebuild`` moves on;
- ``dumps``: one row a dump file, with its content hash, post date, the model fingerprint that tagged it, counts;
- ``blocks``: every block of every dump, with its label, commentary score, source handle, rules and text;
- ``sources``: every handle seen, its display names, whether the outlet list calls it an outlet, its reputation;
- ``sections`` and ``tags``: the dumps' sections, and their tags and the post's, existing and suggested.

Safety: a dump is written in one transaction with others written in the same second, inside its own savepoint
(a killed run leaves it whole or absent); a new file is made under
a temporary name and linked into place with its schema, so a file of ours always has its ``meta`` table; a file
that is not a database of ours (a text file, an empty file, someone else's SQLite database) is never written to;
a run holds an exclusive lock on the file, so a second run stops at once with a message instead of waiting.
"""
from __future__ import annotations

import functools
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .atomic import sync_directory, temp_path

FORMAT_NAME = "hashtag-classifier-archive"
SCHEMA_VERSION = 1
SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_SECONDS = 10.0  # how long a write waits for another program's lock before it says so
COMMIT_SECONDS = 1.0  # dumps written are committed at least this often (a kill loses at most that much work)

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE dumps (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    content_sha256 TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    post_date TEXT,
    model_fingerprint TEXT NOT NULL,
    settings TEXT NOT NULL,
    generation INTEGER NOT NULL,
    parts INTEGER NOT NULL,
    lines INTEGER NOT NULL,
    wire_lines INTEGER NOT NULL,
    commentary_lines INTEGER NOT NULL,
    tag_lines INTEGER NOT NULL,
    meta_lines INTEGER NOT NULL,
    blocks INTEGER NOT NULL,
    sections INTEGER NOT NULL
);
CREATE TABLE sources (
    handle TEXT PRIMARY KEY,
    names TEXT NOT NULL,
    is_outlet INTEGER NOT NULL,
    reputation REAL,
    reputation_blocks INTEGER,
    reputation_posts INTEGER
);
CREATE TABLE sections (
    id INTEGER PRIMARY KEY,
    dump_id INTEGER NOT NULL REFERENCES dumps(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    start_line INTEGER NOT NULL,
    end_line INTEGER NOT NULL,
    tag_line INTEGER,
    UNIQUE (dump_id, seq)
);
CREATE TABLE blocks (
    id INTEGER PRIMARY KEY,
    dump_id INTEGER NOT NULL REFERENCES dumps(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    section_id INTEGER REFERENCES sections(id) ON DELETE CASCADE,
    start_line INTEGER NOT NULL,
    end_line INTEGER NOT NULL,
    start_char INTEGER NOT NULL,
    end_char INTEGER NOT NULL,
    lines INTEGER NOT NULL,
    kind TEXT NOT NULL,
    label TEXT NOT NULL,
    commentary_score REAL,
    source TEXT REFERENCES sources(handle),
    rules TEXT NOT NULL,
    evidence TEXT,
    text TEXT NOT NULL,
    UNIQUE (dump_id, seq)
);
CREATE TABLE tags (
    id INTEGER PRIMARY KEY,
    dump_id INTEGER NOT NULL REFERENCES dumps(id) ON DELETE CASCADE,
    section_id INTEGER REFERENCES sections(id) ON DELETE CASCADE,
    level TEXT NOT NULL CHECK (level IN ('section', 'post')),
    origin TEXT NOT NULL CHECK (origin IN ('existing', 'suggested')),
    rank INTEGER NOT NULL,
    tag TEXT NOT NULL,
    note TEXT,
    score REAL,
    evidence TEXT
);
"""
# Secondary indexes, for the usual joins and the foreign keys' cascades. A first run into an empty database
# drops them, loads, and builds them at the end (a third less time than keeping them up row by row).
INDEXES = (
    ("dumps_post_date", "dumps(post_date)"),
    ("blocks_source", "blocks(source)"),
    ("blocks_section", "blocks(section_id)"),
    ("tags_tag", "tags(tag, level, origin)"),
    ("tags_dump", "tags(dump_id, level, origin)"),
    ("tags_section", "tags(section_id)"),
)
TABLES = ("meta", "dumps", "sources", "sections", "blocks", "tags")
LABEL_COLUMNS = {"wire": "wire_lines", "commentary": "commentary_lines", "tag": "tag_lines", "meta": "meta_lines"}


class ArchiveError(Exception):
    """A database path or file that cannot be used; the message names it and says why (exit status 2)."""


# --- the file: ours, new, or refused -------------------------------------------------------------------------
def check_path(path: str | Path, create: bool) -> Path:
    """The database path, refused with ArchiveError when it is not (or cannot become) a database of ours.

    Only a file with SQLite's header is opened at all; whether it is ours is checked in ``connect``."""
    p = Path(path)
    if p.exists():
        if not p.is_file():
            raise ArchiveError(f"{p}: is not a regular file; --db needs a database file name")
        try:
            with open(p, "rb") as f:
                head = f.read(len(SQLITE_MAGIC))
        except OSError as e:
            raise ArchiveError(f"{p}: cannot read: {e.strerror or e}") from None
        if head != SQLITE_MAGIC:
            what = "an empty file" if not head else "not an SQLite database"
            raise ArchiveError(f"{p}: {what}, not an archive of classifier index; it is left as it is "
                               "(give a new file name, or the database an earlier index run made)")
        return p
    if not create:
        raise ArchiveError(f"{p}: no such database; make one with: classifier index ARCHIVE --db {p}")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise ArchiveError(f"{p}: the directory {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ArchiveError(f"{p}: cannot create it, {parent} is not writable")
    return p


def _create(path: Path) -> None:
    """A new database with its schema, made under a temporary name and linked into place: a kill mid-way
    leaves no half-made file under the user's name, and a file that appeared meanwhile is not replaced."""
    tmp = temp_path(path)
    try:
        conn = sqlite3.connect(tmp, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(f"BEGIN;{SCHEMA}{_index_sql()}INSERT INTO meta VALUES ('format', '{FORMAT_NAME}'), "
                               f"('schema_version', '{SCHEMA_VERSION}'), ('generation', '0');COMMIT;")
        finally:
            conn.close()
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)  # unlike a rename, never replaces a file
        except FileExistsError:
            raise ArchiveError(f"{path}: a file of that name appeared while the database was being made; "
                               "it is left as it is") from None
        sync_directory(path.parent)
    finally:
        for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            leftover.unlink(missing_ok=True)


def connect(path: str | Path, create: bool = False, readonly: bool = False) -> sqlite3.Connection:
    """An open connection to a database of ours (made when ``create`` and absent), foreign keys on.
    The connection is in autocommit mode: writers use ``transaction()``."""
    p = check_path(path, create)
    if not p.exists():
        _create(p)
    try:
        if readonly:
            conn = sqlite3.connect(f"{p.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None,
                                   timeout=BUSY_SECONDS)
        else:
            conn = sqlite3.connect(p, isolation_level=None, timeout=BUSY_SECONDS)
    except sqlite3.Error as e:
        raise ArchiveError(f"{p}: cannot open the database: {e}") from None
    try:
        _check_ours(conn, p)
        conn.execute("PRAGMA foreign_keys=ON")
        if not readonly:
            conn.execute("PRAGMA journal_mode=WAL")  # readers (a report) never wait for a writer
            conn.execute("PRAGMA synchronous=NORMAL")  # in WAL mode: consistent after any crash, fast commits
    except sqlite3.Error as e:
        conn.close()
        raise ArchiveError(f"{p}: {describe(e)}") from None
    except ArchiveError:
        conn.close()
        raise
    return conn


def _check_ours(conn: sqlite3.Connection, p: Path) -> None:
    try:
        has_meta = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'").fetchone()
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall()) if has_meta else {}
    except sqlite3.DatabaseError as e:
        raise ArchiveError(f"{p}: {describe(e)}") from None
    if meta.get("format") != FORMAT_NAME:
        raise ArchiveError(f"{p}: an SQLite database, but not an archive of classifier index; it is left as it is "
                           "(give a new file name)")
    version = int(meta.get("schema_version", "0"))
    if version > SCHEMA_VERSION:
        raise ArchiveError(f"{p}: made by a newer classifier (schema {version}; this one reads up to "
                           f"{SCHEMA_VERSION}); upgrade hashtag-classifier")
    if version < SCHEMA_VERSION:  # no older schema exists yet; a future version migrates here
        raise ArchiveError(f"{p}: schema {version} is not known to this classifier")


def describe(e: sqlite3.Error) -> str:
    text = str(e)
    if "locked" in text or "busy" in text:
        return (f"the database is locked by another program (waited {BUSY_SECONDS:g} s); close it and run again")
    if "malformed" in text or "not a database" in text:
        return f"the database is damaged ({text}); make a new one with another --db, or --rebuild into a new file"
    if "readonly" in text or "read-only" in text:
        return "the database cannot be written (read-only file or directory)"
    if "disk" in text and "full" in text:
        return "the disk is full"
    return f"database error: {text}"


@contextmanager
def run_lock(path: Path) -> Iterator[None]:
    """An exclusive lock for a whole index run (flock on the database file, which SQLite's own POSIX locks do
    not touch). Another run stops at once with ArchiveError. The descriptor is closed only after SQLite's
    connection is: closing another descriptor of the file earlier would drop SQLite's locks."""
    try:
        import fcntl
    except ImportError:  # not POSIX: SQLite's own locking still keeps the file consistent
        yield
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ArchiveError(f"{path}: another classifier index run is writing to this database; wait for it to "
                               "finish (it holds a lock on the file)") from None
        except OSError:
            pass  # a file system without flock: SQLite's locks still guard each transaction
        yield
    finally:
        os.close(fd)


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE … COMMIT, or ROLLBACK when anything (an interrupt too) leaves the block early."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _index_sql() -> str:
    return "".join(f"CREATE INDEX IF NOT EXISTS {name} ON {on};\n" for name, on in INDEXES)


def create_indexes(conn: sqlite3.Connection) -> None:
    """Every secondary index, built where it is missing (after a bulk load, or one that was killed)."""
    with transaction(conn):
        for name, on in INDEXES:
            conn.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {on}")


def drop_indexes(conn: sqlite3.Connection) -> None:
    with transaction(conn):
        for name, _ in INDEXES:
            conn.execute(f"DROP INDEX IF EXISTS {name}")


def get_meta(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def next_generation(conn: sqlite3.Connection) -> int:
    """``--rebuild``: every dump tagged before now counts as out of date, in this run and the next ones."""
    with transaction(conn):
        generation = int(get_meta(conn, "generation") or 0) + 1
        conn.execute("INSERT OR REPLACE INTO meta VALUES ('generation', ?)", (str(generation),))
    return generation


# --- what is known ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Stamp:
    """What makes a dump's rows current: its content, the model and settings that tagged it, the generation."""
    content_sha256: str
    model_fingerprint: str
    settings: str
    generation: int


def stamps(conn: sqlite3.Connection) -> dict[str, Stamp]:
    """The stamp of every dump in the database, by absolute path."""
    rows = conn.execute("SELECT path, content_sha256, model_fingerprint, settings, generation FROM dumps")
    return {path: Stamp(*rest) for path, *rest in rows}


# --- writing one dump ------------------------------------------------------------------------------------------
@dataclass
class SourceFacts:
    """What the database says of a handle besides its names: outlet or not, and the model's reputation."""
    is_outlet: bool
    reputation: float | None = None
    blocks: int | None = None
    posts: int | None = None


@dataclass
class DumpFile:
    path: str  # absolute
    name: str  # as given
    content_sha256: str
    size: int


@dataclass
class _Counts:
    parts: int = 0
    blocks: int = 0
    sections: int = 0
    date: str | None = None
    lines: dict[str, int] = field(default_factory=lambda: {k: 0 for k in LABEL_COLUMNS})


class DumpWriter:
    """Writes dumps in groups: one transaction at least every ``commit_seconds``, a savepoint a dump.

    Each dump is whole or absent at every moment: a dump that fails midway (a long file whose later part cannot
    be decoded) is rolled back to its savepoint alone, and a kill loses only the dumps of the open transaction,
    which the next run tags again. One commit a dump would cost a tenth of the tagging time on this machine (a
    commit writes every page it touched, and WAL checkpoints sync the file), a commit a second almost nothing."""

    def __init__(self, conn: sqlite3.Connection, facts: Callable[[str, list[str]], SourceFacts],
                 commit_seconds: float = COMMIT_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        """``facts(handle, names)`` describes each source for the sources table."""
        self.conn, self.commit_seconds, self.clock = conn, commit_seconds, clock
        self.sources = _Sources(facts)
        self.began: float | None = None  # when the open transaction began

    def write(self, f: DumpFile, stamp: Stamp, records: Iterable[dict[str, Any]], replace: bool = True) -> int:
        """Replace the dump's rows with the records of its parts (one for a file that was not streamed).
        Returns the dump's id."""
        if self.began is None:
            self.conn.execute("BEGIN IMMEDIATE")
            self.began = self.clock()
        self.conn.execute("SAVEPOINT dump")
        try:
            dump_id = _write_dump(self.conn, f, stamp, records, self.sources, replace)
        except BaseException:
            self.sources.drop()
            self.conn.execute("ROLLBACK TO dump")
            self.conn.execute("RELEASE dump")
            raise
        self.conn.execute("RELEASE dump")
        self.sources.keep()
        if self.clock() - self.began >= self.commit_seconds:
            self.commit()
        return dump_id

    def commit(self) -> None:
        if self.began is not None:
            self.conn.execute("COMMIT")
            self.began = None

    def __enter__(self) -> "DumpWriter":
        return self

    def __exit__(self, kind, error, tb) -> None:
        """The whole dumps written so far are kept, even when the run stops on an interrupt or an error; after an
        error of SQLite itself, the open transaction is given up."""
        if self.began is None:
            return
        if isinstance(error, sqlite3.Error):
            self.began = None
            self.sources = _Sources(self.sources.facts)  # what it remembers may be rolled back
            try:
                self.conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            return
        self.commit()


def _write_dump(conn: sqlite3.Connection, f: DumpFile, stamp: Stamp, records: Iterable[dict[str, Any]],
                sources: "_Sources", replace: bool) -> int:
    if replace:
        conn.execute("DELETE FROM dumps WHERE path = ?", (f.path,))
    dump_id = conn.execute(
        "INSERT INTO dumps (path, name, content_sha256, bytes, model_fingerprint, settings, generation, parts, "
        "lines, wire_lines, commentary_lines, tag_lines, meta_lines, blocks, sections) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, 0, 0, 0, 0, 0, 0)",
        (f.path, f.name, stamp.content_sha256, f.size, stamp.model_fingerprint, stamp.settings, stamp.generation),
    ).lastrowid
    counts = _Counts()
    for record in records:
        _write_part(conn, dump_id, record, counts, sources)
    conn.execute(
        "UPDATE dumps SET post_date = ?, parts = ?, lines = ?, wire_lines = ?, commentary_lines = ?, "
        "tag_lines = ?, meta_lines = ?, blocks = ?, sections = ? WHERE id = ?",
        (counts.date, counts.parts, sum(counts.lines.values()), *counts.lines.values(), counts.blocks,
         counts.sections, dump_id),
    )
    return dump_id


def _write_part(conn: sqlite3.Connection, dump_id: int, record: dict[str, Any], counts: _Counts,
                sources: "_Sources") -> None:
    """One part's rows, a few statements a table: this runs once a dump, in the parent, on the clock of index."""
    d = record["dump"]
    counts.parts += 1
    if record.get("date") and (counts.date is None or record["date"] > counts.date):
        counts.date = record["date"]
    sources.write(conn, d["blocks"], record["names"])
    spans = _write_sections(conn, dump_id, d, counts)
    _write_blocks(conn, dump_id, d["blocks"], record, spans, counts)


def _write_sections(conn: sqlite3.Connection, dump_id: int, d: dict[str, Any], counts: _Counts
                    ) -> list[tuple[int, int, int]]:
    """The part's sections and all its tags; returns (start line, end line, id) of each section."""
    # Section ids are given here, not by SQLite one insert at a time: the transaction is the only writer.
    first = conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM sections").fetchone()[0]
    ids = range(first, first + len(d["sections"]))
    conn.executemany(
        "INSERT INTO sections (id, dump_id, seq, start_line, end_line, tag_line) VALUES (?, ?, ?, ?, ?, ?)",
        [(sid, dump_id, counts.sections + k + 1, s["start_line"], s["end_line"], s["tag_line"])
         for k, (sid, s) in enumerate(zip(ids, d["sections"]))])
    counts.sections += len(ids)
    tags = [row for sid, s in zip(ids, d["sections"]) for row in _tag_rows(dump_id, sid, "section", s)]
    tags += _tag_rows(dump_id, None, "post", d["post"])
    conn.executemany("INSERT INTO tags (dump_id, section_id, level, origin, rank, tag, note, score, evidence) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", tags)
    return [(s["start_line"], s["end_line"], sid) for sid, s in zip(ids, d["sections"])]


def _write_blocks(conn: sqlite3.Connection, dump_id: int, blocks: list[dict[str, Any]], record: dict[str, Any],
                  spans: list[tuple[int, int, int]], counts: _Counts) -> None:
    rows = []
    for b, text, lines in zip(blocks, record["texts"], record["lines"]):
        counts.blocks += 1
        counts.lines[b["label"]] = counts.lines.get(b["label"], 0) + lines
        section = next((sid for start, end, sid in spans if start <= b["start_line"] <= end), None)
        rows.append((dump_id, counts.blocks, section, b["start_line"], b["end_line"], b["start"], b["end"], lines,
                     b["kind"], b["label"], b.get("commentary_score"), b["source"],
                     _rules_json(tuple(b["rules"])), _json_or_null(b.get("evidence")), text))
    conn.executemany(
        "INSERT INTO blocks (dump_id, seq, section_id, start_line, end_line, start_char, end_char, lines, kind, label, "
        "commentary_score, source, rules, evidence, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def _tag_rows(dump_id: int, section_id: int | None, level: str, d: dict[str, Any]) -> list[tuple]:
    rows = [(dump_id, section_id, level, "existing", rank, t["name"], t.get("note") or None, None, None)
            for rank, t in enumerate(d.get("existing", []), 1)]
    rows += [(dump_id, section_id, level, "suggested", rank, s["tag"], None, s["score"],
              _json_or_null(s.get("evidence"))) for rank, s in enumerate(d.get("suggested", []), 1)]
    return rows


class _Sources:
    """Writes the sources rows of each part: a handle with its display names seen so far (this part's added), its
    outlet verdict and reputation. Remembers what this run has written, so a handle seen again with no new name
    costs neither a query nor a write; what a rolled-back dump wrote is forgotten with it (``drop``)."""

    def __init__(self, facts: Callable[[str, list[str]], SourceFacts]) -> None:
        self.facts = facts
        self.done: dict[str, frozenset[str]] = {}  # handle -> names, as written in this run and committed or kept
        self.pending: dict[str, frozenset[str]] = {}  # written by the dump being written

    def write(self, conn: sqlite3.Connection, blocks: list[dict[str, Any]], names: list[str | None]) -> None:
        seen: dict[str, set[str]] = {}
        for b, name in zip(blocks, names):
            if b["source"]:
                seen.setdefault(b["source"], set()).update([name] if name else [])
        current = {**self.done, **self.pending}
        handles = [h for h in sorted(seen) if h not in current or not seen[h] <= current[h]]
        if not handles:
            return
        marks = ",".join("?" * len(handles))
        known = dict(conn.execute(f"SELECT handle, names FROM sources WHERE handle IN ({marks})", handles).fetchall())
        rows = []
        for handle in handles:
            all_names = sorted(seen[handle] | set(json.loads(known[handle]) if handle in known else []))
            fact = self.facts(handle, all_names)
            rows.append((handle, json.dumps(all_names, ensure_ascii=False), int(fact.is_outlet), fact.reputation,
                         fact.blocks, fact.posts))
            self.pending[handle] = frozenset(all_names)
        conn.executemany(
            "INSERT INTO sources (handle, names, is_outlet, reputation, reputation_blocks, reputation_posts) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (handle) DO UPDATE SET names = excluded.names, "
            "is_outlet = excluded.is_outlet, reputation = excluded.reputation, "
            "reputation_blocks = excluded.reputation_blocks, reputation_posts = excluded.reputation_posts", rows)

    def keep(self) -> None:
        self.done.update(self.pending)
        self.pending.clear()

    def drop(self) -> None:
        self.pending.clear()


@functools.lru_cache(maxsize=4096)
def _rules_json(rules: tuple[str, ...]) -> str:
    """The JSON of a block's rule names (a few hundred combinations in an archive: made once each)."""
    return json.dumps(list(rules), ensure_ascii=False)


def _json_or_null(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)
