"""Long files in parts: the same labels, sections and tags as the whole file, positions into the whole file."""
from __future__ import annotations

import json

import pytest

from classifier import parse
from classifier.reading import InputError, ReadOptions
from classifier.stream import dumps_in_parts, iter_lines, iter_parts

from .conftest import CORPUS, read


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """Twelve posts of the sample corpus in one file, CRLF line breaks."""
    texts = [read(p) for p in sorted(CORPUS.glob("*.txt"))[:12]]
    path = tmp_path_factory.mktemp("archive") / "archive.txt"
    path.write_bytes("".join(t if t.endswith("\n") else t + "\n" for t in texts).replace("\n", "\r\n").encode())
    return path


def _whole(path):
    return parse(path.read_bytes().decode("utf-8"), str(path)).to_dict()


def _streamed(path, part_chars):
    return [d.to_dict() for d in dumps_in_parts(str(path), ReadOptions(), lambda t, p, f, g: parse(t, p, None, f, g),
                                                part_chars=part_chars)]


def test_parts_tile_the_file(archive):
    text = archive.read_bytes().decode("utf-8")
    parts = list(iter_parts(str(archive), part_chars=3000))
    assert len(parts) > 5
    assert "".join(p.text for p in parts) == text
    assert [p.final for p in parts] == [False] * (len(parts) - 1) + [True]
    for a, b in zip(parts, parts[1:]):
        assert b.char_base == a.char_base + len(a.text)
        assert b.line_base == a.line_base + len(a.text.splitlines())


def test_streamed_parse_equals_the_whole_file(archive):
    whole = _whole(archive)
    parts = _streamed(archive, part_chars=3000)
    assert len(parts) > 5
    assert [b for p in parts for b in p["blocks"]] == whole["blocks"]
    assert [s for p in parts for s in p["sections"]] == whole["sections"]
    assert all(p["post"]["existing"] == [] for p in parts[:-1])
    assert parts[-1]["post"] == whole["post"]
    text = archive.read_bytes().decode("utf-8")
    for b in parts[3]["blocks"]:
        assert text[b["start"] : b["end"]].splitlines()[0] == text.splitlines()[b["start_line"] - 1]


def test_streamed_tag_matches_the_whole_file(archive, predictor):
    whole = predictor.tag(archive.read_bytes().decode("utf-8"), str(archive)).to_dict()
    parts = [d.to_dict() for d in dumps_in_parts(str(archive), ReadOptions(),
                                                 lambda t, p, f, g: predictor.tag(t, p, 5, f, g), part_chars=3000)]
    blocks = [b for p in parts for b in p["blocks"]]
    assert [(b["start_line"], b["label"]) for b in blocks] == [(b["start_line"], b["label"]) for b in whole["blocks"]]
    assert [s["existing"] for p in parts for s in p["sections"]] == [s["existing"] for s in whole["sections"]]
    json.dumps(parts)


def test_lines_across_read_boundaries(tmp_path, monkeypatch):
    import classifier.stream as stream

    monkeypatch.setattr(stream, "READ_BYTES", 7)  # CRLF and multibyte characters split between reads
    monkeypatch.setattr(stream, "SNIFF_BYTES", 5)
    text = "一行目\r\n二行目\r三行目\n\r\n最後"
    f = tmp_path / "a.txt"
    f.write_bytes(text.encode("utf-8"))
    assert "".join(iter_lines(str(f))) == text
    assert list(iter_lines(str(f))) == ["一行目\r\n", "二行目\r", "三行目\n", "\r\n", "最後"]


def test_stream_errors_name_the_byte_offset(tmp_path, monkeypatch):
    import classifier.stream as stream

    monkeypatch.setattr(stream, "READ_BYTES", 64)
    monkeypatch.setattr(stream, "SNIFF_BYTES", 64)  # the bad byte comes after the bytes the encoding is told by
    f = tmp_path / "bad.txt"
    good = ("本文です。\n" * 40).encode("utf-8")
    f.write_bytes(good + b"\xff" + good)
    with pytest.raises(InputError, match=rf"bad.txt: not valid UTF-8 at byte offset {len(good)} "):
        list(iter_lines(str(f)))
    assert "\ufffd" in "".join(iter_lines(str(f), ReadOptions(errors="replace")))


