"""Each labeling rule on its own, the vote combination, and commentary runs."""
from __future__ import annotations

import pytest

from classifier import parse
from classifier.document import COMMENTARY, POST_TEXT, WIRE
from training import rules as R


def view(text, kind="body", source=None, name=None, outlet=False, in_run=False):
    return R.BlockView(text, kind, source, name, outlet, in_run)


@pytest.mark.parametrize(
    "fn, v, vote",
    [
        (R.outlet_post, view("見出し", kind=POST_TEXT, source="nhk_news", outlet=True), WIRE),
        (R.outlet_post, view("本文", source="nhk_news", outlet=True), None),
        (R.outlet_clip, view("本文", source="nhk_news", outlet=True), WIRE),
        (R.opinion_account, view("投稿", kind=POST_TEXT, source="x", name="世界の真実🌏"), COMMENTARY),
        (R.opinion_account, view("投稿", kind=POST_TEXT, source="x", name="普通の名前"), None),
        (R.other_account, view("投稿", kind=POST_TEXT, source="x", name="普通の名前"), COMMENTARY),
        (R.emoji_marker, view("🇷🇺🐻見出し"), COMMENTARY),
        (R.emoji_marker, view("★注目 ●会見"), None),  # Japanese typography, not emoji
        (R.picture_link, view("これを見よ pic.twitter.com/AbCdEf1234"), COMMENTARY),
        (R.commentary_run, view("平文の段落。", in_run=True), COMMENTARY),
        (R.wire_lead, view("政府は29日、方針を決めた。"), WIRE),
        (R.wire_lead, view("日本の立場は変わらない。"), None),
        (R.reporting_verb, view("首相は会見で協力を強化すると述べました。"), WIRE),
        (R.reporting_verb, view("関係者によると、協議は難航している。"), WIRE),
        (R.assertive_ending, view("これは茶番に過ぎない。"), COMMENTARY),
        (R.assertive_ending, view("本気で思っているのだろうか。"), COMMENTARY),
        (R.assertive_ending, view("首相は「これは重大な挑戦だ」と述べた。"), None),  # the assertion is quoted
        (R.assertive_ending, view("外相は来週訪問する予定だ。"), None),  # a wire idiom
        (R.assertive_ending, view("買いが膨らんだ。"), None),  # a past tense, not an assertion
        (R.wire_prior, view("何であれ"), WIRE),
    ],
)
def test_each_rule(fn, v, vote):
    assert fn(v) == vote


def test_unquoted_empties_nested_quotes():
    assert R.unquoted("外相は「米国は『敵』だ」と述べた。") == "外相は〈〉と述べた。"
    assert R.asserts("外相は「米国は『敵』だ」と述べた。") is False
    assert R.asserts("「米国は『敵』だ」と言うのは茶番だ。") is True


def test_combination_weights_and_conflict():
    v = view("平文の段落に過ぎない。", source="nhk_news", outlet=True)
    verdict = R.combine(v)
    assert verdict.label == COMMENTARY  # an assertion outweighs mere membership of an outlet's clip
    assert verdict.conflict and verdict.confidence == 0.0  # so training does not learn from it
    plain = R.combine(view("数字が並ぶ。"))
    assert plain.label == WIRE and plain.rules == ["wire_prior"] and plain.confidence < 0.5
    strong = R.combine(view("見出し", kind=POST_TEXT, source="nhk_news", outlet=True))
    assert strong.label == WIRE and not strong.conflict and strong.confidence >= 3


def test_commentary_run_opens_at_a_marker_and_ends_at_a_wire_lead_or_sign_off():
    text = "\n".join([
        "🇺🇸元大佐🗣️",
        "誰も本当のことを言わない。",
        "それでも続けるという。",
        "🐸結局は同じことの繰り返しだ。",
        "これは次の話題。",
        "🇷🇺見出し",
        "平文の一行。",
        "外務省は2日、声明を出したと発表した。",
        "続く平文。",
    ])
    d = parse(text)
    lab = d.line_labels()
    assert [lab[n] for n in range(1, 10)] == [
        COMMENTARY, COMMENTARY, COMMENTARY, COMMENTARY, WIRE, COMMENTARY, COMMENTARY, WIRE, WIRE
    ]
    assert "commentary_run" in d.blocks[2].rules
    assert d.blocks[4].rules == ["wire_prior"]  # the run closed at the 🐸 sign-off


def test_run_stops_at_boundaries():
    text = "🇷🇺見出し\n平文の一行。\nexample.hatenadiary.jp\n次の平文。\n"
    lab = parse(text).line_labels()
    assert lab[2] == COMMENTARY and lab[3] == "meta" and lab[4] == WIRE
