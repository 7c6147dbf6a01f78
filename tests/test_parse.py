"""Parsing rules and traps, on fixtures written for the tests (tests/fixtures) and small inline dumps."""
from __future__ import annotations

import pytest

from classifier import parse
from classifier.document import Tag
from classifier.outlets import Outlets
from classifier.reading import InputError, decode
from classifier.segment import split_lines

from .conftest import FIXTURES, read


def labels(dump):
    return dump.line_labels()


def kinds(dump):
    return {n: b.kind for b in dump.blocks for n in range(b.start_line, b.end_line + 1) if not dump.lines[n - 1].blank}


def assert_tiles(dump):
    """Every non-empty line in exactly one block; offsets agree with the lines."""
    dump.validate()
    for b in dump.blocks:
        assert dump.text[b.start : b.end] == b.text


@pytest.fixture(scope="module")
def traps():
    return parse(read(FIXTURES / "traps.txt"), "traps.txt")


def test_blocks_tile_the_fixtures(traps):
    assert_tiles(traps)
    assert_tiles(parse(read(FIXTURES / "page.txt")))


def test_post_starting_with_a_hashtag_is_post_text_when_an_attribution_follows(traps):
    assert kinds(traps)[2] == "post_text"
    assert labels(traps)[2] == "wire"
    assert traps.blocks[1].source == "nhk_news"


def test_hash_in_a_sentence_or_url_is_never_a_tag(traps):
    assert kinds(traps)[5] == "body" and kinds(traps)[6] == "body"


def test_attribution_is_meta_and_names_the_source(traps):
    assert kinds(traps)[3] == "attribution" and labels(traps)[3] == "meta"
    body = [b for b in traps.blocks if b.start_line == 4][0]
    assert body.source == "nhk_news"


def test_commentary_insert_under_a_clip_starts_a_new_clip(traps):
    for n in (7, 8, 9):
        assert labels(traps)[n] == "commentary", n
    line7 = [b for b in traps.blocks if b.start_line == 7][0]
    assert line7.source is None
    assert "emoji_marker" in line7.rules
    assert "commentary_run" in [b for b in traps.blocks if b.start_line == 8][0].rules
    assert labels(traps)[10] == "wire"  # a wire lead ends the insert


def test_opinion_account_post_is_commentary(traps):
    b = [b for b in traps.blocks if b.start_line == 15][0]
    assert b.kind == "post_text" and b.source == "tamoku_note" and b.label == "commentary"
    assert "opinion_account" in b.rules


def test_several_tags_on_a_line_and_notes_kept_whole(traps):
    s1, s2, s3 = traps.sections
    assert (s1.start_line, s1.end_line, s1.tag_line) == (1, 10, 11)
    assert s1.existing == [Tag("インフラ攻撃", "電力会社「三日以内に復旧」・外相「修理費を支援」"), Tag("停電", "")]
    assert (s2.start_line, s2.end_line, s2.tag_line) == (12, 16, 17)
    assert s2.existing == [Tag("防空", "「配備を終えた」「『夜が戻る』かは不明」")]
    assert (s3.start_line, s3.end_line, s3.tag_line, s3.existing) == (18, 18, None, [])


def test_final_tag_block_is_post_tags_even_with_chrome_after(traps):
    assert [t.name for t in traps.post.existing] == ["NATOexpansion", "反ロシア", "対中露戦"]
    assert traps.post.tag_lines == [19, 20]
    assert labels(traps)[21] == "meta" and labels(traps)[19] == "tag"


def test_leading_tag_lines_with_notes_close_the_last_section():
    text = "政府は1日、会合を開いたと発表した。\n#会合(首相「続ける」)\n#Politics\n#国内#政局\n"
    d = parse(text)
    assert [t.name for t in d.post.existing] == ["Politics", "国内", "政局"]
    assert d.sections[0].tag_line == 2 and d.sections[0].existing == [Tag("会合", "首相「続ける」")]


def test_a_dump_without_tags_has_clip_sections():
    text = (
        "見出しその一 https://t.co/AAAAAAAAAA\n— NHKニュース (@nhk_news) May 1, 2025\n本文です。\n"
        "見出しその二 https://t.co/BBBBBBBBBB\n— ロイター (@ReutersJapan) May 1, 2025\n本文である。\n"
        "example-blog.hatenadiary.jp\n貼り付けた段落。\n"
    )
    d = parse(text)
    assert [(s.start_line, s.end_line, s.tag_line) for s in d.sections] == [(1, 3, None), (4, 6, None), (8, 8, None)]
    assert d.post.existing == []


def test_page_chrome_header_footer_and_credit():
    d = parse(read(FIXTURES / "page.txt"))
    lab = labels(d)
    assert lab[1] == lab[2] == "meta"  # site menu
    assert lab[4] == "wire"  # the headline between its category and its date
    assert lab[6] == "meta"  # date stamp
    assert lab[9] == lab[11] == "wire"
    assert lab[13] == lab[15] == "meta"  # credit, and the short line between chrome lines
    assert all(lab[n] == "meta" for n in range(16, 23))  # footer after the copyright line


def test_both_layouts_give_the_same_labels():
    text = read(FIXTURES / "traps.txt")
    spaced = "\n\n".join(text.splitlines()) + "\n"
    a, b = parse(text), parse(spaced)
    assert list(labels(a).values()) == list(labels(b).values())
    assert [s.existing for s in a.sections] == [s.existing for s in b.sections]
    assert a.post.existing == b.post.existing


