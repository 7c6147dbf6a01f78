"""`classifier index`: the archive database, incremental runs, transactions under SIGKILL, bad --db paths."""
from __future__ import annotations

import json
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import CORPUS, FIXTURES, ROOT

CORPUS2 = ROOT / "training" / "corpus2"
README = ROOT / "README.md"


def run(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "classifier", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, timeout=timeout)


def index(db, *paths, model, extra=()):
    out = run("index", *paths, "--db", db, "--model", model, "--quiet", *extra)
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    return out


def summary(out) -> tuple[int, int]:
    m = re.search(r"(\d+) dump\(s\) tagged, (\d+) unchanged", out.stdout)
    assert m, out.stdout
    return int(m.group(1)), int(m.group(2))


def contents(db) -> dict[str, list]:
    conn = sqlite3.connect(db)
    try:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall()
                for t in ("meta", "dumps", "sources", "sections", "blocks", "tags")}
    finally:
        conn.close()


def n_corpus() -> int:
    return len(list(CORPUS.glob("*.txt"))) + len(list(CORPUS2.glob("*.txt")))


@pytest.fixture(scope="module")
def archive(trained_model, tmp_path_factory):
    """Both sample sets indexed once, with the jsonl of `tag` on the same files."""
    d = tmp_path_factory.mktemp("archive")
    db = d / "archive.sqlite"
    out = index(db, CORPUS, CORPUS2, model=trained_model)
    jl = run("tag", CORPUS, CORPUS2, "--model", trained_model, "--format", "jsonl")
    assert jl.returncode == 0, jl.stderr
    return db, [json.loads(x) for x in jl.stdout.splitlines()], out


def test_counts_equal_tag_jsonl(archive):
    db, dumps, out = archive
    assert summary(out) == (n_corpus(), 0)
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM dumps").fetchone()[0] == len(dumps) == n_corpus()
    for d in dumps:
        dump_id, n_blocks, n_sections = conn.execute("SELECT id, blocks, sections FROM dumps WHERE name = ?",
                                                     (d["path"],)).fetchone()
        blocks = conn.execute("SELECT kind, label, start_line, end_line, start_char, end_char, source, rules, "
                              "commentary_score FROM blocks WHERE dump_id = ? ORDER BY seq", (dump_id,)).fetchall()
        assert n_blocks == len(blocks) == len(d["blocks"])
        assert blocks == [(b["kind"], b["label"], b["start_line"], b["end_line"], b["start"], b["end"], b["source"],
                           json.dumps(b["rules"]), b["commentary_score"]) for b in d["blocks"]]
        assert n_sections == len(d["sections"])
        for level, existing, suggested in _levels(d):
            rows = conn.execute("SELECT origin, tag, note, score FROM tags t LEFT JOIN sections s ON s.id = t.section_id "
                                "WHERE t.dump_id = ? AND t.level = ? ORDER BY s.seq, t.origin, t.rank",
                                (dump_id, level)).fetchall()
            assert [r[1:3] for r in rows if r[0] == "existing"] == [(t["name"], t["note"] or None) for t in existing]
            assert [(r[1], r[3]) for r in rows if r[0] == "suggested"] == [(s["tag"], s["score"]) for s in suggested]
    # label line counts: the stored counts agree with the blocks
    bad = conn.execute("SELECT d.id FROM dumps d JOIN blocks b ON b.dump_id = d.id GROUP BY d.id HAVING "
                       "d.commentary_lines != SUM(CASE WHEN b.label = 'commentary' THEN b.lines ELSE 0 END) "
                       "OR d.lines != SUM(b.lines)").fetchall()
    assert bad == []


def _levels(d):
    sections = d["sections"]
    yield "section", [t for s in sections for t in s["existing"]], [x for s in sections for x in s["suggested"]]
    yield "post", d["post"]["existing"], d["post"]["suggested"]


