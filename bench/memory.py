"""Bounded memory: tag a 500 MB dump and a directory of 100,000 small dumps, and print peak RSS (a script).

    .venv/bin/python bench/memory.py [--mb 500] [--files 100000] [--model DIR]

The big dump is the sample corpus's posts repeated end to end in one file; the small dumps are single sections
of them. `classifier tag ... --format jsonl > /dev/null` runs in its own process; peak memory is its max RSS.
"""
from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import _chunks, measure  # noqa: E402


def big_dump(path: Path, mb: float) -> int:
    if path.exists() and path.stat().st_size >= mb * 1e6:
        return path.stat().st_size
    posts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "training" / "corpus").glob("*.txt"))]
    size = 0
    with open(path, "w", encoding="utf-8") as f:
        while size < mb * 1e6:
            for text in posts:
                f.write(text if text.endswith("\n") else text + "\n")
                size += len(text.encode("utf-8")) + 1
    return path.stat().st_size


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=500)
    ap.add_argument("--files", type=int, default=100_000)
    ap.add_argument("--model", default=str(ROOT / "models" / "default"))
    ap.add_argument("--out", default=str(ROOT / "bench" / "out"))
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    small_dir = out / f"small_{args.files}"
    size = small_dumps(small_dir, args.files)
    secs, rss = measure(["tag", str(small_dir), "--model", args.model, "--format", "jsonl"])
    rows.append((f"tag {args.files} small dumps ({size / 1e6:.0f} MB)", secs, rss))
    big = out / f"big_{args.mb:g}MB.txt"
    size = big_dump(big, args.mb)
    secs, rss = measure(["tag", str(big), "--model", args.model, "--format", "jsonl"])
    rows.append((f"tag one {size / 1e6:.0f} MB dump", secs, rss))
    print("| run | time | peak RSS |\n|---|---|---|")
    for name, secs, rss in rows:
        print(f"| {name} | {secs:.0f} s | {rss:.0f} MB |")


if __name__ == "__main__":
    main()
