"""Hardening of the input side: encodings, odd characters, bad files, exit codes (issue 4, items 1 and 2)."""
from __future__ import annotations

import codecs
import json
import os
import subprocess
import sys

import pytest

from classifier import parse
from classifier.patterns import EMOJI_CLUSTER_RE
from classifier.reading import InputError, ReadOptions, decode, detect_encoding, looks_binary, read_text

from .conftest import FIXTURES, ROOT, read
from .test_parse import assert_tiles

TEXT = read(FIXTURES / "traps.txt")
# What a Shift_JIS or EUC-JP dump can hold: no emoji, and the horizontal bar for the attribution dash.
JIS_TEXT = EMOJI_CLUSTER_RE.sub("", TEXT).replace("\u2014", "\u2015")


def run(*args, stdin=None, timeout=None):
    return subprocess.run([sys.executable, "-m", "classifier", *args], capture_output=True, cwd=ROOT, input=stdin,
                          timeout=timeout)


@pytest.mark.parametrize(
    "data, encoding",
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("utf-16"), "utf-16"),  # with its BOM
        (JIS_TEXT.encode("cp932"), "cp932"),
        (JIS_TEXT.encode("euc_jp"), "euc_jp"),
    ],
)
def test_encodings_are_detected(data, encoding):
    assert detect_encoding(data) == encoding
    assert decode(data, "x") in (TEXT, JIS_TEXT)


def test_a_shift_jis_dump_parses_like_its_utf8_original():
    a, b = parse(JIS_TEXT), parse(decode(JIS_TEXT.encode("cp932"), "x"))
    assert a.to_dict() == b.to_dict()
    assert [t.name for t in b.post.existing] == ["NATOexpansion", "反ロシア", "対中露戦"]


def test_short_shift_jis_and_euc_jp_are_told_apart():
    for line in ("北朝鮮の兵士が到着した。", "ロシア", "外相は「支援を続ける」と述べた。"):
        assert decode(line.encode("cp932"), "x") == line
        assert decode(line.encode("euc_jp"), "x") == line


def test_encoding_can_be_forced_and_undecodable_bytes_name_the_offset():
    data = JIS_TEXT.encode("euc_jp")
    assert decode(data, "x", ReadOptions("euc_jp")) == JIS_TEXT
    first_jis_byte = next(i for i, b in enumerate(data) if b >= 0x80)
    with pytest.raises(InputError, match=rf"x: not valid UTF-8 at byte offset {first_jis_byte} "):
        decode(data, "x", ReadOptions("utf-8"))
    broken = TEXT.encode("utf-8")[:100] + b"\xff\xfe\xfd" + TEXT.encode("utf-8")[100:]
    with pytest.raises(InputError, match=r"byte 0xff at byte offset 100"):
        decode(broken, "x")
    replaced = decode(broken, "x", ReadOptions(errors="replace"))
    assert "\ufffd" in replaced and replaced.endswith(TEXT[-20:])


def test_cli_encoding_options(tmp_path):
    f = tmp_path / "sjis.txt"
    f.write_bytes(JIS_TEXT.encode("cp932"))
    out = run("parse", str(f), "--format", "jsonl")
    assert out.returncode == 0 and b'"NATOexpansion"' in out.stdout
    forced = run("parse", str(f), "--encoding", "utf-8")
    assert forced.returncode == 2 and b"not valid UTF-8 at byte offset" in forced.stderr
    bad = run("parse", str(f), "--encoding", "klingon")
    assert bad.returncode == 2 and b"unknown encoding 'klingon'" in bad.stderr
    broken = tmp_path / "broken.txt"
    broken.write_bytes(b"\xff" + TEXT.encode("utf-8"))
    assert run("parse", str(broken)).returncode == 2
    assert run("parse", str(broken), "--errors", "replace").returncode == 0


def test_line_breaks_nul_zero_width_and_nbsp():
    text = "\u200b#NATOexpansion\r\n\u00a0\r\nこれは本文\x00です。\r\u200b\u200b\n— NHKニュース\u00a0(@nhk_news) May 1, 2025\n#反ロシア"
    d = parse(text)
    assert_tiles(d)
    lines = {ln.number: ln for ln in d.lines}
    assert lines[2].blank and lines[4].blank  # NBSP alone, zero-width spaces alone
    kinds = {b.start_line: b.kind for b in d.blocks}
    assert kinds[1] == "tag"  # a zero-width space before "#" does not hide a tag
    assert kinds[3] == "post_text" and kinds[5] == "attribution"  # NBSP inside an attribution
    assert [t.name for t in d.post.existing] == ["反ロシア"]


