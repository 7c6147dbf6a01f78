"""What ``classifier index`` needs of one tagged dump, rendered where the dump was tagged (a worker process).

The batch path renders each dump before it leaves its worker (render.py); ``index`` asks it for this format:
the dump's JSON exactly as ``tag --format jsonl`` gives it, plus what that JSON leaves out and the database
keeps: each block's text, its count of non-empty lines and its source's display name, and the post's date.
"""
from __future__ import annotations

import json
from typing import Any

from .document import Dump
from .post_date import post_date

FORMAT = "archive"  # the internal render format (not a choice of `tag --format`)


def archive_record(dump: Dump) -> str:
    """One JSON object: ``dump`` (to_dict()), per-block lists ``texts``, ``lines``, ``names``, and ``date``."""
    record: dict[str, Any] = {
        "dump": dump.to_dict(),
        "texts": [dump.text[b.start : b.end] for b in dump.blocks],
        "lines": [sum(1 for ln in dump.lines[b.start_line - 1 : b.end_line] if not ln.blank) for b in dump.blocks],
        "names": [b.source_name for b in dump.blocks],
        "date": post_date(dump),
    }
    return json.dumps(record, ensure_ascii=False)
