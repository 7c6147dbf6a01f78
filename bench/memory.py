"""Bounded memory: peak RSS of `classifier parse` and `classifier tag` on large files of every shape (a script).

    .venv/bin/python bench/memory.py                    # every case below
    .venv/bin/python bench/memory.py --cases shapes     # only the odd shapes (about 10 minutes)
    .venv/bin/python bench/memory.py --cases scale --mb 500 --files 100000
    .venv/bin/python bench/memory.py --where bench/out/ordinary_12MB.txt   # where the memory goes, by stage

Cases (files are built once in bench/out/ from the sample corpus):
- scale: a directory of 100,000 small dumps (single sections), and one big dump (the posts end to end);
- shapes, each through parse and tag: a 12 MB ordinary dump (below the streaming threshold), 50 MB without a
  tag line or a blank line, a single line of 40 MB, 50 MB of very short lines.
`classifier ... --format jsonl > /dev/null` runs in its own process; peak memory is its max RSS.
"""
from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import _chunks, measure  # noqa: E402

MB = 1_000_000


def _posts() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted((ROOT / "training" / "corpus").glob("*.txt"))]


def _build(path: Path, mb: float, pieces, sep: str = "") -> int:
    """Write ``pieces`` (a list of strings) over and over, joined by ``sep``, until the file holds ``mb`` MB."""
    if path.exists() and path.stat().st_size >= mb * MB:
        return path.stat().st_size
    size = 0
    with open(path, "w", encoding="utf-8", newline="") as f:
        while size < mb * MB:
            for text in pieces:
                f.write(text + sep)
                size += len((text + sep).encode("utf-8"))
    return path.stat().st_size


def big_dump(path: Path, mb: float) -> int:
    """The sample corpus's posts end to end."""
    return _build(path, mb, [t if t.endswith("\n") else t + "\n" for t in _posts()])


def untagged_unbroken(path: Path, mb: float) -> int:
    """The posts' lines without tag lines and blank lines: nowhere a part could end at a tag group or a blank."""
    lines = [ln for t in _posts() for ln in t.splitlines() if ln.strip() and not ln.lstrip().startswith(("#", "＃"))]
    return _build(path, mb, lines, "\n")


def one_line(path: Path, mb: float) -> int:
    """The posts' text lines run together with spaces: one line of ``mb`` MB that reads as a paragraph (links,
    tag lines, attributions and copyright lines left out: the line is body text, tokenized and scored)."""
    from classifier.patterns import COPYRIGHT_RE

    lines = [ln.strip() for t in _posts() for ln in t.splitlines()
             if ln.strip() and not ln.lstrip().startswith(("#", "＃", "http")) and "@" not in ln
             and not COPYRIGHT_RE.search(ln)]
    return _build(path, mb, lines, " ")


def short_lines(path: Path, mb: float) -> int:
    """Lines of one to three characters, some blank, some tag lines."""
    rng = random.Random(0)
    pool = ["あ", "は", "。", "x", "#A", "", "①", "ロシア", "a b", "—"]
    return _build(path, mb, [rng.choice(pool) for _ in range(100_000)], "\n")


def small_dumps(folder: Path, n: int) -> int:
    if folder.exists() and len(list(folder.glob("*.txt"))) >= n:
        return sum(p.stat().st_size for p in folder.glob("*.txt"))
    folder.mkdir(parents=True, exist_ok=True)
    chunks = [c for p in sorted((ROOT / "training" / "corpus").glob("*.txt"))
              for c in _chunks(p.read_text(encoding="utf-8"))[0]]
    rng = random.Random(0)
    size = 0
    for i in range(n):
        text = rng.choice(chunks) + "\n"
        (folder / f"{i:06d}.txt").write_text(text, encoding="utf-8")
        size += len(text.encode("utf-8"))
    return size


SHAPES = (  # (name, file name, size in MB, builder)
    ("a 12 MB ordinary dump", "ordinary_12MB.txt", 12, big_dump),
    ("50 MB, no tag line, no blank line", "untagged_50MB.txt", 50, untagged_unbroken),
    ("one line of 40 MB", "one_line_40MB.txt", 40, one_line),
    ("50 MB of very short lines", "short_lines_50MB.txt", 50, short_lines),
)


def where(path: Path, model: str) -> None:
    """Tag one file read whole, in this process, and print what each stage keeps (tracemalloc, Python objects
    only: Sudachi's dictionary pages, some 100 MB once much text has been tokenized, are not counted)."""
    import tracemalloc

    from classifier.features import commentary_docs
    from classifier.predictor import Predictor
    from classifier.render import render
    from classifier.segment import segment

    predictor = Predictor.load(model)
    predictor._tokenizer()._sudachi()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    rows = []

    def row(stage: str) -> None:
        now, peak = tracemalloc.get_traced_memory()
        rows.append((stage, (now - base) / MB, (peak - base) / MB))
        tracemalloc.reset_peak()

    text = path.read_text(encoding="utf-8")
    row(f"text ({len(text) / 1e6:.1f} M characters)")
    dump = segment(text, str(path))
    row(f"segment: {len(dump.lines)} Line objects, {len(dump.blocks)} Blocks with their text")
    tokens = predictor.tokenize(dump)
    row("tokens")
    docs = commentary_docs(dump, tokens)
    row("commentary feature lists of the whole dump at once (as before batching)")
    del docs
    tracemalloc.reset_peak()
    predictor.score(dump, tokens)
    row("score(): labels and suggestions, feature lists in batches")
    out = render(dump, "jsonl")
    row(f"rendered JSON line ({len(out) / 1e6:.1f} M characters)")
    print("| stage | kept after it | peak during it |\n|---|---|---|")
    for stage, now, peak in rows:
        print(f"| {stage} | {now:.0f} MB | {peak:.0f} MB |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", choices=["all", "scale", "shapes"], default="all")
    ap.add_argument("--mb", type=float, default=500, help="size of the big dump of the scale cases")
    ap.add_argument("--files", type=int, default=100_000, help="number of small dumps of the scale cases")
    ap.add_argument("--model", default=str(ROOT / "models" / "default"))
    ap.add_argument("--out", default=str(ROOT / "bench" / "out"))
    ap.add_argument("--where", metavar="FILE", help="only print where the memory goes when FILE is tagged whole")
    args = ap.parse_args()
    if args.where:
        return where(Path(args.where), args.model)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    model = ["--model", args.model]
    rows = []

    def run(name: str, cmd: list[str]) -> None:
        secs, rss = measure(cmd + ["--format", "jsonl"])
        rows.append((name, secs, rss))
        print(f"{name}: {secs:.0f} s, {rss:.0f} MB", file=sys.stderr)

    if args.cases in ("all", "scale"):
        small_dir = out / f"small_{args.files}"
        size = small_dumps(small_dir, args.files)
        run(f"tag {args.files} small dumps ({size / MB:.0f} MB)", ["tag", str(small_dir), *model])
        big = out / f"big_{args.mb:g}MB.txt"
        size = big_dump(big, args.mb)
        run(f"tag one {size / MB:.0f} MB dump", ["tag", str(big), *model])
    if args.cases in ("all", "shapes"):
        for name, file_name, mb, build in SHAPES:
            path = out / file_name
            build(path, mb)
            run(f"parse {name}", ["parse", str(path)])
            run(f"tag {name}", ["tag", str(path), *model])
    print("| run | time | peak RSS |\n|---|---|---|")
    for name, secs, rss in rows:
        print(f"| {name} | {secs:.0f} s | {rss:.0f} MB |")


if __name__ == "__main__":
    main()
