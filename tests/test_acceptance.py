"""Issue 2 acceptance on the real seeds: a model trained as `make demo` trains it tags them well."""
from __future__ import annotations

import pytest

from .conftest import LABEL, read, seed_pairs

MIN_TAG_ACCURACY = 0.95
MIN_COMMENTARY_F1 = 0.90
POST_TAGS = {"NATOexpansion", "反ロシア", "対中露戦"}


@pytest.fixture(scope="module")
def tagged(predictor):
    return [(txt, gold, predictor.tag(read(txt), str(txt))) for txt, gold in seed_pairs()]


def test_line_labels_and_commentary_f1(tagged):
    right = total = tp = fp = fn = 0
    for _, gold, dump in tagged:
        got = dump.line_labels()
        for n, g in gold["lines"].items():
            want, have = LABEL[g], got.get(int(n))
            total += 1
            right += want == have
            tp += want == "commentary" and have == "commentary"
            fp += want != "commentary" and have == "commentary"
            fn += want == "commentary" and have != "commentary"
    f1 = 2 * tp / (2 * tp + fp + fn)
    assert right / total >= MIN_TAG_ACCURACY, (right, total)
    assert f1 >= MIN_COMMENTARY_F1, (tp, fp, fn)


def test_each_seed_line_accuracy(tagged):
    for txt, gold, dump in tagged:
        got = dump.line_labels()
        right = sum(got.get(int(n)) == LABEL[g] for n, g in gold["lines"].items())
        assert right / len(gold["lines"]) >= MIN_TAG_ACCURACY, txt.name


@pytest.mark.parametrize("prefix", ["000", "001", "004"])
def test_post_suggestions_top3(tagged, prefix):
    dumps = [d for txt, _, d in tagged if txt.name.startswith(prefix)]
    if not dumps:
        pytest.skip(f"seed {prefix} absent")
    top3 = {s.tag for s in dumps[0].post.suggested[:3]}
    assert top3 == POST_TAGS
