"""From decoded text to structure: lines, their kinds, blocks, the source of each block, sections and post tags.

The order of decisions matters and follows FORMAT.md:
1. attribution lines ("— Name (@handle) date") and, right above each, the text of the embedded post;
2. tag lines: a line starting with ``#`` that is not the text of an embedded post;
3. chrome: link-only lines, page stamps and footers, navigation words, and short lines between chrome lines;
4. everything else is article body or commentary, which the labeling rules tell apart.
Blocks tile the non-empty lines: one block a line, except runs of chrome lines, which make one block.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .document import ATTRIBUTION, BODY, CHROME, POST_TEXT, TAG, Block, Dump, Line, Post, Section, Tag
from .patterns import (
    CREDIT_RE,
    LEADING_EMOJI_RE,
    LINE_BREAK_RE,
    LIST_MARKER_RE,
    URL_RE,
    attribution,
    has_copyright,
    has_emoji,
    is_heading_like,
    is_link_only,
    is_nav_word,
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


def line_kinds(lines: list[Line], attributions: dict[int, re.Match[str]] | None = None) -> list[str | None]:
    """The kind of every line (None for blank lines). ``attributions``, when given, receives the attribution
    match of each attribution line, by line index (matched once, read again by assign_sources)."""
    kinds: list[str | None] = [None] * len(lines)
    filled = [i for i, ln in enumerate(lines) if not ln.blank]
    _mark_embedded_posts(lines, filled, kinds, {} if attributions is None else attributions)
    for i in filled:
        if kinds[i] is None and is_tag_line(lines[i].text):
            kinds[i] = TAG
    _mark_chrome(lines, filled, kinds)
    for i in filled:
        if kinds[i] is None:
            kinds[i] = BODY
    return kinds


def _mark_embedded_posts(lines: list[Line], filled: list[int], kinds: list[str | None],
                         attributions: dict[int, re.Match[str]]) -> None:
    for pos, i in enumerate(filled):
        if m := attribution(lines[i].text):
            kinds[i] = ATTRIBUTION
            attributions[i] = m
            # The post text is the line just above, even when it starts with "#" or is a bare link; the lines
            # above it that belong to the same post (a head, a lead, a link line) follow.
            if pos > 0 and kinds[filled[pos - 1]] is None:
                for j in _post_lines(lines, filled, pos, kinds):
                    kinds[j] = POST_TEXT


# An embedded post is short: X allows 140 Japanese characters (links aside); lines above its attribution beyond
# this many characters in all belong to something else.
POST_MAX_CHARS = 200
POST_MAX_LINES = 8
HEADLINE_MAX_CHARS = 60
POST_LINK_RE = re.compile(r"\bt\.co/|pic\.twitter\.com/|\b(?:x|twitter)\.com/", re.IGNORECASE)
LEAD_MAX_CHARS = 140


def _post_lines(lines: list[Line], filled: list[int], pos: int, kinds: list[str | None]) -> list[int]:
    """The lines of the embedded post whose attribution is ``filled[pos]``: the line just above, and above it,
    contiguous lines (no blank line between) that a post is made of: a head (``【速報】``), a headline, a lead just
    above its link line, an outlet's hashtag line; up to the post's length. Sentences of any shape belong to it
    too when a head line opens them within that length: the head says where the post begins."""
    first = filled[pos - 1]
    chosen = [first]
    size = _visible(lines[first].text)
    q = pos - 2
    pending: list[int] = []  # lines that belong only if a head opens them
    while q >= 0 and len(chosen) + len(pending) < POST_MAX_LINES:
        i = filled[q]
        below = (pending or chosen)[-1]
        if i != below - 1 or kinds[i] is not None:  # a blank line between, or an attribution or post above
            break
        text = lines[i].text.strip()
        if is_tag_line(text) or attribution(text) or is_head(lines[below].text):
            break
        size += _visible(text)
        if size > POST_MAX_CHARS:
            break
        if pending or not _post_like(text, lines[below].text):
            pending.append(i)
            if is_head(text):
                chosen += pending
                pending = []
                break
        else:
            chosen.append(i)
        q -= 1
    return chosen


def is_head(text: str) -> bool:
    """A post's first line: a bracketed head such as 【速報】 or 【解説】, alone or opening the line."""
    return text.lstrip().startswith("【")