def test_cli_streams_files_above_the_threshold(archive, monkeypatch, capsys):
    import classifier.stream as stream
    from classifier.cli import main

    monkeypatch.setattr(stream, "STREAM_BYTES", 10_000)
    monkeypatch.setattr(stream, "PART_CHARS", 3000)
    assert main(["parse", str(archive), "--format", "jsonl"]) == 0
    parts = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert len(parts) > 5 and all(p["path"] == str(archive) for p in parts)
    assert [b for p in parts for b in p["blocks"]] == _whole(archive)["blocks"]


def test_a_long_file_is_written_part_by_part_and_a_late_error_keeps_what_came_before(tmp_path, monkeypatch, capsys):
    import classifier.stream as stream
    from classifier.batch import TagJob, run
    from classifier.cli import main
    from classifier.reading import Input

    monkeypatch.setattr(stream, "STREAM_BYTES", 1000)
    monkeypatch.setattr(stream, "PART_CHARS", 2000)
    monkeypatch.setattr(stream, "READ_BYTES", 4096)
    monkeypatch.setattr(stream, "SNIFF_BYTES", 4096)
    good = "".join(read(p) for p in sorted(CORPUS.glob("*.txt"))[:6]).encode("utf-8")
    f = tmp_path / "late_error.txt"
    f.write_bytes(good + b"\xff\n")
    results = list(run(TagJob(None, (), "jsonl", 0, parse_only=True), [Input(str(f))]))
    outputs = iter(results[0].outputs)
    assert isinstance(next(outputs), str)  # lazy: parts are rendered as they are consumed
    assert main(["parse", str(f), "--format", "jsonl"]) == 2
    cap = capsys.readouterr()
    assert len(cap.out.splitlines()) > 3  # the parts before the bad byte are written
    assert f"byte offset {len(good)}" in cap.err


# --- bounded memory for any input -----------------------------------------------------------------------------------
BODY = "政府は{n}日、会合を開いたと発表した。外相は「支援を続ける」と述べた。\n"


def _cost(text):
    from classifier.stream import LINE_COST

    return sum(len(line) + LINE_COST for line in text.splitlines(keepends=True))


def _check_parts(parts, text):
    assert "".join(p.text for p in parts) == text
    assert [p.final for p in parts] == [False] * (len(parts) - 1) + [True]
    for a, b in zip(parts, parts[1:]):
        assert b.char_base == a.char_base + len(a.text)
        ended = a.text.endswith(("\n", "\r"))  # a part may end inside a long line: the next goes on with it
        assert b.line_base == a.line_base + len(a.text.splitlines()) - (not ended)


def test_a_file_without_tag_lines_or_blank_lines_is_cut_at_line_boundaries(tmp_path):
    text = "".join(BODY.format(n=i % 28 + 1) for i in range(1500))
    f = tmp_path / "untagged.txt"
    f.write_text(text, encoding="utf-8")
    parts = list(iter_parts(str(f), part_chars=2000, max_part_chars=4000))
    assert len(parts) > 10
    _check_parts(parts, text)
    assert all(_cost(p.text) <= 4000 for p in parts)
    blocks = [b for d in _streamed(f, part_chars=2000) for b in d["blocks"]]
    lines = text.splitlines()
    assert [b["start_line"] for b in blocks] == list(range(1, len(lines) + 1))
    assert all(text[b["start"] : b["end"]] == lines[b["start_line"] - 1] for b in blocks)


def test_a_file_of_tiny_lines_is_cut_by_what_its_lines_cost(tmp_path):
    text = "あ\n" * 5000 + "#A\n" + "x\n\n" * 3000
    f = tmp_path / "tiny.txt"
    f.write_text(text, encoding="utf-8")
    parts = list(iter_parts(str(f), part_chars=3000, max_part_chars=6000))
    _check_parts(parts, text)
    assert len(parts) > 20 and all(_cost(p.text) <= 6000 for p in parts)


