"""The tag grammar: names, notes in (…) and 「…」 runs, several tags a line, what is not a tag."""
import pytest

from classifier.document import Tag
from classifier.tags import is_tag_line, parse_tag_line


@pytest.mark.parametrize(
    "line, tags",
    [
        ("#NATOexpansion", [Tag("NATOexpansion")]),
        ("#反ロシア#対中露戦", [Tag("反ロシア"), Tag("対中露戦")]),
        ("#露朝(外相・訪露)", [Tag("露朝", "外相・訪露")]),
        ("#露朝（全角の括弧）", [Tag("露朝", "全角の括弧")]),
        ("#防空「配備を終えた」「『夜が戻る』かは不明」", [Tag("防空", "「配備を終えた」「『夜が戻る』かは不明」")]),
        ("#支援(国防相「追加で送る(年内)」・首相「続ける」)", [Tag("支援", "国防相「追加で送る(年内)」・首相「続ける」")]),
        ("#A(x)#B「y」 #C", [Tag("A", "x"), Tag("B", "「y」"), Tag("C")]),
        ("＃全角タグ(メモ)", [Tag("全角タグ", "メモ")]),
    ],
)
def test_tag_line_grammar(line, tags):
    assert is_tag_line(line)
    assert parse_tag_line(line) == tags


def test_hash_inside_a_note_is_not_a_tag():
    assert parse_tag_line("#A(メモ#ではない)") == [Tag("A", "メモ#ではない")]
    assert parse_tag_line("#A 地図 https://example.org/x#map") == [Tag("A", "地図 https://example.org/x#map")]


def test_unclosed_note_keeps_the_rest_of_the_line():
    assert parse_tag_line("#露朝(外相の") == [Tag("露朝", "外相の")]
    assert parse_tag_line("#露朝(") == [Tag("露朝", "")]
    assert parse_tag_line("#NATO「閉じない引用") == [Tag("NATO", "「閉じない引用")]


@pytest.mark.parametrize("line", ["# 見出し", "#1 ランキング", "#", "普通の文に#タグ", "", "  ", "＃ 空白",
                                  # an outlet's hashtag followed by a sentence is the text of its post
                                  "#ニュース7 でお伝えします。", "#報道1930 で詳しく…", "#フランス 下院選挙へ",
                                  "#タグ 補足の説明", "#A(メモ) そして文", "#A #B 本文"])
def test_not_tag_lines(line):
    assert not is_tag_line(line)


def test_a_note_text_after_a_bracket_is_still_parsed_when_asked():
    """parse_tag_line keeps every character of a line it is given (nothing is lost), even text outside brackets."""
    assert parse_tag_line("#A 地図 https://example.org/x#map") == [Tag("A", "地図 https://example.org/x#map")]