def test_full_width_hash_starts_a_tag():
    d = parse("政府は1日、会合を開いたと発表した。\n＃全角タグ（メモ）\n本文の続き。\n")
    assert d.sections[0].existing[0].name == "全角タグ" and d.sections[0].existing[0].note == "メモ"


def test_a_line_of_a_megabyte(predictor):
    long_line = "ロシアは声明を発表した。" * 90_000  # about 1 M characters, 3 MB
    text = "見出し https://t.co/AAAAAAAAAA\n— NHKニュース (@nhk_news) May 1, 2025\n" + long_line + "\n#NATOexpansion\n"
    d = predictor.tag(text)
    assert_tiles(d)
    assert d.blocks[2].end - d.blocks[2].start == len(long_line)
    assert d.blocks[2].label == "wire"


def test_pathological_nesting_does_not_hang():
    import time

    t0 = time.perf_counter()
    d = parse("「" * 20_000 + "」" * 20_000 + "\n" + "(" * 5000 + "\n#A" + "(" * 5000 + "\n")
    assert_tiles(d)
    assert time.perf_counter() - t0 < 5


def test_binary_files_are_refused_but_a_stray_nul_is_text():
    assert looks_binary(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    assert looks_binary(b"\x80\x04\x95" + b"\x00" * 50)  # a pickle
    assert not looks_binary(TEXT.encode("utf-8")[:500] + b"\x00" + TEXT.encode("utf-8")[500:])
    assert not looks_binary(TEXT.encode("utf-16"))


def test_empty_and_blank_files_are_input_errors(tmp_path):
    for name, data in (("empty.txt", b""), ("blank.txt", b"\n \n\t\n")):
        (tmp_path / name).write_bytes(data)
        with pytest.raises(InputError, match=f"{name}: empty file"):
            read_text(str(tmp_path / name))


def test_bad_paths_exit_2_with_a_message_and_the_batch_goes_on(tmp_path):
    loop = tmp_path / "loop.txt"
    os.symlink(loop, loop)
    (tmp_path / "sub").mkdir()
    os.symlink(tmp_path / "sub", tmp_path / "sub" / "back")  # a directory loop inside a corpus
    (tmp_path / "sub" / "a.txt").write_text(TEXT, encoding="utf-8")
    empty_dir = tmp_path / "nothing"
    empty_dir.mkdir()
    out = run("parse", str(loop), str(tmp_path / "sub"), str(empty_dir), str(tmp_path / "missing"),
              "--format", "jsonl")
    err = out.stderr.decode()
    assert out.returncode == 2
    dumps = [r for r in map(json.loads, out.stdout.splitlines()) if "blocks" in r]
    assert len(dumps) == 1  # a.txt, once: the loop back up the tree is not followed
    assert "loop.txt: too many levels of symbolic links" in err
    assert "nothing: directory has no .txt files" in err
    assert "missing: no such file or directory" in err
    assert "Traceback" not in err


def test_unreadable_file_is_reported_in_process(tmp_path, monkeypatch, capsys):
    from classifier.cli import main

    target = tmp_path / "secret.txt"
    target.write_text(TEXT, encoding="utf-8")
    real = os.open

    def denied(path, *args, **kwargs):
        if os.fspath(path).endswith("secret.txt"):
            raise PermissionError(13, "Permission denied")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", denied)
    assert main(["parse", str(target), str(FIXTURES / "traps.txt"), "--format", "jsonl"]) == 2
    cap = capsys.readouterr()
    assert "secret.txt: cannot read: Permission denied" in cap.err
    records = [json.loads(x) for x in cap.out.splitlines()]
    assert ["blocks" in r for r in records] == [False, True]


def test_internal_errors_exit_1_without_traceback_unless_debug(monkeypatch, capsys):
    from classifier import cli

    def boom(*a, **k):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr("classifier.parser.segment", boom)
    assert cli.main(["parse", str(FIXTURES / "traps.txt")]) == 1
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: simulated bug" in err and "Traceback" not in err
    assert cli.main(["parse", str(FIXTURES / "traps.txt"), "--debug"]) == 1
    assert "Traceback" in capsys.readouterr().err


# --- non-regular files and symbolic links ---------------------------------------------------------------------------
def test_devices_and_fifos_named_directly_are_refused_and_the_batch_goes_on(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)  # nobody ever writes to it: opening it for reading in blocking mode would hang
    out = run("parse", "/dev/zero", "/dev/urandom", str(fifo), str(FIXTURES / "traps.txt"), "--format", "jsonl",
              timeout=60)
    err = out.stderr.decode()
    assert out.returncode == 2 and "Traceback" not in err
    records = [json.loads(x) for x in out.stdout.splitlines()]
    assert [r["path"] for r in records if "blocks" in r] == [str(FIXTURES / "traps.txt")]
    assert [r["path"] for r in records if "error" in r] == ["/dev/zero", "/dev/urandom", str(fifo)]
    assert "/dev/zero: a character device, not a regular file" in err
    assert "/dev/urandom: a character device, not a regular file" in err
    assert "pipe.txt: a named pipe (FIFO), not a regular file" in err


def test_reading_a_fifo_through_the_api_neither_blocks_nor_reads(tmp_path):
    import signal

    def hung(*_):
        raise TimeoutError("opening a named pipe blocked")

    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(20)  # a blocking open would hang the suite: interrupt it
    try:
        with pytest.raises(InputError, match="pipe.txt: a named pipe"):
            read_text(str(fifo))  # opened non-blocking, refused by fstat
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_a_fifo_under_a_directory_is_skipped_and_reported(tmp_path):
    (tmp_path / "a.txt").write_text(TEXT, encoding="utf-8")
    os.mkfifo(tmp_path / "b.txt")
    out = run("parse", str(tmp_path), "--format", "jsonl", timeout=60)
    err = out.stderr.decode()
    assert out.returncode == 0, err  # skipped, not failed: it was not asked for by name
    assert len(out.stdout.splitlines()) == 1
    assert "b.txt: skipped: a named pipe (FIFO), not a regular file" in err


def test_standard_input_may_be_a_pipe_and_is_read_in_bounded_memory():
    out = run("parse", "-", "--format", "jsonl", stdin=TEXT.encode("utf-8"))
    assert out.returncode == 0 and json.loads(out.stdout)["path"] == "-"
    with open("/dev/zero", "rb") as zero:  # endless: refused from its first bytes, never read to the end
        out = subprocess.run([sys.executable, "-m", "classifier", "parse", "-"], stdin=zero, capture_output=True,
                             cwd=ROOT, timeout=60)
    assert out.returncode == 2 and b"<stdin>: looks like a binary file" in out.stderr


def test_links_out_of_a_directory_are_skipped_unless_asked_for(tmp_path):
    corpus, outside = tmp_path / "corpus", tmp_path / "outside"
    (corpus / "sub").mkdir(parents=True)
    outside.mkdir()
    (corpus / "a.txt").write_text(TEXT, encoding="utf-8")
    (outside / "private.txt").write_text(TEXT.replace("NATOexpansion", "PRIVATE"), encoding="utf-8")
    (outside / "more").mkdir()
    (outside / "more" / "c.txt").write_text(TEXT, encoding="utf-8")
    os.symlink(corpus / "a.txt", corpus / "sub" / "alias.txt")  # inside the tree: read
    os.symlink(outside / "private.txt", corpus / "leak.txt")  # out of it: skipped
    os.symlink("/etc/passwd", corpus / "system.txt")  # a system file must not end up in a report
    os.symlink(outside / "more", corpus / "more")  # a directory out of the tree
    os.symlink(corpus, outside / "more" / "back")  # and a way back in, for --follow-links
    out = run("parse", str(corpus), "--format", "jsonl")
    err = out.stderr.decode()
    assert out.returncode == 0, err
    paths = [json.loads(x)["path"] for x in out.stdout.splitlines()]
    assert paths == [str(corpus / "a.txt"), str(corpus / "sub" / "alias.txt")]
    assert f"{corpus / 'leak.txt'}: skipped: a link to a file outside {corpus}" in err
    assert f"{corpus / 'system.txt'}: skipped" in err and f"{corpus / 'more'}: skipped" in err
    assert "--follow-links" in err and b"PRIVATE" not in out.stdout

    out = run("parse", str(corpus), "--format", "jsonl", "--follow-links")
    assert out.returncode == 0, out.stderr.decode()
    paths = [json.loads(x)["path"] for x in out.stdout.splitlines()]
    assert paths == [str(corpus / p) for p in ("a.txt", "leak.txt", "more/c.txt", "sub/alias.txt", "system.txt")]
    assert b"PRIVATE" in out.stdout and "skipped" not in out.stderr.decode()


# --- encodings ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "data, encoding",
    [
        (TEXT.encode("utf-32"), "utf-32"),  # with its BOM, which starts with the UTF-16-LE BOM
        (codecs.BOM_UTF32_LE + TEXT.encode("utf-32-le"), "utf-32"),
        (codecs.BOM_UTF32_BE + TEXT.encode("utf-32-be"), "utf-32"),
        (JIS_TEXT.encode("iso2022_jp"), "iso2022_jp"),  # 7-bit: it would pass as UTF-8
        ("ｶﾀｶﾅの見出し\n本文です。".encode("iso2022_jp_ext"), "iso2022_jp_ext"),  # half-width katakana
        ("①北朝鮮\n②ロシア".encode("iso2022_jp_2004"), "iso2022_jp_2004"),  # NEC's circled numbers
    ],
)
def test_utf32_and_iso2022jp_are_detected(data, encoding):
    assert detect_encoding(data) == encoding
    text = decode(data, "x")
    assert text in (TEXT, JIS_TEXT) or text.startswith(("ｶﾀｶﾅ", "①"))
    assert "\x1b" not in text and "\x00" not in text