def test_what_the_tables_hold(archive):
    db, dumps, _ = archive
    conn = sqlite3.connect(db)
    meta = dict(conn.execute("SELECT key, value FROM meta"))
    assert meta["format"] == "hashtag-classifier-archive" and meta["schema_version"] == "1"
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    # every block keeps its text: the dump's lines as written
    path, dump_id = conn.execute("SELECT path, id FROM dumps WHERE name LIKE '%01_kursk%'").fetchone()
    text = Path(path).read_text(encoding="utf-8")
    for start, end, stored in conn.execute("SELECT start_char, end_char, text FROM blocks WHERE dump_id = ?",
                                           (dump_id,)):
        assert text[start:end] == stored
    # sources: display names seen and the outlet list's verdict
    names, outlet = conn.execute("SELECT names, is_outlet FROM sources WHERE handle = 'nhk_news'").fetchone()
    assert json.loads(names) == ["NHKニュース"] and outlet == 1
    assert conn.execute("SELECT COUNT(*) FROM sources WHERE is_outlet = 0").fetchone()[0] > 5
    # the post date: the latest date on attribution lines (December 17, 2024 in this dump)
    assert conn.execute("SELECT post_date FROM dumps WHERE id = ?", (dump_id,)).fetchone()[0] == "2024-12-17"
    assert conn.execute("SELECT COUNT(*) FROM dumps WHERE post_date IS NULL").fetchone()[0] == 0
    # the content hash is the SHA-256 of the file's bytes
    import hashlib

    assert conn.execute("SELECT content_sha256 FROM dumps WHERE id = ?", (dump_id,)).fetchone()[0] == \
        hashlib.sha256(Path(path).read_bytes()).hexdigest()


def readme_queries() -> list[str]:
    """The SQL blocks of the README's section on the archive database."""
    text = README.read_text(encoding="utf-8")
    return re.findall(r"```sql\n(.*?)```", text, re.S)


def test_the_readme_queries_run_and_answer(archive):
    db, dumps, _ = archive
    queries = readme_queries()
    assert len(queries) >= 3
    conn = sqlite3.connect(db)
    monthly = conn.execute(queries[0]).fetchall()
    assert len(monthly) > 10 and all(re.fullmatch(r"\d{4}-\d{2}", m) and 0 <= share <= 1 for m, share, *_ in monthly)
    accounts = conn.execute(queries[1]).fetchall()  # opinion accounts quoted most in posts tagged #NATOexpansion
    assert accounts and all(posts >= 1 for _, _, posts, *_ in accounts)
    outlets = {h for (h,) in conn.execute("SELECT handle FROM sources WHERE is_outlet")}
    assert not {a[0] for a in accounts} & outlets
    tagged = {d["path"] for d in dumps if any(t["name"] == "NATOexpansion" for t in d["post"]["existing"])}
    handles = {b["source"] for d in dumps if d["path"] in tagged for b in d["blocks"] if b["source"]}
    assert {a[0] for a in accounts} <= handles
    pairs = conn.execute(queries[2]).fetchall()  # post tags written together
    assert pairs[0][2] >= pairs[-1][2] and ("反ロシア", "対中露戦") in {(a, b) for a, b, _ in pairs} | \
        {(b, a) for a, b, _ in pairs}


def test_rerun_skips_all_and_a_new_dump_alone_is_tagged(trained_model, tmp_path):
    arch = tmp_path / "arch"
    shutil.copytree(CORPUS, arch / "one")
    db = tmp_path / "a.sqlite"
    first = index(db, arch, model=trained_model)
    assert summary(first) == (len(list(CORPUS.glob("*.txt"))), 0)
    before = contents(db)
    assert summary(index(db, arch, model=trained_model)) == (0, len(list(CORPUS.glob("*.txt"))))
    assert contents(db) == before  # a skipped dump is not touched
    shutil.copy(FIXTURES / "traps.txt", arch / "one" / "zz_new.txt")
    again = index(db, arch, model=trained_model)
    assert summary(again) == (1, len(list(CORPUS.glob("*.txt"))))
    after = contents(db)
    assert after["dumps"][:-1] == before["dumps"] and after["dumps"][-1][2].endswith("zz_new.txt")
    # a changed dump is tagged again, its rows replaced
    changed = arch / "one" / "01_kursk_nk_casualties.txt"
    changed.write_text(changed.read_text(encoding="utf-8") + "\n#追記\n", encoding="utf-8")
    assert summary(index(db, arch, model=trained_model))[0] == 1
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT COUNT(*) FROM dumps").fetchone()[0] == len(list(CORPUS.glob("*.txt"))) + 1
    assert conn.execute("SELECT COUNT(*) FROM tags t JOIN dumps d ON d.id = t.dump_id WHERE d.name = ? AND "
                        "t.tag = '追記'", (str(changed),)).fetchone()[0] == 1
    assert conn.execute("SELECT COUNT(*) FROM blocks WHERE dump_id NOT IN (SELECT id FROM dumps)").fetchone()[0] == 0


