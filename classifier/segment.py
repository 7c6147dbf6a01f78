"""From decoded text to structure: lines, their kinds, blocks, the source of each block, sections and post tags.

The order of decisions matters and follows FORMAT.md:
1. attribution lines ("— Name (@handle) date") and, right above each, the text of the embedded post;
2. tag lines: a line starting with ``#`` that is not the text of an embedded post;
3. chrome: link-only lines, page stamps and footers, navigation words, and short lines between chrome lines;
4. everything else is article body or commentary, which the labeling rules tell apart.
Blocks tile the non-empty lines: one block a line, except runs of chrome lines, which make one block.
"""
from __future__ import annotations

from .document import ATTRIBUTION, BODY, CHROME, POST_TEXT, TAG, Block, Dump, Line, Post, Section, Tag
from .patterns import (
    COPYRIGHT_RE,
    LEADING_EMOJI_RE,
    LINE_BREAK_RE,
    attribution,
    is_heading_like,
    is_link_only,
    is_page_chrome,
)
from .tags import is_tag_line, parse_tag_line

# A line between chrome lines is chrome too when it is this short: a credit or a menu entry, not a headline
# (a page's headline also stands between its category line and its date line).
BETWEEN_CHROME_MAX_CHARS = 14


def split_lines(text: str) -> list[Line]:
    """Lines with their offsets; CRLF, CR and LF all end a line, and the break is not part of the line."""
    lines: list[Line] = []
    pos = 0
    for m in LINE_BREAK_RE.finditer(text):
        lines.append(Line(len(lines) + 1, pos, m.start(), text[pos : m.start()]))
        pos = m.end()
    if pos < len(text):
        lines.append(Line(len(lines) + 1, pos, len(text), text[pos:]))
    return lines


def line_kinds(lines: list[Line]) -> list[str | None]:
    """The kind of every line (None for blank lines)."""
    kinds: list[str | None] = [None] * len(lines)
    filled = [i for i, ln in enumerate(lines) if not ln.blank]
    _mark_embedded_posts(lines, filled, kinds)
    for i in filled:
        if kinds[i] is None and is_tag_line(lines[i].text):
            kinds[i] = TAG
    _mark_chrome(lines, filled, kinds)
    for i in filled:
        if kinds[i] is None:
            kinds[i] = BODY
    return kinds


def _mark_embedded_posts(lines: list[Line], filled: list[int], kinds: list[str | None]) -> None:
    for pos, i in enumerate(filled):
        if attribution(lines[i].text):
            kinds[i] = ATTRIBUTION
            # The post text is the line just above, even when it starts with "#" or is a bare link.
            if pos > 0 and kinds[filled[pos - 1]] is None:
                kinds[filled[pos - 1]] = POST_TEXT


def _mark_chrome(lines: list[Line], filled: list[int], kinds: list[str | None]) -> None:
    free = [i for i in filled if kinds[i] is None]
    for i in free:
        if is_page_chrome(lines[i].text):
            kinds[i] = CHROME
    _mark_footer(lines, filled, kinds)
    _mark_between_chrome(lines, filled, kinds)


def _mark_footer(lines: list[Line], filled: list[int], kinds: list[str | None]) -> None:
    """After a copyright line, a news page has only its footer: rankings, ads, links to other articles.

    The footer ends at the next embedded post, tag line or link-only line (where a blog resumes its clips).
    """
    in_footer = False
    for i in filled:
        text = lines[i].text
        if kinds[i] in (ATTRIBUTION, POST_TEXT, TAG):
            in_footer = False
        elif kinds[i] == CHROME and is_link_only(text):
            in_footer = False
        elif COPYRIGHT_RE.search(text):
            in_footer = True
        elif in_footer and kinds[i] is None:
            kinds[i] = CHROME


def _mark_between_chrome(lines: list[Line], filled: list[int], kinds: list[str | None]) -> None:
    """A short line that is not a sentence, with chrome on both sides, is chrome too (menus, credits).

    One pass is enough: a line turns chrome only when both its neighbours already are, so it has no undecided
    neighbour that its change could make eligible (the pass used to be repeated until nothing changed).
    """
    for pos, i in enumerate(filled):
        if kinds[i] is not None:
            continue
        before = kinds[filled[pos - 1]] if pos > 0 else CHROME
        after = kinds[filled[pos + 1]] if pos + 1 < len(filled) else CHROME
        if before == CHROME and after == CHROME and is_heading_like(lines[i].text, BETWEEN_CHROME_MAX_CHARS):
            kinds[i] = CHROME


def build_blocks(lines: list[Line], kinds: list[str | None]) -> list[Block]:
    blocks: list[Block] = []
    for ln, kind in zip(lines, kinds):
        if kind is None:
            continue
        last = blocks[-1] if blocks else None
        if kind == CHROME and last is not None and last.kind == CHROME:
            last.end_line, last.end = ln.number, ln.end
            continue
        blocks.append(Block(kind, ln.number, ln.number, ln.start, ln.end))
    return blocks