def test_an_iso2022jp_dump_parses_like_its_original(tmp_path):
    f = tmp_path / "jis.txt"
    f.write_bytes(JIS_TEXT.encode("iso2022_jp"))
    out = run("parse", str(f), "--format", "jsonl")
    assert out.returncode == 0
    assert json.loads(out.stdout)["post"] == parse(JIS_TEXT).to_dict()["post"]


def test_broken_iso2022jp_is_refused_with_a_clear_message():
    data = "北朝鮮の兵士".encode("iso2022_jp")
    broken = data[:5] + b"\x7f" + data[5:]
    with pytest.raises(InputError, match=r"x: has ISO-2022-JP escape sequences but is not valid ISO-2022-JP "
                                         r"\(byte 0x7f at byte offset 5\)"):
        decode(broken, "x")
    assert "\ufffd" in decode(broken, "x", ReadOptions(errors="replace"))


def test_a_streamed_file_is_decoded_like_a_small_one(tmp_path, monkeypatch):
    """The same detection on both paths: a Shift_JIS file with one stray byte under --errors replace gives one
    U+FFFD whether it is read whole or as a stream (it used to fall back to UTF-8 once streamed)."""
    import classifier.stream as stream
    from classifier.cli import main

    data = (JIS_TEXT * 40).encode("cp932")  # about 40 KB: the stray byte is inside the bytes detection reads
    cut = data.index(b"\n")
    data = data[:cut] + b"\x85" + data[cut:]  # a lead byte without its trail byte
    f = tmp_path / "sjis.txt"
    f.write_bytes(data)
    options = ReadOptions(errors="replace")
    whole = decode(data, "x", options)
    assert whole.count("\ufffd") == 1 and whole.endswith(JIS_TEXT[-50:])
    monkeypatch.setattr(stream, "READ_BYTES", 1000)
    assert "".join(stream.iter_lines(str(f), options)) == whole
    monkeypatch.setattr(stream, "STREAM_BYTES", 1000)
    monkeypatch.setattr(stream, "PART_CHARS", 2000)
    assert main(["parse", str(f), "--errors", "replace", "--format", "jsonl"]) == 0
    for enc, name in (("iso2022_jp", "jis.txt"), ("utf-32", "u32.txt")):
        (tmp_path / name).write_bytes((JIS_TEXT * 40).encode(enc))
        assert "".join(stream.iter_lines(str(tmp_path / name))) == JIS_TEXT * 40