def test_a_changed_model_or_outlet_list_retags_and_rebuild_redoes_all(trained_model, tmp_path):
    db = tmp_path / "a.sqlite"
    files = sorted(CORPUS.glob("*.txt"))[:4]
    index(db, *files, model=trained_model)
    other = tmp_path / "model"
    shutil.copytree(trained_model, other)
    (other / "model.json").write_text((other / "model.json").read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert summary(index(db, *files, model=other)) == (4, 0)  # other model.json bytes: another fingerprint
    assert summary(index(db, *files, model=other)) == (0, 4)
    outlets = tmp_path / "outlets.txt"
    outlets.write_text("@some_new_outlet\n", encoding="utf-8")
    assert summary(index(db, *files, model=other, extra=["--outlets", outlets])) == (4, 0)
    assert summary(index(db, *files, model=other, extra=["--outlets", outlets, "--top-k", "2"])) == (4, 0)
    assert summary(index(db, *files, model=other, extra=["--outlets", outlets, "--top-k", "2", "--rebuild"])) == (4, 0)
    assert summary(index(db, *files, model=other, extra=["--outlets", outlets, "--top-k", "2"])) == (0, 4)


def test_jobs_2_gives_the_same_database(trained_model, tmp_path, archive):
    db2 = tmp_path / "two.sqlite"
    index(db2, CORPUS, CORPUS2, model=trained_model, extra=["--jobs", "2"])
    assert contents(db2) == contents(archive[0])


def test_killed_at_random_moments_the_database_stays_whole_and_the_next_run_completes(trained_model, tmp_path,
                                                                                       archive):
    arch = tmp_path / "arch"  # both sample sets six times: a run of a few seconds to land kills in
    for k in range(6):
        shutil.copytree(CORPUS, arch / f"c{k}")
        shutil.copytree(CORPUS2, arch / f"d{k}")
    total = 6 * n_corpus()
    db = tmp_path / "k.sqlite"
    rng = random.Random(10)
    cmd = [sys.executable, "-m", "classifier", "index", str(arch), "--db", str(db), "--model", str(trained_model),
           "--quiet"]
    seen = []
    for attempt in range(6):
        # the first kills land in a growing database, the later ones in a --rebuild that replaces dumps; some at
        # any moment from the start (the database being made, the model loading), the others once this run has
        # committed dumps, at a random moment after (so that they land mid-run however fast the machine is)
        rebuild = attempt >= 2
        proc = subprocess.Popen(cmd + (["--rebuild"] if rebuild else []), cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        if attempt in (0, 3):
            time.sleep(rng.uniform(0.2, 1.5))
        else:
            _wait_for_progress(db, proc, rebuild, seen[-1][0] if seen else 0, _generation(db) + 1)
            time.sleep(rng.uniform(0.0, 0.3))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if not db.exists():
            seen.append((0, 0))
            continue
        conn = sqlite3.connect(db)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        # each dump is whole: its blocks, sections and line counts are all there
        assert conn.execute("SELECT COUNT(*) FROM dumps d WHERE blocks != (SELECT COUNT(*) FROM blocks b WHERE "
                            "b.dump_id = d.id) OR sections != (SELECT COUNT(*) FROM sections s WHERE s.dump_id = d.id) "
                            "OR blocks = 0").fetchone()[0] == 0
        generation = int(conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0])
        seen.append((conn.execute("SELECT COUNT(*) FROM dumps").fetchone()[0],
                     conn.execute("SELECT COUNT(*) FROM dumps WHERE generation = ?", (generation,)).fetchone()[0]))
        conn.close()
    print("dumps in the database, and of them tagged in the last generation, after each kill:", seen)
    assert sum(0 < current < total for _, current in seen) >= 2, seen  # kills landed mid-run
    last = index(db, arch, model=trained_model)
    # the next run tags exactly what the last killed run left undone (all of it done when the kill came late)
    assert sum(summary(last)) == total and summary(last)[0] == total - seen[-1][1]
    reference = {Path(name).name: sig for name, sig in _by_file(archive[0]).items()}  # file names are unique
    assert {name: sig == reference[Path(name).name] for name, sig in _by_file(db).items()} == \
        {str(p): True for p in arch.rglob("*.txt")}
    assert summary(index(db, arch, model=trained_model)) == (0, total)
    from classifier.archive_db import INDEXES

    conn = sqlite3.connect(db)  # a killed first run leaves the indexes out; the next run builds them
    assert {name for name, _ in INDEXES} <= {n for (n,) in conn.execute("SELECT name FROM sqlite_master")}


def _generation(db: Path) -> int:
    if not db.exists():
        return 0
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0])
    finally:
        conn.close()