def test_crlf_and_cr_line_breaks_keep_offsets():
    text = read(FIXTURES / "traps.txt")
    for nl in ("\r\n", "\r"):
        other = text.replace("\n", nl)
        d = parse(other)
        assert_tiles(d)
        assert list(labels(d).values()) == list(labels(parse(text)).values())


def test_split_lines_offsets():
    lines = split_lines("a\r\nbb\rc\n\nd")
    assert [(ln.number, ln.start, ln.end, ln.text) for ln in lines] == [
        (1, 0, 1, "a"), (2, 3, 5, "bb"), (3, 6, 7, "c"), (4, 8, 8, ""), (5, 9, 10, "d")
    ]


def test_decode_bom_and_errors():
    assert decode("\ufeff本文".encode("utf-8"), "x") == "本文"
    assert decode("本文".encode("utf-16"), "x") == "本文"
    with pytest.raises(InputError, match=r"x: not valid UTF-8, Shift_JIS or EUC-JP .*byte offset 1"):
        decode(b"a\xff", "x")
    with pytest.raises(InputError, match="binary"):
        decode(b"\x00\x01\x02", "x")


def test_outlet_list_is_data_users_extend_and_trim(tmp_path):
    text = "予算案は茶番だ。 https://t.co/CCCCCCCCCC\n— 地方日報 (@chiho_daily) May 2, 2025\n市は2日、予算案を発表した。\n"
    assert labels(parse(text))[1] == "commentary"  # an unknown account is judged by its text
    plain = "予算案を発表 https://t.co/CCCCCCCCCC\n— 地方日報 (@chiho_daily) May 2, 2025\n"
    assert labels(parse(plain))[1] == "wire"  # ...not condemned for being on no list
    extra = tmp_path / "mine.txt"
    extra.write_text("# my outlets\n@chiho_daily\n", encoding="utf-8")
    assert labels(parse(text, outlets=Outlets.load([extra])))[1] == "wire"  # listed: the prior outweighs the tone
    trim = tmp_path / "trim.txt"
    trim.write_text("-@nhk_news\n-name: 新聞\n", encoding="utf-8")
    trimmed = Outlets.load([trim])
    assert not trimmed.listed("nhk_news") and trimmed.listed("ReutersJapan")
    assert not trimmed.is_outlet("x", "北海タイムズ新聞") and Outlets.load().is_outlet("x", "北海タイムズ新聞")


def test_outlet_by_display_name_word_unless_it_shows_emoji():
    o = Outlets.load()
    assert o.is_outlet("unknown_handle", "北海タイムズ新聞")
    assert not o.is_outlet("unknown_handle", "真実のニュース🐸")
    assert not o.is_outlet("someone", "ただの個人")


def test_bad_outlet_file_names_the_line(tmp_path):
    from classifier.outlets import OutletFileError

    bad = tmp_path / "bad.txt"
    bad.write_text("@ok\nnot a handle\n", encoding="utf-8")
    with pytest.raises(OutletFileError, match=r"bad.txt, line 2"):
        Outlets.load([bad])


def test_to_dict_shape_of_parse():
    d = parse(read(FIXTURES / "traps.txt"), "traps.txt").to_dict()
    assert set(d) == {"path", "blocks", "sections", "post"}
    assert set(d["blocks"][0]) == {"kind", "label", "start_line", "end_line", "start", "end", "source", "rules"}
    assert set(d["sections"][0]) == {"start_line", "end_line", "tag_line", "existing"}
    assert set(d["post"]) == {"existing"}


def test_validate_catches_broken_invariants():
    d = parse(read(FIXTURES / "traps.txt"))
    d.validate()
    d.blocks[3].start += 1
    with pytest.raises(ValueError, match="offsets disagree"):
        d.validate()
    d = parse(read(FIXTURES / "traps.txt"))
    del d.blocks[5]
    with pytest.raises(ValueError, match="do not tile"):
        d.validate()


def test_a_posts_own_link_without_its_attribution_is_text_not_chrome():
    """Where an embed's footer was not copied, its t.co link is still a post's text, even under a head that opens a
    list of headlines; a blog's own link stays chrome."""
    d = parse("https://example-blog.hatenablog.com\n\n【速報】\n港湾ストが三日目に 物流に遅れ\n"
              "https://t.co/Ab12Cd34Ef\n\n沿岸の港で始まったストライキは三日目に入った。\n", "x")
    k = kinds(d)
    assert k[1] == "chrome"
    assert k[5] == "body" and labels(d)[5] == "wire"


def test_quote_shapes_are_features():
    """A scare quote (a word in 「」 inside a sentence) and a reported statement (a long quote, then と) give the
    commentary model different terms."""
    from classifier.features import block_terms
    from classifier.tokenize import Tokenizer

    tok = Tokenizer()
    scare = block_terms(tok.tokenize("両国が「足並み」をそろえる。"))
    said = block_terms(tok.tokenize("外相は「交渉の扉は開かれている」と述べた。"))
    assert "q:short|を" in scare and not any(t.startswith("q:long") for t in scare)
    assert "q:long|と" in said and not any(t.startswith("q:short") for t in said)
    assert not any(t.startswith("q:") for t in block_terms(tok.tokenize("引用のない文だ。")))