# --- file names that are not UTF-8 or hold a newline ----------------------------------------------------------------
def _odd_names(tmp_path):
    d = tmp_path / "odd names"
    d.mkdir()
    with open(os.path.join(os.fsencode(d), b"caf\xe9-\xff.txt"), "wb") as f:  # Latin-1 bytes in a name
        f.write(TEXT.encode("utf-8"))
    (d / "two\nlines.txt").write_text(TEXT, encoding="utf-8")
    (d / "plain.txt").write_text(TEXT, encoding="utf-8")
    return d


@pytest.mark.parametrize("verb", ["parse", "tag"])
def test_file_names_that_are_not_utf8_or_hold_a_newline(tmp_path, capsys, trained_model, verb):
    from classifier.cli import main

    d = _odd_names(tmp_path)
    model = ["--model", str(trained_model)] if verb == "tag" else []
    bad, newline = f"{d}/caf\\xe9-\\xff.txt", f"{d}/two\nlines.txt"
    for fmt in ("jsonl", "json", "html", "text"):
        assert main([verb, str(d), *model, "--format", fmt]) == 0
        out = capsys.readouterr().out
        out.encode("utf-8")  # strict: no lone surrogate reached the output
        if fmt == "jsonl":
            lines = out.splitlines()
            assert len(lines) == 3  # one a dump: the newline of a name is escaped
            assert [json.loads(x)["path"] for x in lines] == [bad, f"{d}/plain.txt", newline]
        elif fmt == "json":
            assert [x["path"] for x in json.loads(out)] == [bad, f"{d}/plain.txt", newline]
        elif fmt == "html":
            assert "caf\\xe9-\\xff.txt" in out and "two\\x0alines.txt" in out
        else:
            headers = [ln for ln in out.splitlines() if ln.startswith("== ")]
            assert len(headers) == 3 and not any(ln.startswith("lines.txt") for ln in out.splitlines())
            assert f"== {bad}:" in out and f"== {d}/two\\x0alines.txt:" in out


