"""``classifier report``: one self-contained HTML page of charts from an archive database (archive_db.py).

The page reads the database only (no model, no dump files, no network): the charts are inline SVG drawn by
matplotlib (archive_charts.py); each post in "most commentary" links to that dump's page inside the report, the
same lines-coloured view as ``tag --format html``, rebuilt from the stored blocks and tags, so it shows exactly
the labels the database holds. Those pages are hidden until their link is followed (CSS ``:target``).
"""
from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import sys
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from pathlib import Path

from . import archive_charts as charts
from .archive_db import ArchiveError, connect, describe
from .atomic import AtomicFile
from .document import Block, Dump, Line, Post, Section, Suggestion, Tag
from .html import CSS as DUMP_CSS
from .html import dump_html
from .patterns import LINE_BREAK_RE

TEXT_KINDS = ("post_text", "body")  # the kinds whose lines count as clipped or written text


class ReportError(Exception):
    """The report cannot be made (an empty database, an output that cannot be written); exit status 2."""


# --- what the charts show --------------------------------------------------------------------------------------
@dataclass
class PostRow:
    id: int
    name: str
    date: str | None
    wire: int
    commentary: int
    tags: list[str]

    @property
    def share(self) -> float | None:
        text = self.wire + self.commentary
        return self.commentary / text if text else None


def posts(conn: sqlite3.Connection) -> list[PostRow]:
    tags: dict[int, list[str]] = defaultdict(list)
    for dump_id, tag in conn.execute("SELECT dump_id, tag FROM tags WHERE level = 'post' AND origin = 'existing' "
                                     "ORDER BY dump_id, rank"):
        tags[dump_id].append(tag)
    rows = conn.execute("SELECT id, name, post_date, wire_lines, commentary_lines FROM dumps ORDER BY id")
    return [PostRow(i, name, date, wire, comm, tags[i]) for i, name, date, wire, comm in rows]


def monthly_means(dated: list[PostRow]) -> list[tuple[dt.date, float]]:
    """The mean commentary share of the posts of each month, dated the 15th (the middle of the month)."""
    by_month: dict[str, list[float]] = defaultdict(list)
    for p in dated:
        if p.share is not None:
            by_month[p.date[:7]].append(p.share)
    return [(dt.date(int(m[:4]), int(m[5:7]), 15), sum(v) / len(v)) for m, v in sorted(by_month.items())]


def top_sources(conn: sqlite3.Connection, outlet: bool, n: int) -> list[tuple[str, str, int, int]]:
    """(handle, shown name, text lines, posts) of the n outlets (or other accounts) most clipped."""
    rows = conn.execute(
        "SELECT b.source, s.names, SUM(b.lines) AS lines, COUNT(DISTINCT b.dump_id) AS posts "
        "FROM blocks b JOIN sources s ON s.handle = b.source WHERE b.kind IN ('post_text', 'body') AND s.is_outlet = ? "
        "GROUP BY b.source ORDER BY lines DESC, posts DESC, b.source LIMIT ?", (int(outlet), n))
    out = []
    for handle, names, lines, n_posts in rows:
        shown = json.loads(names)
        out.append((handle, f"{shown[0]} @{handle}" if shown else f"@{handle}", lines, n_posts))
    return out


def tags_by_month(conn: sqlite3.Connection, level: str, n: int) -> tuple[list[str], list[str], list[list[int]]]:
    """The n most used existing tags of a level, the months of the dated posts, and posts a tag and month."""
    rows = conn.execute(
        "SELECT t.tag, substr(d.post_date, 1, 7), COUNT(DISTINCT d.id) FROM tags t JOIN dumps d ON d.id = t.dump_id "
        "WHERE t.level = ? AND t.origin = 'existing' AND d.post_date IS NOT NULL GROUP BY 1, 2", (level,)).fetchall()
    totals: Counter[str] = Counter()
    for tag, _, count in rows:
        totals[tag] += count
    tags = [t for t, _ in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]
    months = _month_range([m for _, m, _ in rows])
    cells = {(t, m): c for t, m, c in rows}
    return tags, months, [[cells.get((t, m), 0) for m in months] for t in tags]


