"""Small data classes for a parsed dump.

Like spaCy's ``Doc``/``Span``, every piece keeps 1-based line numbers and character offsets into the decoded
text, so the original is never rewritten: ``dump.text[block.start:block.end]`` is the block as written.
``to_dict()`` gives exactly the JSON documented in the README.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .display import path_name
from .patterns import is_blank

# Block kinds (what a line is) and labels (what it is worth to a reader).
POST_TEXT, ATTRIBUTION, BODY, TAG, CHROME = "post_text", "attribution", "body", "tag", "chrome"
KINDS = (POST_TEXT, ATTRIBUTION, BODY, TAG, CHROME)
WIRE, COMMENTARY, TAG_LABEL, META = "wire", "commentary", "tag", "meta"
LABELS = (WIRE, COMMENTARY, TAG_LABEL, META)
TEXT_KINDS = (POST_TEXT, BODY)  # the kinds whose label is wire or commentary


@dataclass(frozen=True, slots=True)  # slots: a dump of many short lines holds many of these
class Line:
    number: int  # 1-based
    start: int  # offset of the first character
    end: int  # offset just past the last character, line break excluded
    text: str

    @property
    def blank(self) -> bool:
        return is_blank(self.text)


@dataclass(slots=True)
class Block:
    kind: str
    start_line: int
    end_line: int
    start: int
    end: int
    source: str | None = None
    label: str = WIRE
    rules: list[str] = field(default_factory=list)
    commentary_score: float | None = None
    # Not part of the JSON: the block's text and the display name of its source account.
    text: str = field(default="", repr=False, compare=False)
    source_name: str | None = field(default=None, repr=False, compare=False)
    # Why the block got its label (tag --explain): in the JSON only when asked for.
    evidence: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    @property
    def is_text(self) -> bool:
        return self.kind in TEXT_KINDS

    def to_dict(self, scores: bool = True) -> dict[str, Any]:
        d: dict[str, Any] = {
            "kind": self.kind,
            "label": self.label,
            "start_line": self.start_line,
            "end_line": self.end_line,
            "start": self.start,
            "end": self.end,
            "source": self.source,
            "rules": list(self.rules),
        }
        if scores:
            d["commentary_score"] = self.commentary_score
        if self.evidence is not None:
            d["evidence"] = self.evidence
        return d


@dataclass(frozen=True)
class Tag:
    name: str
    note: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "note": self.note}


@dataclass(frozen=True)
class Suggestion:
    tag: str
    score: float
    evidence: dict[str, Any] | None = field(default=None, compare=False)  # tag --explain: why this tag

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"tag": self.tag, "score": round(float(self.score), 6)}
        if self.evidence is not None:
            d["evidence"] = self.evidence
        return d


@dataclass
class Section:
    start_line: int
    end_line: int
    tag_line: int | None
    existing: list[Tag] = field(default_factory=list)
    suggested: list[Suggestion] = field(default_factory=list)
    # Indices into Dump.blocks of the blocks this section covers (tag blocks excluded).
    block_indices: list[int] = field(default_factory=list, repr=False, compare=False)

    def to_dict(self, scores: bool = True) -> dict[str, Any]:
        d: dict[str, Any] = {
            "start_line": self.start_line,
            "end_line": self.end_line,
            "tag_line": self.tag_line,
            "existing": [t.to_dict() for t in self.existing],
        }
        if scores:
            d["suggested"] = [s.to_dict() for s in self.suggested]
        return d


@dataclass
class Post:
    existing: list[Tag] = field(default_factory=list)
    suggested: list[Suggestion] = field(default_factory=list)
    # 1-based line numbers of the post-tag lines.
    tag_lines: list[int] = field(default_factory=list, repr=False, compare=False)

    def to_dict(self, scores: bool = True) -> dict[str, Any]:
        d: dict[str, Any] = {"existing": [t.to_dict() for t in self.existing]}
        if scores:
            d["suggested"] = [s.to_dict() for s in self.suggested]
        return d


@dataclass
class Dump:
    """One parsed dump: the decoded text and what was found in it."""

    text: str
    lines: list[Line]
    blocks: list[Block]
    sections: list[Section]
    post: Post
    path: str | None = None
    scored: bool = False  # True once a model has scored it (tag), False after parse alone
    # A part of a long file (classifier.stream): where it starts in the file. Lines and offsets inside the
    # Dump are the part's own; to_dict() adds these, so the JSON always points into the whole file.
    line_base: int = 0
    char_base: int = 0

    def to_dict(self) -> dict[str, Any]:
        d = {
            "path": path_name(self.path),  # a byte of the name that is not UTF-8 as \xNN (classifier/display.py)
            "blocks": [b.to_dict(self.scored) for b in self.blocks],
            "sections": [s.to_dict(self.scored) for s in self.sections],
            "post": self.post.to_dict(self.scored),
        }
        if self.line_base or self.char_base:
            _shift(d, self.line_base, self.char_base)
        return d

    def validate(self) -> None:
        """Raise ValueError at the first broken invariant: blocks tile the non-empty lines in order, offsets agree
        with the lines and the text, sections and tags point at real lines."""
        seen: list[int] = []
        last = 0
        for b in self.blocks:
            if not (1 <= b.start_line <= b.end_line <= len(self.lines)) or b.start_line <= last:
                raise ValueError(f"block {b.kind} {b.start_line}-{b.end_line} is out of order or out of range")
            if b.start != self.lines[b.start_line - 1].start or b.end != self.lines[b.end_line - 1].end:
                raise ValueError(f"block {b.start_line}-{b.end_line}: offsets disagree with its lines")
            if b.kind not in KINDS or b.label not in LABELS:
                raise ValueError(f"block {b.start_line}: unknown kind {b.kind!r} or label {b.label!r}")
            seen += [n for n in range(b.start_line, b.end_line + 1) if not self.lines[n - 1].blank]
            last = b.end_line
        filled = [ln.number for ln in self.lines if not ln.blank]
        if seen != filled:
            raise ValueError(f"blocks do not tile the non-empty lines (missing {sorted(set(filled) - set(seen))[:5]})")
        for ln in self.lines:
            if self.text[ln.start : ln.end] != ln.text:
                raise ValueError(f"line {ln.number}: offsets disagree with the text")
        for s in self.sections:
            if not (1 <= s.start_line <= s.end_line <= len(self.lines)):
                raise ValueError(f"section {s.start_line}-{s.end_line} is out of range")
            if s.tag_line is not None and not s.end_line < s.tag_line <= len(self.lines):
                raise ValueError(f"section {s.start_line}-{s.end_line}: tag line {s.tag_line} is not after it")
        for score in (b.commentary_score for b in self.blocks if b.commentary_score is not None):
            if not 0.0 <= score <= 1.0:
                raise ValueError(f"commentary score {score} outside 0..1")

    def line_labels(self) -> dict[int, str]:
        """The label of every non-empty line, by 1-based line number."""
        out: dict[int, str] = {}
        for b in self.blocks:
            for n in range(b.start_line, b.end_line + 1):
                if not self.lines[n - 1].blank:
                    out[n] = b.label
        return out

    def section_blocks(self, section: Section) -> list[Block]:
        return [self.blocks[i] for i in section.block_indices]


def _shift(d: dict[str, Any], lines: int, chars: int) -> None:
    for b in d["blocks"]:
        b["start_line"] += lines
        b["end_line"] += lines
        b["start"] += chars
        b["end"] += chars
    for s in d["sections"]:
        s["start_line"] += lines
        s["end_line"] += lines
        if s["tag_line"] is not None:
            s["tag_line"] += lines
