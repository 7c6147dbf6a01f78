"""``parse``: a dump's structure plus the labeling rules' verdict on every block (no model involved)."""
from __future__ import annotations

from .document import Dump
from .outlets import Outlets
from .rules import label_dump
from .segment import TagVocabulary, segment

_default_outlets: Outlets | None = None


def default_outlets() -> Outlets:
    global _default_outlets
    if _default_outlets is None:
        _default_outlets = Outlets.load()
    return _default_outlets


def parse(text: str, path: str | None = None, outlets: Outlets | None = None, final: bool = True,
          tagged: bool = False, vocabulary: TagVocabulary | None = None) -> Dump:
    """Blocks, sections and post tags of one decoded dump, each text block labeled by the rules.
    (final and tagged are for parts of a long file, vocabulary for the tags a model knows: see segment().)"""
    dump = segment(text, path, final, tagged, vocabulary)
    label_dump(dump, outlets or default_outlets())
    return dump