def test_one_enormous_line_is_cut_into_pieces_that_point_into_the_file(tmp_path, monkeypatch, capsys, trained_model):
    import classifier.stream as stream
    from classifier.cli import main

    monkeypatch.setattr(stream, "MAX_LINE_CHARS", 1000)
    long_line = "ロシアは声明を発表した。" * 460  # 5,520 characters: five pieces of 1,000 and the rest
    text = "政府は1日、会合を開いたと発表した。\r\n" + long_line + "\r\n#NATOexpansion\r\n"
    f = tmp_path / "one_line.txt"
    f.write_bytes(text.encode("utf-8"))
    assert stream.too_costly(f.read_bytes())  # a small file, but not to be read whole
    _check_parts(list(iter_parts(str(f))), text)
    for verb in (["parse"], ["tag", "--model", str(trained_model)]):
        assert main([*verb, str(f), "--format", "jsonl"]) == 0
        dumps = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
        assert len(dumps) == 7  # the first line; five pieces of 1,000, each a part; the rest of the line and the tags
        pieces = [b for d in dumps for b in d["blocks"] if b["start_line"] == 2]
        assert len(pieces) == 6 and all(b["end_line"] == 2 for b in pieces)
        assert "".join(text[b["start"] : b["end"]] for b in pieces) == long_line
        assert dumps[-1]["post"]["existing"] == [{"name": "NATOexpansion", "note": ""}]
        assert all(d["post"]["existing"] == [] for d in dumps[:-1])


def test_small_files_of_many_lines_are_streamed_too(archive, monkeypatch, capsys):
    import classifier.stream as stream
    from classifier.cli import main

    monkeypatch.setattr(stream, "STREAM_LINES", 100)  # the archive is far below STREAM_BYTES
    monkeypatch.setattr(stream, "PART_CHARS", 3000)
    assert main(["parse", str(archive), "--format", "jsonl"]) == 0
    parts = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert len(parts) > 5
    assert [b for p in parts for b in p["blocks"]] == _whole(archive)["blocks"]


def test_standard_input_is_streamed(archive, monkeypatch, capsys):
    import io

    import classifier.stream as stream
    from classifier.cli import main

    monkeypatch.setattr(stream, "PART_CHARS", 3000)
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(archive.read_bytes())))
    assert main(["parse", "-", "--format", "jsonl"]) == 0
    parts = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert len(parts) > 5 and all(p["path"] == "-" for p in parts)
    assert [b for p in parts for b in p["blocks"]] == _whole(archive)["blocks"]


def test_a_costly_file_found_by_a_worker_is_streamed_by_the_parent(tmp_path):
    from classifier.batch import TagJob, run
    from classifier.reading import Input
    from classifier.stream import STREAM_LINES

    small, costly = tmp_path / "small.txt", tmp_path / "costly.txt"
    small.write_text(BODY.format(n=1), encoding="utf-8")
    costly.write_text("".join(BODY.format(n=i % 28 + 1) for i in range(STREAM_LINES + 10)), encoding="utf-8")
    results = list(run(TagJob(None, (), "jsonl", 0, parse_only=True), [Input(str(small)), Input(str(costly))], jobs=2))
    outputs = [json.loads(x) for x in results[1].outputs]
    assert len(json.loads(results[0].outputs[0])["blocks"]) == 1
    assert len(outputs) > 1 and sum(len(d["blocks"]) for d in outputs) == STREAM_LINES + 10


def test_commentary_scores_in_batches_equal_one_pass(archive, predictor, monkeypatch):
    import classifier.predictor as predictor_module

    text = archive.read_bytes().decode("utf-8")
    one_pass = predictor.tag(text).to_dict()
    monkeypatch.setattr(predictor_module, "SCORE_BATCH_WORDS", 50)
    assert predictor.tag(text).to_dict() == one_pass