def _post_like(text: str, below: str) -> bool:
    if is_link_only(text):
        return _post_link(text)  # a blog's or a page's own link is chrome, not part of a post
    if text.startswith(("#", "＃")) or is_head(text):
        return True
    if len(text) <= HEADLINE_MAX_CHARS and "。" not in text:  # a headline: no full stop
        return True
    below = below.strip()
    # a lead sentence stands just above the post's link line or an outlet hashtag line
    return len(text) <= LEAD_MAX_CHARS and (_post_link(below) or below.startswith(("#", "＃")))


def _post_link(text: str) -> bool:
    """A line that is only a post's own link (X's t.co shortener, a picture): not a blog's or a page's link."""
    return is_link_only(text) and POST_LINK_RE.search(text) is not None


def _visible(text: str) -> int:
    """Characters that count towards a post's length: links count as nothing (X shortens them)."""
    if "." not in text and "/" not in text:  # every link has one or the other: most lines have none
        return len(text.strip())
    return len(URL_RE.sub("", text).strip())


def _mark_chrome(lines: list[Line], filled: list[int], kinds: list[str | None]) -> None:
    # the copyright pattern is read once a line, for the line's own shape and for the footer it opens
    copyright = {i: has_copyright(lines[i].text) for i in filled if kinds[i] is None}
    for i, found in copyright.items():
        # A post's own link (t.co) is never a page's chrome: where no attribution follows it (the embed's footer
        # was not copied), it is still the text of a post.
        if is_page_chrome(lines[i].text, found) and not _post_link(lines[i].text):
            kinds[i] = CHROME
    _mark_footer(lines, filled, kinds, copyright)
    _mark_lists(lines, filled, kinds)
    _mark_captions(lines, filled, kinds)
    _mark_between_chrome(lines, filled, kinds)


LIST_ITEM_MAX_CHARS = 40


def _mark_lists(lines: list[Line], filled: list[int], kinds: list[str | None]) -> None:
    """Under a menu word or a list marker ("関連記事", "ランキング", "• 1"), the headlines that follow without a blank
    line are the list's items: links to other articles, not the article."""
    in_list = False
    for pos, i in enumerate(filled):
        contiguous = pos > 0 and filled[pos - 1] == i - 1
        text = lines[i].text
        if kinds[i] == CHROME:
            in_list = is_nav_word(text) or LIST_MARKER_RE.match(text) is not None or (in_list and contiguous)
        elif kinds[i] is None and in_list and contiguous and _list_item(text) and not _post_link(text):
            kinds[i] = CHROME
        else:
            in_list = False


def _list_item(text: str) -> bool:
    """A headline in a list: short, no full stop, no emoji (it may end in a quote: 「…が争点」)."""
    s = text.strip()
    return len(s) <= LIST_ITEM_MAX_CHARS and "。" not in s and not has_emoji(s)


def _mark_captions(lines: list[Line], filled: list[int], kinds: list[str | None]) -> None:
    """A short line without a full stop just above a credit ("(AFP/Getty Images)", "(写真:…)") is a photo's
    caption."""
    for pos, i in enumerate(filled[:-1]):
        below = filled[pos + 1]
        if (kinds[i] is None and kinds[below] == CHROME and CREDIT_RE.match(lines[below].text)
                and is_heading_like(lines[i].text, LIST_ITEM_MAX_CHARS) and below - i <= 2):
            kinds[i] = CHROME


