"""`parse` on the real dumps in ../shared/seeds against their hand-made gold labels (issue 2 acceptance)."""
from __future__ import annotations

import pytest

from classifier import parse

from .conftest import LABEL, read, seed_pairs
from .test_parse import assert_tiles

MIN_PARSE_ACCURACY = 0.97


def pytest_generate_tests(metafunc):
    if "seed" in metafunc.fixturenames:
        metafunc.parametrize("seed", ["000", "001", "003", "004"])


def _pair(seed):
    for txt, gold in seed_pairs():
        if txt.name.startswith(seed):
            return txt, gold
    pytest.skip(f"seed {seed} is not in ../shared/seeds")


def test_blocks_tile_every_seed(seed):
    txt, _ = _pair(seed)
    assert_tiles(parse(read(txt)))


def test_post_tags_exact(seed):
    txt, gold = _pair(seed)
    assert [t.name for t in parse(read(txt)).post.existing] == gold["post_tags"]


def test_section_tags_names_notes_and_lines_exact(seed):
    txt, gold = _pair(seed)
    d = parse(read(txt))
    got = [
        {"tags": [t.to_dict() for t in s.existing], "tag_line": s.tag_line, "start_line": s.start_line,
         "end_line": s.end_line}
        for s in d.sections if s.tag_line is not None
    ]
    assert got == gold["sections"]


def test_line_labels_accuracy(seed):
    txt, gold = _pair(seed)
    got = parse(read(txt)).line_labels()
    assert set(got) == {int(n) for n in gold["lines"]}, "the lines labeled are exactly the non-empty lines"
    right = sum(got[int(n)] == LABEL[g] for n, g in gold["lines"].items())
    assert right / len(gold["lines"]) >= MIN_PARSE_ACCURACY
