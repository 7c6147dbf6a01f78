"""Output formats: JSON for scripts (one array, or one object a line) and a text view for people.

The text view shows a dump's lines, tags and the path with their control characters and bidirectional marks as
visible escapes (classifier/display.py): an escape sequence in a dump never reaches the terminal.
"""
from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Iterator
from typing import TextIO

from .display import path_name, shown_path, visible
from .document import COMMENTARY, Dump, Suggestion, Tag

FORMATS = ("text", "json", "jsonl", "html")
TEXT_WIDTH = 96  # terminal columns of each line shown in the text view (wide characters count two)
_SHORT = {"wire": "wire", "commentary": "COMM", "tag": "tag", "meta": "meta"}


def to_json(dump: Dump) -> str:
    return json.dumps(dump.to_dict(), ensure_ascii=False)


class Writer:
    """Writes dumps one at a time, so a batch is never held in memory as a whole."""

    def __init__(self, out: TextIO, fmt: str) -> None:
        self.out, self.fmt, self.count = out, fmt, 0
        self.failed = 0  # inputs written as an error record instead of a dump

    def __enter__(self) -> "Writer":
        if self.fmt == "json":
            self.out.write("[")
        elif self.fmt == "html":
            from .html import page_head

            self.out.write(page_head())
        return self

    def write(self, dump: Dump) -> None:
        self.write_rendered(render(dump, self.fmt))

    def write_rendered(self, item: str) -> None:
        """Write one dump already rendered by ``render`` (in a worker process, say)."""
        if self.fmt == "json":
            self.out.write(("," if self.count else "") + "\n" + item)
        elif self.fmt in ("jsonl", "html"):
            self.out.write(item + "\n")
        else:
            self.out.write(("\n" if self.count else "") + item + "\n")
        self.count += 1
        self.out.flush()

    def write_error(self, path: str, message: str) -> None:
        """An input that could not be tagged, in its place in the output, so an output that misses dumps says
        so: ``{"path", "error"}`` in JSON, a marked section in HTML, a ``== PATH: error: …`` line in text."""
        self.write_rendered(render_error(path, message, self.fmt))
        self.failed += 1

    @property
    def dumps(self) -> int:
        return self.count - self.failed

    def __exit__(self, *exc: object) -> None:
        if self.fmt == "json":
            self.out.write("\n]\n" if self.count else "]\n")
        elif self.fmt == "html":
            from .html import page_tail

            self.out.write(page_tail())


def render(dump: Dump, fmt: str) -> str:
    """One dump in a format, without the separators between dumps."""
    if fmt == "archive":  # internal, for `classifier index`: the JSON plus what the database keeps
        from .archive_record import archive_record

        return archive_record(dump)
    if fmt == "html":
        from .html import dump_html

        return dump_html(dump)
    return "\n".join(text_view(dump)) if fmt == "text" else to_json(dump)


def render_error(path: str, message: str, fmt: str) -> str:
    if fmt == "html":
        from .html import error_html

        return error_html(path, message)
    if fmt == "text":
        return f"== {shown_path(path)}: error: {visible(message)}"
    return json.dumps({"path": path_name(path), "error": message}, ensure_ascii=False)


def text_view(dump: Dump) -> Iterator[str]:
    """Each line with its label (commentary in capitals with a '>' mark), then suggestions per section."""
    labels = dump.line_labels()
    scores = {n: b.commentary_score for b in dump.blocks for n in range(b.start_line, b.end_line + 1)}
    n_comm = sum(1 for v in labels.values() if v == COMMENTARY)
    where = f" (part from line {dump.line_base + 1})" if dump.line_base else ""
    yield f"== {shown_path(dump.path)}{where}: {len(labels)} lines, {n_comm} commentary, {len(dump.sections)} sections"
    section_end = {s.end_line: s for s in dump.sections}
    evidence = {b.end_line: b.evidence for b in dump.blocks if b.evidence is not None}
    for ln in dump.lines:
        label = labels.get(ln.number)
        if label is not None:
            score = scores.get(ln.number)
            mark = ">" if label == COMMENTARY else " "
            shown = f"{score:4.2f}" if score is not None else "    "
            yield f"{ln.number + dump.line_base:5d} {mark}{_SHORT[label]:<4} {shown}  {_clip(ln.text)}"
            if ln.number in evidence:
                yield from (visible(x) for x in block_evidence_lines(evidence[ln.number]))
        if ln.number in section_end:
            yield from _section_lines(section_end[ln.number], dump.scored, dump.line_base)
    yield visible("   post:" + _tags(dump.post.existing, "existing") + (
        _suggestions(dump.post.suggested) if dump.scored else ""
    ))
    yield from (visible(x) for x in suggestion_evidence_lines(dump.post.suggested, "   "))