def _mark_footer(lines: list[Line], filled: list[int], kinds: list[str | None],
                 copyright: dict[int, bool] | None = None) -> None:
    """After a copyright line, a news page has only its footer: rankings, ads, links to other articles.

    The footer ends at the next embedded post, tag line or link-only line (where a blog resumes its clips).
    ``copyright``: has_copyright of the lines that were neither posts nor tags, when already known.
    """
    in_footer = False
    for i in filled:
        text = lines[i].text
        if kinds[i] in (ATTRIBUTION, POST_TEXT, TAG):
            in_footer = False
        elif kinds[i] == CHROME and is_link_only(text):
            in_footer = False
        elif copyright[i] if copyright is not None else has_copyright(text):
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


def assign_sources(blocks: list[Block], lines: list[Line], attributions: dict[int, re.Match[str]] | None = None
                   ) -> None:
    """Give each block the handle of the embedded post it belongs to.

    An attribution names the post above it and the body lines below it, until the next embedded post, tag or
    chrome line, or a line that opens with an emoji (a commentary insert pasted under the clip starts there).
    ``attributions``: the attribution lines' matches by line index, as line_kinds found them.
    """
    current: tuple[str, str] | None = None
    for k, b in enumerate(blocks):
        if b.kind == ATTRIBUTION:
            i = b.start_line - 1
            m = attributions[i] if attributions is not None else attribution(lines[i].text)
            assert m is not None
            current = (m.group("handle"), m.group("name"))
            b.source, b.source_name = current
            j = k - 1
            while j >= 0 and blocks[j].kind == POST_TEXT:  # every line of the post: head, lead, link line
                blocks[j].source, blocks[j].source_name = current
                j -= 1
        elif b.kind in (TAG, CHROME, POST_TEXT):
            current = None
        elif b.kind == BODY:
            if current is not None and LEADING_EMOJI_RE.match(lines[b.start_line - 1].text):
                current = None
            if current is not None:
                b.source, b.source_name = current


@dataclass(frozen=True)
class TagVocabulary:
    """The tags an archive used, by level: what a model knows of the blogger's habits."""

    section: frozenset[str] = frozenset()
    post: frozenset[str] = frozenset()

    def closes_section(self, tags: list[Tag]) -> bool:
        """Bare tags the archive knows as section tags and never as post tags."""
        return bool(tags) and all(not t.note and t.name in self.section and t.name not in self.post for t in tags)


def post_tag_blocks(blocks: list[Block], tags: dict[int, list[Tag]], vocabulary: TagVocabulary | None = None
                    ) -> list[int]:
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
    first = next((k for k in range(start, end) if not any(t.note for t in tags[k])), start)
    # A bare tag line the archive knows as a section tag, above the post's tags, closes the last section.
    while vocabulary is not None and first < end - 1 and vocabulary.closes_section(tags[first]):
        first += 1
    return list(range(first, end))


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


def segment(text: str, path: str | None = None, final: bool = True, tagged: bool = False,
            vocabulary: TagVocabulary | None = None) -> Dump:
    """Structure of a dump, labels not yet decided (every text block starts as wire).

    ``final=False`` is for a part of a long file that more text follows (see classifier.stream): its last tag
    lines close a section and are not the post's tags. ``tagged`` says an earlier part had section tags.
    ``vocabulary``: the tags a model knows, which tell a bare section tag above the post's tags from a post tag.
    """
    lines = split_lines(text)
    attributions: dict[int, re.Match[str]] = {}
    kinds = line_kinds(lines, attributions)
    blocks = build_blocks(lines, kinds)
    for b in blocks:
        b.text = text[b.start : b.end]
    assign_sources(blocks, lines, attributions)
    tags = {k: parse_tag_line(b.text) for k, b in enumerate(blocks) if b.kind == TAG}  # each tag line read once
    post_idx = post_tag_blocks(blocks, tags, vocabulary) if final else []
    sections = build_sections(blocks, tags, post_idx, tagged)
    post = Post(
        existing=[t for k in post_idx for t in tags[k]],
        tag_lines=[blocks[k].start_line for k in post_idx],
    )
    return Dump(text=text, lines=lines, blocks=blocks, sections=sections, post=post, path=path)