def _wait_for_progress(db: Path, proc, rebuild: bool, before: int, generation: int, limit: float = 60.0) -> None:
    """Until the running index has committed dumps of its own (or has ended): new dumps, or with --rebuild dumps
    of the new generation."""
    deadline = time.monotonic() + limit
    while proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
        try:
            conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.1)
            try:
                if rebuild:
                    done = conn.execute("SELECT COUNT(*) FROM dumps WHERE generation >= ?", (generation,)).fetchone()[0]
                else:
                    done = conn.execute("SELECT COUNT(*) FROM dumps").fetchone()[0] - before
            finally:
                conn.close()
        except sqlite3.Error:  # not made yet
            continue
        if done > 0:
            return


def _by_file(db) -> dict[str, tuple]:
    """Each dump's rows (its blocks' labels, lines and rules, its tags) by name, ids left out."""
    conn = sqlite3.connect(db)
    out = {}
    for dump_id, name, *stored in conn.execute("SELECT id, name, content_sha256, post_date, lines, commentary_lines, "
                                               "blocks, sections FROM dumps"):
        blocks = conn.execute("SELECT seq, label, start_line, lines, rules, commentary_score, source FROM blocks "
                              "WHERE dump_id = ? ORDER BY seq", (dump_id,)).fetchall()
        tags = conn.execute("SELECT s.seq, t.level, t.origin, t.rank, t.tag, t.note, t.score FROM tags t LEFT JOIN "
                            "sections s ON s.id = t.section_id WHERE t.dump_id = ? ORDER BY 1, 2, 3, 4",
                            (dump_id,)).fetchall()
        out[name] = (tuple(stored), blocks, tags)
    return out


# --- bad --db paths: refused with a message naming them, exit 2, nothing written ---------------------------------
@pytest.mark.parametrize("kind", ["text", "empty", "foreign", "directory", "no-parent"])
def test_bad_db_paths_are_refused_and_left_alone(trained_model, tmp_path, kind):
    db = tmp_path / "x.sqlite"
    if kind == "text":
        db.write_text("my notes\n", encoding="utf-8")
    elif kind == "empty":
        db.write_bytes(b"")
    elif kind == "foreign":
        conn = sqlite3.connect(db)
        conn.execute("CREATE TABLE mine (x)")
        conn.commit()
        conn.close()
    elif kind == "directory":
        db.mkdir()
    else:
        db = tmp_path / "nowhere" / "x.sqlite"
    before = db.read_bytes() if db.is_file() else None
    out = run("index", FIXTURES / "traps.txt", "--db", db, "--model", trained_model)
    assert out.returncode == 2, out.stderr
    assert str(db) in out.stderr and "Traceback" not in out.stderr
    if before is not None:
        assert db.read_bytes() == before
    report = run("report", "--db", db, "-o", tmp_path / "r.html")
    assert report.returncode == 2 and str(db) in report.stderr and "Traceback" not in report.stderr


def test_a_running_index_locks_the_database_out_for_another(trained_model, tmp_path):
    import fcntl

    db = tmp_path / "a.sqlite"
    index(db, FIXTURES / "traps.txt", model=trained_model)
    with open(db, "rb") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a running index holds it
        start = time.monotonic()
        out = run("index", FIXTURES / "page.txt", "--db", db, "--model", trained_model, timeout=60)
        assert time.monotonic() - start < 30
    assert out.returncode == 2 and "another classifier index run" in out.stderr


def test_inputs_that_fail_are_listed_and_the_rest_indexed(trained_model, tmp_path):
    db = tmp_path / "a.sqlite"
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"\x00\x01\x02\xff" * 10)
    out = run("index", tmp_path / "missing.txt", binary, FIXTURES / "traps.txt", "--db", db, "--model", trained_model)
    assert out.returncode == 2
    assert "missing.txt: no such file" in out.stderr and "bin.txt: looks like a binary file" in out.stderr
    assert summary(out) == (1, 0)
    assert "-: standard input cannot be indexed" in run("index", "-", "--db", db, "--model", trained_model).stderr


def test_explain_is_accepted(trained_model, tmp_path):
    out = run("index", FIXTURES / "traps.txt", "--db", tmp_path / "a.sqlite", "--model", trained_model, "--explain")
    assert out.returncode == 0, out.stderr
    conn = sqlite3.connect(tmp_path / "a.sqlite")
    evidence = conn.execute("SELECT COUNT(evidence) FROM blocks").fetchone()[0]
    import inspect

    from classifier.predictor import Predictor

    if "explain" not in inspect.signature(Predictor.tag).parameters:
        assert evidence == 0 and "no evidence yet" in out.stderr
    else:
        assert evidence > 0


