"""The second sample set (training/corpus2): gold files consistent with their dumps, new text, other hands' habits.

The checks themselves live in training/check_gold.py (``python -m training.check_gold training/corpus2``); these
tests run them per dump, show that they catch an inconsistent gold file, and pin down what makes the set differ
from the bundled corpus.
"""
from __future__ import annotations

import json
import re
import shutil
from collections import Counter

import pytest

from training.check_gold import DEFAULT_SEEDS, check_dir, check_dump, copied

from .conftest import CORPUS, ROOT, read

CORPUS2 = ROOT / "training" / "corpus2"
DUMPS = sorted(CORPUS2.glob("*.txt"))
HANDLE_RE = re.compile(r"^\s*(?:[—―–-]{1,2}\s*)?(?P<name>.*?)\s*[(（]@(?P<handle>\w+)[)）]\s*(?P<date>\S.*)$")


def gold(txt):
    return json.loads(txt.with_suffix(".json").read_text(encoding="utf-8"))


def attributions():
    """(dump, match, label of the post above) for every attribution line."""
    for p in DUMPS:
        g = gold(p)
        lines = read(p).split("\n")
        for n, v in g["lines"].items():
            m = HANDLE_RE.match(lines[int(n) - 1])
            if v == "M" and m:
                above = max(int(k) for k in g["lines"] if int(k) < int(n))
                yield p, m, g["lines"][str(above)]


def test_enough_dumps_each_with_gold():
    assert len(DUMPS) >= 28
    assert all(p.with_suffix(".json").exists() for p in DUMPS)
    assert {p.stem for p in CORPUS2.glob("*.json")} == {p.stem for p in DUMPS}


@pytest.mark.parametrize("txt", DUMPS, ids=[p.stem for p in DUMPS])
def test_gold_is_consistent_with_its_dump(txt):
    r = check_dump(txt, gold(txt))
    assert r.problems == []


def test_every_section_tag_is_in_two_dumps_or_more():
    rep = check_dir(CORPUS2, seeds=None, reference=[])
    assert rep.section_tag_dumps and min(rep.section_tag_dumps.values()) >= 2, rep.section_tag_dumps
    assert sum(n == 2 for n in rep.section_tag_dumps.values()) <= len(rep.section_tag_dumps) // 2


def test_no_line_or_sentence_of_the_seeds_or_the_bundled_corpus():
    assert copied(DUMPS, sorted(CORPUS.glob("*.txt"))) == []
    if not DEFAULT_SEEDS.is_dir():
        pytest.skip(f"{DEFAULT_SEEDS} is absent")
    assert copied(DUMPS, sorted(DEFAULT_SEEDS.glob("*.txt"))) == []


def _broken_copies(tmp_path):
    """A good dump with its gold, and copies whose gold is wrong in one way each."""
    src = CORPUS2 / "02_afd_thuringia.txt"
    g = gold(src)
    text_lines = read(src).split("\n")
    first_tag = g["sections"][0]["tag_line"]
    w_line = next(int(n) for n, v in g["lines"].items() if v == "W")

    def unlabelled(x):
        del x["lines"][str(w_line)]

    def blank_labelled(x):
        x["lines"][str(len(text_lines) + 3)] = "W"

    def tag_as_wire(x):
        x["lines"][str(first_tag)] = "W"

    def text_as_tag(x):
        x["lines"][str(w_line)] = "T"

    def end_moved(x):
        x["sections"][0]["end_line"] -= 1

    def start_moved(x):
        x["sections"][1]["start_line"] += 1

    def note_changed(x):
        x["sections"][0]["tags"][0]["note"] += "。"

    def post_tag_missing(x):
        x["post_tags"] = x["post_tags"][:-1]

    def section_dropped(x):
        del x["sections"][1]

    def bad_label(x):
        x["lines"][str(w_line)] = "X"

    cases = [unlabelled, blank_labelled, tag_as_wire, text_as_tag, end_moved, start_moved, note_changed,
             post_tag_missing, section_dropped, bad_label]
    out = []
    for case in cases:
        d = tmp_path / case.__name__
        d.mkdir()
        shutil.copy(src, d / src.name)
        x = json.loads(json.dumps(g))
        case(x)
        (d / src.with_suffix(".json").name).write_text(json.dumps(x, ensure_ascii=False), encoding="utf-8")
        out.append((case.__name__, d / src.name))
    return src, g, out