def _month_range(months: list[str]) -> list[str]:
    """Every month from the first to the last, so that gaps show as gaps."""
    if not months:
        return []
    year, month = int(min(months)[:4]), int(min(months)[5:7])
    last = max(months)
    out = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def cooccurrence(conn: sqlite3.Connection, n: int) -> tuple[list[str], list[list[int]]]:
    """The n existing tags (section and post) in the most posts, and how many posts have each pair."""
    per_dump: dict[int, set[str]] = defaultdict(set)
    for dump_id, tag in conn.execute("SELECT dump_id, tag FROM tags WHERE origin = 'existing'"):
        per_dump[dump_id].add(tag)
    totals = Counter(t for tags in per_dump.values() for t in tags)
    tags = [t for t, _ in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]
    index = {t: i for i, t in enumerate(tags)}
    matrix = [[0] * len(tags) for _ in tags]
    for found in per_dump.values():
        kept = [index[t] for t in found if t in index]
        for i in kept:
            for j in kept:
                matrix[i][j] += 1
    return tags, matrix


# --- a dump's page, from its rows --------------------------------------------------------------------------------
def stored_dump(conn: sqlite3.Connection, dump_id: int) -> Dump:
    """The dump as the database holds it, in the shape html.dump_html draws (blank lines between blocks are
    not stored and come back empty)."""
    name = conn.execute("SELECT name FROM dumps WHERE id = ?", (dump_id,)).fetchone()[0]
    blocks, texts = [], {}
    for kind, sl, el, start, end, label, score, source, rules, text in conn.execute(
            "SELECT kind, start_line, end_line, start_char, end_char, label, commentary_score, source, rules, text "
            "FROM blocks WHERE dump_id = ? ORDER BY seq", (dump_id,)):
        blocks.append(Block(kind, sl, el, start, end, source, label, json.loads(rules), score, text))
        for k, (offset, piece) in enumerate(_split(text)):
            texts[sl + k] = (start + offset, piece)
    count = max((b.end_line for b in blocks), default=0)
    lines = [Line(n, *_span(texts.get(n)), texts.get(n, (0, ""))[1]) for n in range(1, count + 1)]
    sections = []
    tags = _tags(conn, dump_id)
    for sid, sl, el, tag_line in conn.execute("SELECT id, start_line, end_line, tag_line FROM sections "
                                              "WHERE dump_id = ? ORDER BY seq", (dump_id,)):
        sections.append(Section(sl, el, tag_line, *tags.get(sid, ([], []))))
    post = Post(*tags.get(None, ([], [])))
    return Dump("", lines, blocks, sections, post, path=name, scored=True)


def _split(text: str) -> list[tuple[int, str]]:
    """The lines of a block's text with their offsets in it (CRLF, CR and LF end a line, as in segment.py)."""
    out, pos = [], 0
    for m in LINE_BREAK_RE.finditer(text):
        out.append((pos, text[pos : m.start()]))
        pos = m.end()
    out.append((pos, text[pos:]))
    return out


def _span(found: tuple[int, str] | None) -> tuple[int, int]:
    return (found[0], found[0] + len(found[1])) if found else (0, 0)


def _tags(conn: sqlite3.Connection, dump_id: int) -> dict[int | None, tuple[list[Tag], list[Suggestion]]]:
    out: dict[int | None, tuple[list[Tag], list[Suggestion]]] = {}
    for sid, origin, tag, note, score in conn.execute(
            "SELECT section_id, origin, tag, note, score FROM tags WHERE dump_id = ? ORDER BY section_id, origin, rank",
            (dump_id,)):
        existing, suggested = out.setdefault(sid, ([], []))
        if origin == "existing":
            existing.append(Tag(tag, note or ""))
        else:
            suggested.append(Suggestion(tag, score))
    return out


# --- the page ------------------------------------------------------------------------------------------------
CSS = """
header nav a{margin-right:12px}
.overview td,.overview th{border:1px solid #ddd;padding:3px 8px;text-align:right}
.overview{border-collapse:collapse;margin:12px 0;font-size:13px}
.overview th{text-align:left;background:#f6f6f6}
figure.chart{margin:24px 0;padding:8px 12px;background:#fff;border:1px solid #e3e3e3}
figure.chart svg{max-width:100%;height:auto}
figure.chart figcaption{color:#555;font-size:13px;margin-top:4px}
table.posts{border-collapse:collapse;font-size:13px;background:#fff}
table.posts td,table.posts th{border:1px solid #ddd;padding:3px 8px;text-align:right}
table.posts td.name,table.posts th.name,table.posts td.tagcell{text-align:left}
.dump-page{display:none;margin:24px 0;padding:8px 12px;border:2px solid #d9480f;background:#fff;scroll-margin-top:90px}
.dump-page:target{display:block}
.note{color:#777;font-size:13px}
"""