def test_messages_show_odd_names_on_one_line(tmp_path, capsys):
    from classifier.cli import main

    d = _odd_names(tmp_path)
    os.mkfifo(os.path.join(os.fsencode(d), b"fifo\xff\n.txt"))
    with open(os.path.join(os.fsencode(d), b"bin\xfe.txt"), "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + bytes(100))
    assert main(["parse", str(d), os.fsdecode(b"/nope/\xff\n.txt"), "--format", "jsonl"]) == 2
    cap = capsys.readouterr()
    cap.err.encode("utf-8")
    records = [json.loads(x) for x in cap.out.splitlines()]
    assert sum("blocks" in r for r in records) == 3 and sum("error" in r for r in records) == 2
    assert "/nope/\\xff\\x0a.txt: no such file or directory" in cap.err
    assert "bin\\xfe.txt: looks like a binary file" in cap.err
    assert "fifo\\xff\\x0a.txt: skipped: a named pipe (FIFO), not a regular file" in cap.err


# --- control characters and bidirectional marks in the text view and the HTML page ----------------------------------
HOSTILE = (
    "政府は1日、会合を開いたと発表した。\x1b]52;c;ZWNobyBwd25lZA==\x07\x1b[2K\x1b[1A\n"  # OSC 52, erase, cursor up
    "\u202e。たし表発と\u202c本文\u2066隔離\u2069\u200f\u061c\x85\x7f\x00\x08\x0b\x0c NUL 後\n"
    "#タグ\x1b[8m隠す(注\u202e記)\n"
)
_HIDDEN = [chr(c) for c in [*range(0, 9), *range(10, 32), *range(0x7F, 0xA0)]] + list(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


def test_the_text_view_shows_controls_and_bidi_marks_instead_of_obeying_them(predictor):
    from classifier.render import render

    for dump in (parse(HOSTILE, "evil\x1b[2J\u202e.txt"), predictor.tag(HOSTILE, "evil\x1b[2J\u202e.txt")):
        out = render(dump, "text")
        assert not [ch for ch in out.replace("\n", "") if ch in _HIDDEN]
        assert "\\x1b]52;c;ZWNobyBwd25lZA==\\x07\\x1b[2K" in out and "<U+202E>。たし表発と<U+202C>" in out
        assert "== evil\\x1b[2J<U+202E>.txt:" in out
        assert "#タグ\\x1b[8m隠す" in out  # the section's tag too
        assert len(out.splitlines()) == len(list(__import__("classifier.render").render.text_view(dump)))


def test_the_html_page_isolates_lines_and_carries_no_raw_controls(predictor):
    from html.parser import HTMLParser

    from classifier.html import dump_html, page_head, page_tail

    page = page_head() + dump_html(predictor.tag(HOSTILE, "evil\u202e.txt")) + page_tail()
    assert not [ch for ch in page if ch in _HIDDEN and ch not in "\n"]
    assert '<span class="ctl">&lt;U+202E&gt;</span>' in page and '<span class="ctl">\\x1b</span>' in page
    assert page.count('<bdi class="x">') == 3  # every line's text is its own bidirectional isolate

    class Balanced(HTMLParser):
        def __init__(self):
            super().__init__()
            self.open = []

        def handle_starttag(self, tag, attrs):
            if tag not in ("meta", "input"):
                self.open.append(tag)

        def handle_endtag(self, tag):
            assert self.open.pop() == tag

    Balanced().feed(page)
