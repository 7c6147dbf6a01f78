"""The bundled sample corpus meets what the product needs to learn from, and is our own text."""
from __future__ import annotations

import json
from collections import Counter

from classifier import parse

from .conftest import CORPUS, LABEL, SHARED, read


def dumps():
    return [(p, parse(read(p), str(p))) for p in sorted(CORPUS.glob("*.txt"))]


def test_enough_posts_and_tags():
    ds = dumps()
    posts = [d for _, d in ds if d.post.existing]
    assert len(posts) >= 24
    sec = Counter(t for _, d in ds for t in {t.name for s in d.sections for t in s.existing})
    assert sum(1 for c in sec.values() if c >= 3) >= 6, sec
    sets = Counter(tuple(t.name for t in d.post.existing) for d in posts)
    assert ("NATOexpansion", "反ロシア", "対中露戦") in sets and len(sets) >= 2


def test_several_outlets_commentary_kinds_and_layouts():
    ds = dumps()
    handles = {b.source for _, d in ds for b in d.blocks if b.kind == "attribution"}
    assert len(handles & {"nhk_news", "ReutersJapan", "kyodo_official", "jijicom", "afpbbcom"}) >= 4
    text = "".join(read(p) for p, _ in ds)
    for marker in ("🔸", "🗣", "🐸", "⚠", "pic.twitter.com/", "🇷🇺"):
        assert marker in text, marker
    blank_layout = [p for p, _ in ds if "\n\n" in read(p)]
    assert 0 < len(blank_layout) < len(ds)


def test_gold_of_the_corpus_agrees_with_parse():
    """Our own gold files: parse must get tags exact and nearly every line label."""
    right = total = 0
    for p, d in dumps():
        gold = json.loads(p.with_suffix(".json").read_text(encoding="utf-8"))
        assert [t.name for t in d.post.existing] == gold["post_tags"], p.name
        got = d.line_labels()
        assert set(got) == {int(n) for n in gold["lines"]}, p.name
        right += sum(got[int(n)] == LABEL[g] for n, g in gold["lines"].items())
        total += len(gold["lines"])
    assert right / total >= 0.9


def test_no_seed_sentence_is_copied():
    seeds = SHARED / "seeds"
    if not seeds.is_dir():
        import pytest

        pytest.skip(f"{seeds} is absent")
    seed_lines = {ln.strip() for f in seeds.glob("*.txt") for ln in read(f).splitlines()}
    seed_lines = {ln for ln in seed_lines if len(ln) >= 25 and not ln.startswith(("http", "—", "#"))}
    for p in CORPUS.glob("*"):
        text = read(p)
        assert not [ln for ln in seed_lines if ln in text], p.name