@dataclass
class Page:
    title: str
    parts: list[str]

    def html(self) -> str:
        return ('<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8">'
                f"<title>{escape(self.title)}</title><style>{DUMP_CSS}{CSS}</style></head><body>"
                + "".join(self.parts) + "</body></html>\n")


def build_page(conn: sqlite3.Connection, db_name: str, top: int, say: Callable[[str], None]) -> Page:
    rows = posts(conn)
    if not rows:
        raise ReportError(f"{db_name}: the database holds no dumps yet; run classifier index ARCHIVE --db {db_name}")
    dated = [p for p in rows if p.date and p.share is not None]
    parts = [_header(db_name, rows, dated), "<main>", _overview(conn, rows, dated)]
    say("drawing the charts")
    parts.append(_share_chart(dated, len(rows)))
    parts.append(_sources_chart(conn, top))
    for level in ("post", "section"):
        parts.append(_tags_chart(conn, level, top))
    parts.append(_cooccurrence_chart(conn, top))
    listed = sorted(rows, key=lambda p: (-p.commentary, -(p.share or 0.0), p.name))[:top]
    parts.append(_top_posts(listed))
    say("writing the dump pages")
    parts.append('<div id="dump-pages">')
    parts.extend(_dump_page(conn, p) for p in listed)
    parts.append("</div></main>")
    return Page(f"archive report: {db_name}", parts)


def _header(db_name: str, rows: list[PostRow], dated: list[PostRow]) -> str:
    span = f", posts dated {min(p.date for p in dated)} to {max(p.date for p in dated)}" if dated else ""
    links = "".join(f'<a href="#{i}">{escape(t)}</a>' for i, t in (
        ("chart-commentary", "commentary over time"), ("chart-sources", "sources"), ("chart-post-tags", "post tags"),
        ("chart-section-tags", "section tags"), ("chart-cooccurrence", "tags together"),
        ("top-commentary", "most commentary")))
    return (f"<header><h1>Archive report</h1><p class=\"note\">{escape(db_name)}: {len(rows)} dumps{span}</p>"
            f"<nav>{links}</nav></header>")


def _overview(conn: sqlite3.Connection, rows: list[PostRow], dated: list[PostRow]) -> str:
    lines, wire, comm, tag, meta, blocks, sections = conn.execute(
        "SELECT SUM(lines), SUM(wire_lines), SUM(commentary_lines), SUM(tag_lines), SUM(meta_lines), SUM(blocks), "
        "SUM(sections) FROM dumps").fetchone()
    sources, outlets = conn.execute("SELECT COUNT(*), SUM(is_outlet) FROM sources").fetchone()
    models = conn.execute("SELECT COUNT(DISTINCT model_fingerprint) FROM dumps").fetchone()[0]
    share = f"{comm / (wire + comm):.3f}" if wire + comm else "–"
    cells = [("dumps", len(rows)), ("dated", len(dated)), ("lines", lines), ("wire", wire), ("commentary", comm),
             ("tag", tag), ("meta", meta), ("commentary share", share), ("blocks", blocks), ("sections", sections),
             ("sources", sources), ("of them outlets", outlets or 0), ("models", models)]
    head = "".join(f"<th>{escape(k)}</th>" for k, _ in cells)
    body = "".join(f"<td>{escape(str(v))}</td>" for _, v in cells)
    return f'<table class="overview" id="overview"><tr>{head}</tr><tr>{body}</tr></table>'


def _figure(ident: str, title: str, svg: str | None, caption: str) -> str:
    inner = svg if svg else '<p class="note">nothing to show</p>'
    return (f'<figure class="chart" id="{ident}"><h2>{escape(title)}</h2>{inner}'
            f"<figcaption>{escape(caption)}</figcaption></figure>")


def _share_chart(dated: list[PostRow], total: int) -> str:
    svg = charts.commentary_over_time([dt.date.fromisoformat(p.date) for p in dated], [p.share for p in dated],
                                      monthly_means(dated)) if dated else None
    undated = total - len(dated)
    note = f" {undated} dump(s) without a date or without text lines are left out." if undated else ""
    return _figure("chart-commentary", "Commentary share per post over time", svg,
                   "Each dot is a post: its commentary lines as a share of its wire and commentary lines, at the "
                   "post's date (the latest date on its attribution and date-stamp lines); the line is the mean "
                   "of each month." + note)