def test_dask_gives_the_same_database(trained_model, tmp_path, archive):
    pytest.importorskip("distributed", reason="dask.distributed is an optional extra: pip install '.[dask]'")
    from distributed import LocalCluster

    db = tmp_path / "dask.sqlite"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        index(db, CORPUS, CORPUS2, model=trained_model, extra=["--dask", cluster.scheduler_address])
    assert contents(db) == contents(archive[0])


def test_a_dump_that_fails_midway_is_rolled_back_alone(predictor, tmp_path):
    """A long file whose later part cannot be read: its first part's rows go, the dumps around it stay, and a
    source it brought is written again by the next dump that has it (the foreign keys hold)."""
    from classifier.archive_db import DumpFile, DumpWriter, SourceFacts, Stamp, connect
    from classifier.archive_record import archive_record
    from classifier.reading import InputError

    text = (FIXTURES / "traps.txt").read_text(encoding="utf-8")
    record = archive_record(predictor.tag(text, "traps.txt"))
    assert any(b["source"] for b in record["dump"]["blocks"])

    def failing():
        yield record
        raise InputError("big.txt: not valid UTF-8 at byte offset 99999999")

    conn = connect(tmp_path / "a.sqlite", create=True)
    stamp = Stamp("h", "m", "s", 0)
    with DumpWriter(conn, lambda handle, names: SourceFacts(False)) as writer:
        with pytest.raises(InputError):
            writer.write(DumpFile("/a/big.txt", "big.txt", "h", 1), stamp, failing())
        writer.write(DumpFile("/a/ok.txt", "ok.txt", "h", 1), stamp, [record])
    assert [r[0] for r in conn.execute("SELECT name FROM dumps")] == ["ok.txt"]
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    handles = {b["source"] for b in record["dump"]["blocks"] if b["source"]}
    assert {h for (h,) in conn.execute("SELECT handle FROM sources")} == handles
    conn.close()


def test_sources_carry_the_models_reputation_where_it_has_one(trained_model, tmp_path):
    """A model with meta["reputation"] (handle -> score, blocks, posts) fills those columns; others stay NULL."""
    model = tmp_path / "model"
    shutil.copytree(trained_model, model)
    meta = json.loads((model / "model.json").read_text(encoding="utf-8"))
    meta["reputation"] = {"tamoku_note": {"score": 0.91, "blocks": 12, "posts": 3}, "nhk_news": {"score": 0.04}}
    (model / "model.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    db = tmp_path / "a.sqlite"
    index(db, FIXTURES / "traps.txt", model=model)
    conn = sqlite3.connect(db)
    rows = {h: rest for h, *rest in conn.execute("SELECT handle, is_outlet, reputation, reputation_blocks, "
                                                 "reputation_posts FROM sources")}
    assert rows == {"tamoku_note": [0, 0.91, 12, 3], "nhk_news": [1, 0.04, None, None],
                    "ReutersJapan": [1, None, None, None]}


def test_a_file_streamed_in_parts_is_one_dump(trained_model, tmp_path):
    """A file of more lines than are read whole (classifier/stream.py) is tagged in parts, as `tag` does; the
    database keeps it as one dump whose blocks and sections are those of all the parts, placed in the whole file."""
    files = sorted(CORPUS.glob("*.txt"))[:3]
    big = tmp_path / "long.txt"
    big.write_text(("\n" * 40000).join(f.read_text(encoding="utf-8") for f in files), encoding="utf-8")
    jl = run("tag", big, "--model", trained_model, "--format", "jsonl")
    parts = [json.loads(x) for x in jl.stdout.splitlines()]
    assert jl.returncode == 0 and len(parts) > 1
    db = tmp_path / "a.sqlite"
    index(db, big, model=trained_model)
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT parts, blocks, sections FROM dumps").fetchone() == (
        len(parts), sum(len(p["blocks"]) for p in parts), sum(len(p["sections"]) for p in parts))
    stored = conn.execute("SELECT start_line, start_char, end_char, label, text FROM blocks ORDER BY seq").fetchall()
    assert [s[:4] for s in stored] == [(b["start_line"], b["start"], b["end"], b["label"]) for p in parts
                                       for b in p["blocks"]]
    text = big.read_text(encoding="utf-8")
    assert all(text[start:end] == t for _, start, end, _, t in stored)
