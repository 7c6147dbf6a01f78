"""Each labeling rule on its own, the vote combination, commentary runs; and that the rules live in classifier/."""
from __future__ import annotations

import pytest

from classifier import parse
from classifier import rules as R
from classifier.document import COMMENTARY, POST_TEXT, WIRE


def view(text, kind="body", source=None, name=None, outlet=False, in_run=False, news=False, reputation=None):
    return R.BlockView(text, kind, source, name, outlet, news, reputation, in_run)


@pytest.mark.parametrize(
    "fn, v, vote",
    [
        (R.outlet_post, view("見出し", kind=POST_TEXT, source="nhk_news", outlet=True), WIRE),
        (R.outlet_post, view("本文", source="nhk_news", outlet=True), None),
        (R.outlet_clip, view("本文", source="nhk_news", outlet=True), WIRE),
        (R.opinion_account, view("投稿", kind=POST_TEXT, source="x", name="世界の真実🌏"), COMMENTARY),
        (R.opinion_account, view("投稿", kind=POST_TEXT, source="x", name="普通の名前"), None),
        (R.news_name, view("投稿", kind=POST_TEXT, source="x", name="北海タイムズ新聞", news=True), WIRE),
        (R.wire_reputation, view("見出し", kind=POST_TEXT, source="x", reputation=0.1), WIRE),
        (R.wire_reputation, view("本文", source="x", reputation=0.1), None),
        (R.wire_reputation_clip, view("本文", source="x", reputation=0.1), WIRE),
        (R.commentary_reputation, view("投稿", kind=POST_TEXT, source="x", reputation=0.9), COMMENTARY),
        (R.commentary_reputation, view("投稿", kind=POST_TEXT, source="x", reputation=0.5), None),
        (R.reader_address, view("皆さん、これが現実です。"), COMMENTARY),
        (R.reader_address, view("ぜひ原文をご覧ください。"), COMMENTARY),
        (R.reader_address, view("首相は「皆さんに感謝したい」と述べました。"), None),  # quoted
        (R.polite_opinion, view("狙いは航路と資源でしょう。"), COMMENTARY),
        (R.polite_opinion, view("それで良いのではないでしょうか。"), COMMENTARY),
        (R.polite_opinion, view("政府は対策を発表しました。"), None),
        (R.news_head, view("【速報】", kind=POST_TEXT, source="x"), WIRE),
        (R.news_head, view("【随時更新】ロシア情勢", kind=POST_TEXT, source="x"), WIRE),
        (R.news_head, view("【拡散希望】", kind=POST_TEXT, source="x"), None),
        (R.news_head, view("【速報】", kind="body"), None),
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
    ],
)
def test_each_rule(fn, v, vote):
    assert fn(v) == vote


def test_unquoted_empties_nested_quotes():
    assert R.unquoted("外相は「米国は『敵』だ」と述べた。") == "外相は〈〉と述べた。"
    assert R.asserts("外相は「米国は『敵』だ」と述べた。") is False
    assert R.asserts("「米国は『敵』だ」と言うのは茶番だ。") is True


def test_combination_by_the_prior_label_model():
    v = view("平文の段落に過ぎない。", source="nhk_news", outlet=True)
    verdict = R.combine(v)
    assert verdict.label == COMMENTARY  # an assertion outweighs mere membership of an outlet's clip
    assert verdict.votes == {"outlet_clip": WIRE, "assertive_ending": COMMENTARY}
    plain = R.combine(view("数字が並ぶ。"))
    assert plain.label == WIRE and plain.rules == [] and plain.confidence < 0.5  # the prior alone
    strong = R.combine(view("見出し", kind=POST_TEXT, source="nhk_news", outlet=True))
    assert strong.label == WIRE and strong.confidence >= 3
    # the prior model's votes weigh what each rule's hand-set weight says
    weights = R.PRIOR_LABEL_MODEL.weights
    assert all(abs(weights[r.name] - (r.weight if r.votes == COMMENTARY else -r.weight)) < 1e-9 for r in R.RULES)


def test_reputation_replaces_the_outlet_list():
    from classifier.document import Block, Dump, Line, Post
    from classifier.outlets import Outlets

    text = "見出し\n— NHK (@nhk_news) May 1, 2025\n本文。"
    d = parse(text)
    outlets = Outlets.load()
    listed = R.views(d, outlets)
    assert listed[0].listed and listed[0].reputation is None
    learned = R.views(d, outlets, {"nhk_news": 0.9})
    assert not learned[0].listed and learned[0].reputation == 0.9
    assert R.vote_row(learned[0]) == {"commentary_reputation": COMMENTARY}
    del Block, Dump, Line, Post


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
    assert d.blocks[4].rules == []  # the run closed at the 🐸 sign-off: no rule, the prior says wire


def test_run_stops_at_boundaries():
    text = "🇷🇺見出し\n平文の一行。\nexample.hatenadiary.jp\n次の平文。\n"
    lab = parse(text).line_labels()
    assert lab[2] == COMMENTARY and lab[3] == "meta" and lab[4] == WIRE


def test_the_runtime_package_never_imports_training_at_module_level():
    """classifier/ holds what runs at tagging time; only the CLI's train, eval and labels verbs load training/,
    on demand (tests/test_model.py checks that tagging never loads it)."""
    import ast
    from pathlib import Path

    for path in Path(R.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n == "training" or n.startswith("training.") for n in names), path.name
