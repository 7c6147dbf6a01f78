"""What ``classifier index`` needs of one tagged dump, rendered where the dump was tagged (a worker process).

The batch path renders each dump before it leaves its worker (render.py); ``index`` asks it for this format:
the dump's JSON object exactly as ``tag --format jsonl`` gives it, plus what that JSON leaves out and the database
keeps: each block's text, its count of non-empty lines and its source's display name, and the post's date.
"""
from __future__ import annotations

from typing import Any

from .document import Block, Dump
from .post_date import post_date

FORMAT = "archive"  # the internal render format (not a choice of `tag --format`)


def archive_record(dump: Dump) -> dict[str, Any]:
    """``dump`` (to_dict()), per-block lists ``texts``, ``lines``, ``names``, and ``date``.

    A dict, not text like the other formats: it goes to the parent as it is (pickled from a worker), never to an
    output, so JSON would be written and read again for nothing (a tenth of the tagging time)."""
    return {
        "dump": dump.to_dict(),
        "texts": [dump.text[b.start : b.end] for b in dump.blocks],
        "lines": [_filled_lines(dump, b) for b in dump.blocks],
        "names": [b.source_name for b in dump.blocks],
        "date": post_date(dump),
    }


def _filled_lines(dump: Dump, b: Block) -> int:
    """Non-empty lines of a block; a block of one line is never blank (blocks tile the non-empty lines)."""
    if b.start_line == b.end_line:
        return 1
    return sum(1 for ln in dump.lines[b.start_line - 1 : b.end_line] if not ln.blank)