def assign_sources(blocks: list[Block], lines: list[Line]) -> None:
    """Give each block the handle of the embedded post it belongs to.

    An attribution names the post above it and the body lines below it, until the next embedded post, tag or
    chrome line, or a line that opens with an emoji (a commentary insert pasted under the clip starts there).
    """
    current: tuple[str, str] | None = None
    for k, b in enumerate(blocks):
        if b.kind == ATTRIBUTION:
            m = attribution(lines[b.start_line - 1].text)
            assert m is not None
            current = (m.group("handle"), m.group("name"))
            b.source, b.source_name = current
            if k > 0 and blocks[k - 1].kind == POST_TEXT:
                blocks[k - 1].source, blocks[k - 1].source_name = current
        elif b.kind in (TAG, CHROME, POST_TEXT):
            current = None
        elif b.kind == BODY:
            if current is not None and LEADING_EMOJI_RE.match(lines[b.start_line - 1].text):
                current = None
            if current is not None:
                b.source, b.source_name = current


def post_tag_blocks(blocks: list[Block], tags: dict[int, list[Tag]]) -> list[int]:
    """Indices of the tag blocks that carry the post's tags: the final run of tag lines.

    Chrome may follow the run. Where the run begins with tag lines that carry notes and ends with lines that
    carry none, the leading ones close the last section instead: notes summarise a section, post tags have none.
    ``tags`` holds the parsed tags of every tag block. The run is found as a range and cut once, at its first
    line without notes: a run of a million tag lines is read once (not shifted a line at a time).
    """
    end = len(blocks)
    while end > 0 and blocks[end - 1].kind == CHROME:
        end -= 1
    start = end
    while start > 0 and blocks[start - 1].kind == TAG:
        start -= 1
    for k in range(start, end):
        if not any(t.note for t in tags[k]):
            return list(range(k, end))
    return list(range(start, end))  # every line has notes: all of them are the post's


def build_sections(blocks: list[Block], tags: dict[int, list[Tag]], post_tags: list[int], tagged: bool = False
                   ) -> list[Section]:
    """The author's sections where the dump has section tag lines (or ``tagged`` says an earlier part of the
    same file had them), otherwise one section per clip. ``tags``: the parsed tags of every tag block."""
    content_end = post_tags[0] if post_tags else len(blocks)
    # The post's tags are the last tag lines: every tag line before them is a section's.
    if tagged or any(blocks[k].kind == TAG for k in range(content_end)):
        return _tagged_sections(blocks, tags, content_end)
    return _clip_sections(blocks, content_end)


def _tagged_sections(blocks: list[Block], parsed: dict[int, list[Tag]], content_end: int) -> list[Section]:
    sections: list[Section] = []
    members: list[int] = []
    k = 0
    while k < content_end:
        b = blocks[k]
        if b.kind != TAG:
            members.append(k)
            k += 1
            continue
        # Consecutive tag lines close one section together.
        group = [k]
        while k + 1 < content_end and blocks[k + 1].kind == TAG:
            k += 1
            group.append(k)
        tags = [t for g in group for t in parsed[g]]
        if members:
            sections.append(_section(blocks, members, b.start_line, tags))
        elif sections:  # a tag group right after another: its tags join the section above
            sections[-1].existing.extend(tags)
        members = []
        k += 1
    if members:
        sections.append(_section(blocks, members, None, []))
    return sections


def _clip_sections(blocks: list[Block], content_end: int) -> list[Section]:
    """One section per clip: an embedded post with its body, or a run of paragraphs between chrome lines."""
    sections: list[Section] = []
    members: list[int] = []
    for k in range(content_end):
        b = blocks[k]
        if b.kind in (CHROME, TAG) or (b.kind == POST_TEXT and members):
            if members:
                sections.append(_section(blocks, members, None, []))
            members = [] if b.kind in (CHROME, TAG) else [k]
            continue
        members.append(k)
    if members:
        sections.append(_section(blocks, members, None, []))
    return sections


def _section(blocks: list[Block], members: list[int], tag_line: int | None, tags: list[Tag]) -> Section:
    return Section(
        start_line=blocks[members[0]].start_line,
        end_line=blocks[members[-1]].end_line,
        tag_line=tag_line,
        existing=list(tags),
        block_indices=list(members),
    )


def segment(text: str, path: str | None = None, final: bool = True, tagged: bool = False) -> Dump:
    """Structure of a dump, labels not yet decided (every text block starts as wire).

    ``final=False`` is for a part of a long file that more text follows (see classifier.stream): its last tag
    lines close a section and are not the post's tags. ``tagged`` says an earlier part had section tags.
    """
    lines = split_lines(text)
    kinds = line_kinds(lines)
    blocks = build_blocks(lines, kinds)
    for b in blocks:
        b.text = text[b.start : b.end]
    assign_sources(blocks, lines)
    tags = {k: parse_tag_line(b.text) for k, b in enumerate(blocks) if b.kind == TAG}  # each tag line read once
    post_idx = post_tag_blocks(blocks, tags) if final else []
    sections = build_sections(blocks, tags, post_idx, tagged)
    post = Post(
        existing=[t for k in post_idx for t in tags[k]],
        tag_lines=[blocks[k].start_line for k in post_idx],
    )
    return Dump(text=text, lines=lines, blocks=blocks, sections=sections, post=post, path=path)
