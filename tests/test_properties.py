"""Property tests (Hypothesis): parse and tag never raise on random text or mutated dumps; blocks tile the input,
offsets agree with the lines, the JSON is valid. bench/fuzz.py runs the same checks on 100,000 cases."""
from __future__ import annotations

import json
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.fuzz import PIECES, corpus_texts, mutate
from classifier import parse

TEXTS = corpus_texts()
ALPHABET = st.sampled_from(list("あいうえおアイウ日本語北朝鮮、。「」『』（）()#＃@—-_:/. \n\r\t0123AZaz🇷🇺🐸🔸⚠\u200b\u00a0\x00"))
CHUNKS = st.one_of(st.text(ALPHABET, max_size=30), st.sampled_from(PIECES))
RANDOM_TEXT = st.lists(CHUNKS, max_size=40).map("".join)
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                     HealthCheck.function_scoped_fixture])


def check(dump):
    dump.validate()
    d = dump.to_dict()
    assert json.loads(json.dumps(d, ensure_ascii=False)) == d


@FAST
@given(RANDOM_TEXT)
def test_parse_random_text(text):
    check(parse(text))


@FAST
@given(st.text(max_size=200))
def test_parse_any_unicode(text):
    check(parse(text))


@FAST
@given(st.integers(0, len(TEXTS) - 1), st.integers(0, 2**32))
def test_parse_mutated_dumps(i, seed):
    check(parse(mutate(TEXTS[i], random.Random(seed))))


@SLOW
@given(RANDOM_TEXT)
def test_tag_random_text(predictor, text):
    check(predictor.tag(text))


@SLOW
@given(st.integers(0, len(TEXTS) - 1), st.integers(0, 2**32))
def test_tag_mutated_dumps(predictor, i, seed):
    check(predictor.tag(mutate(TEXTS[i], random.Random(seed))))