def test_the_check_fails_on_an_inconsistent_gold_file(tmp_path):
    src, g, broken = _broken_copies(tmp_path)
    assert check_dump(src, g).problems == []
    for name, txt in broken:
        assert check_dump(txt, gold(txt)).problems, f"{name} was not caught"


def test_the_check_fails_on_a_copied_line_and_a_missing_gold(tmp_path):
    d = tmp_path / "set"
    d.mkdir()
    for p in DUMPS[:2]:
        shutil.copy(p, d / p.name)
        shutil.copy(p.with_suffix(".json"), d / p.with_suffix(".json").name)
    assert check_dir(d, seeds=None, reference=[], min_dumps=1).ok
    bundled = next(ln for ln in read(next(CORPUS.glob("*.txt"))).splitlines() if len(ln) >= 25)
    with (d / DUMPS[0].name).open("a", encoding="utf-8") as f:
        f.write(bundled + "\n")
    (d / DUMPS[1].with_suffix(".json").name).unlink()
    rep = check_dir(d, seeds=None, reference=[CORPUS], min_dumps=1)
    assert any("copies a line" in p for p in rep.problems)
    assert any("no gold file" in p for p in rep.problems)
    assert any("no label" in p for p in rep.problems)


def test_other_outlets_accounts_and_attribution_shapes():
    listed = {ln.strip()[1:].lower() for ln in (ROOT / "classifier" / "data" / "outlets.txt").read_text(
        encoding="utf-8").splitlines() if ln.startswith("@")}
    found = list(attributions())
    handles = {m["handle"].lower() for _, m, _ in found}
    assert len(handles - listed) >= 15
    opinion = {m["name"] for _, m, above in found if above == "C"}
    assert len({n for n in opinion if re.search(r"news|ニュース|通信|press|times", n, re.I)}) >= 3, opinion
    assert any(re.search(r"[\U0001F000-\U0001FAFF]", n) for n in opinion)
    assert any(len(n) >= 30 for n in opinion), "a long bio-like display name"
    dates = [m["date"] for _, m, _ in found]
    assert any("年" in d for d in dates) and any(re.match(r"[A-Z][a-z]+ \d", d) for d in dates)
    dashes = Counter(m.string.lstrip()[0] for _, m, _ in found)
    assert dashes["―"] >= 2 and dashes["–"] >= 2


def test_layouts_sizes_and_tag_habits():
    texts = {p: read(p) for p in DUMPS}
    blank = [p for p, t in texts.items() if "\n\n" in t]
    assert 5 <= len(blank) <= len(DUMPS) - 5
    sizes = sorted(len(gold(p)["lines"]) for p in DUMPS)
    assert sizes[0] <= 15 and sizes[-1] >= 200
    pages = [p for p in DUMPS if not gold(p)["post_tags"] and ("Copyright" in texts[p] or "©" in texts[p])]
    assert len(pages) >= 2
    bare_last = untagged_tail = 0
    for p in DUMPS:
        g = gold(p)
        if not g["sections"] or not g["post_tags"]:
            continue
        last = g["sections"][-1]
        later_text = [int(n) for n, v in g["lines"].items() if v in "WC" and int(n) > last["tag_line"]]
        if later_text:
            untagged_tail += 1
        elif last["tags"][-1]["note"] == "" and len(last["tags"]) == 1:
            bare_last += 1
    assert bare_last >= 2 and untagged_tail >= 2
    lines = [ln for t in texts.values() for ln in t.splitlines()]
    assert any(ln.startswith("＃") for ln in lines), "a full-width tag sign"
    assert sum(1 for ln in lines if re.match(r"^[#＃][^#＃(「]+[#＃]", ln)) >= 3, "several tags on one line"


def test_multi_line_posts_and_outlet_hashtag_lines():
    heads = hashtag_lines = 0
    for p in DUMPS:
        g = gold(p)
        lines = read(p).split("\n")
        for n, v in g["lines"].items():
            s = lines[int(n) - 1].strip()
            if v in "WC" and re.fullmatch(r"【[^】]+】", s):
                heads += 1
            if v == "W" and s[0] in "#＃":
                hashtag_lines += 1
    assert heads >= 8 and hashtag_lines >= 5


def test_the_same_checks_pass_on_the_bundled_corpus():
    """The conventions checked here are those of the bundled corpus's gold files."""
    rep = check_dir(CORPUS, seeds=None, reference=[])
    assert rep.problems == []