def _section_lines(s, scored: bool, base: int = 0) -> Iterable[str]:
    where = f"lines {s.start_line + base}-{s.end_line + base}"
    if s.tag_line:
        where += f", tag line {s.tag_line + base}"
    line = f"      -- section {where}:" + _tags(s.existing, "existing")
    if scored:
        line += _suggestions(s.suggested)
    yield visible(line)
    yield from (visible(x) for x in suggestion_evidence_lines(s.suggested, "         "))


EVIDENCE_INDENT = " " * 18


def block_evidence_lines(ev: dict) -> Iterator[str]:
    """A block's evidence under its line: the rules' votes, the model's strongest terms, the smoothing."""
    votes = ", ".join(f"{r['rule']} {r['weight']:+.2f}" for r in ev["rules"]) or "none"
    yield f"{EVIDENCE_INDENT}why: rules {votes} (prior {ev['prior']:+.2f}, together {ev['rules_log_odds']:+.2f})"
    m = ev.get("model")
    if m:
        terms = "  ".join(f"{t['term']} {t['contribution']:+.2f}" for t in m["terms"])
        yield (f"{EVIDENCE_INDENT}     model p={m['probability']:.2f} logit {m['logit']:+.2f} = intercept "
               f"{m['intercept']:+.2f} + {terms} + rest {m['rest']:+.2f}; adds {m['calibrated']:+.2f}")
    sm = ev["smoothing"]
    yield f"{EVIDENCE_INDENT}     clip: log-odds {sm['log_odds_before']:+.2f} -> p={sm['probability']:.2f}"


def suggestion_evidence_lines(suggested: list[Suggestion], indent: str) -> Iterator[str]:
    """Each suggested tag's evidence: its sources, its strongest words, the nearest tagged section."""
    for sug in suggested:
        ev = sug.evidence
        if not ev:
            continue
        src = ev["sources"]
        line = (f"{indent}why #{sug.tag}: linear {src['linear']:.2f}, neighbours {src['neighbours']:.2f}, "
                f"name {src['name']:.2f}")
        if ev.get("words"):
            line += "; words " + " ".join(f"{t['term']} {t['contribution']:+.2f}" for t in ev["words"]["terms"])
        near = ev.get("nearest_section")
        if near:
            line += (f"; nearest: {near.get('path')} lines {near.get('start_line')}-{near.get('end_line')} "
                     f"({' '.join('#' + t for t in near['tags'])}, similarity {near['similarity']:.2f})")
        yield line


def _tags(tags: list[Tag], what: str) -> str:
    return f" {what} " + " ".join("#" + t.name for t in tags) if tags else ""


def _suggestions(sug: list[Suggestion]) -> str:
    return " suggested " + ("  ".join(f"#{s.tag} {s.score:.2f}" for s in sug) if sug else "(none)")


def width(text: str) -> int:
    """Terminal columns: East Asian wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, columns: int) -> str:
    return text + " " * max(columns - width(text), 0)


def _clip(text: str) -> str:
    """The line as shown: stripped, controls made visible, cut to TEXT_WIDTH columns with an ellipsis."""
    s = text.strip() if len(text) <= 4 * TEXT_WIDTH else text.lstrip()[: 4 * TEXT_WIDTH]
    s = visible(s)
    cols = 0
    for i, ch in enumerate(s):
        cols += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        if cols > TEXT_WIDTH - 2:
            return s[:i] + "…"
    return s