def _sources_chart(conn: sqlite3.Connection, top: int) -> str:
    parts = []
    for outlet, ident, title, colour in ((True, "chart-outlets", "News outlets most clipped", charts.OUTLET_COLOUR),
                                         (False, "chart-accounts", "Other accounts most clipped",
                                          charts.ACCOUNT_COLOUR)):
        found = top_sources(conn, outlet, top)
        svg = charts.sources_bars([f[1] for f in found], [f[2] for f in found], [f[3] for f in found],
                                  colour) if found else None
        parts.append(_figure(ident, title, svg, (
            "Text lines (embedded post text and the paragraphs under it) clipped from each account, and the posts "
            "in which it appears; " + ("accounts on the news-outlet list." if outlet else
                                        "accounts not on the news-outlet list: opinion accounts, agencies' "
                                        "and officials' accounts, and outlets the list lacks."))))
    return f'<div id="chart-sources">{"".join(parts)}</div>'


def _tags_chart(conn: sqlite3.Connection, level: str, top: int) -> str:
    tags, months, counts = tags_by_month(conn, level, top)
    svg = charts.heatmap([f"#{t}" for t in tags], months, counts, "month of the post") if tags else None
    return _figure(f"chart-{level}-tags", f"{level.capitalize()} tags over time", svg,
                   f"Posts a month carrying each of the {len(tags)} most used {level} tags the blogger wrote "
                   "(dated posts only).")


def _cooccurrence_chart(conn: sqlite3.Connection, top: int) -> str:
    tags, matrix = cooccurrence(conn, top)
    names = [f"#{t}" for t in tags]
    svg = charts.heatmap(names, names, matrix, "", annotate=True) if len(tags) > 1 else None
    return _figure("chart-cooccurrence", "Which tags occur together", svg,
                   "Posts in which both tags were written (as section or post tags); the diagonal is the number of "
                   "posts of each tag.")


def _top_posts(listed: list[PostRow]) -> str:
    rows = []
    for rank, p in enumerate(listed, 1):
        share = f"{p.share:.2f}" if p.share is not None else "–"
        tags = " ".join("#" + t for t in p.tags)
        rows.append(f'<tr><td>{rank}</td><td class="name"><a href="#post-{p.id}">{escape(p.name)}</a></td>'
                    f"<td>{escape(p.date or '–')}</td><td>{p.commentary}</td><td>{p.wire}</td><td>{share}</td>"
                    f'<td class="tagcell">{escape(tags)}</td></tr>')
    return ('<section id="top-commentary"><h2>Posts with the most commentary</h2>'
            '<p class="note">Each name opens the dump\'s page below: every line coloured by its label, as '
            "<code>classifier tag --format html</code> shows it.</p>"
            '<table class="posts"><thead><tr><th>#</th><th class="name">dump</th><th>date</th>'
            "<th>commentary lines</th><th>wire lines</th><th>share</th><th class=\"name\">post tags</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></section>")


def _dump_page(conn: sqlite3.Connection, p: PostRow) -> str:
    return (f'<section class="dump-page" id="post-{p.id}"><p><a href="#top-commentary">back to the list</a></p>'
            f"{dump_html(stored_dump(conn, p.id))}</section>")


# --- writing it ------------------------------------------------------------------------------------------------
def write_report(db: str, output: str | None, top: int, say: Callable[[str], None]) -> str:
    """Build the page from ``db`` and write it to ``output`` (atomically) or standard output."""
    if output and _same_file(output, db):
        raise ReportError(f"{output}: is the database; write the report to another file")
    if output and Path(output).is_dir():
        raise ReportError(f"{output}: is a directory; -o needs a file name")
    conn = connect(db, readonly=True)
    try:
        page = build_page(conn, db, top, say)
    except sqlite3.Error as e:
        raise ArchiveError(f"{db}: {describe(e)}") from None
    finally:
        conn.close()
    html = page.html()
    if output is None:
        sys.stdout.write(html)
        sys.stdout.flush()
        return "report written to standard output"
    f = AtomicFile(output, text=True)
    try:
        with f as out:
            out.write(html)
            f.commit()
    except OSError as e:
        raise ReportError(f"{output}: cannot write: {e.strerror or e}") from None
    return f"{output}: report of the archive in {db}"


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False
