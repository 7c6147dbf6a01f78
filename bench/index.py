"""What `classifier index` costs over `classifier tag --format jsonl` on the same files (a script, not a test).

    .venv/bin/python bench/index.py                # both sample sets, copied 6 times (about 4 MB), 3 rounds
    .venv/bin/python bench/index.py --copies 2 --rounds 1 --jobs 2
    .venv/bin/python bench/index.py --copies 5 --callgrind   # and instructions counted by valgrind (minutes)

Both commands run as the user runs them (a fresh process each, model loaded from models/default or --model),
alternately, on the same archive; each figure is the best of the rounds (the least disturbed by the machine),
in wall time and in CPU time (user + system of the command and its workers: steadier on a shared machine),
and the median of the rounds' own ratios (each index run against the tag run just before it, so that a load
that comes and goes on the machine weighs on both sides of each ratio alike).
Printed, in one markdown table: `tag --format jsonl -o FILE`, `index` into a new database, their ratios (the
target is at most 1.10), and `index` again on the unchanged archive (every dump skipped: a read and a hash each).
"""
from __future__ import annotations

import argparse
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETS = (ROOT / "training" / "corpus", ROOT / "training" / "corpus2")


def build_archive(out: Path, copies: int) -> tuple[int, int]:
    """``copies`` copies of both sample sets under ``out`` (one directory a copy); returns files and bytes."""
    files = size = 0
    for k in range(copies):
        for s in SETS:
            d = out / f"copy{k:02d}" / s.name
            d.mkdir(parents=True)
            for f in sorted(s.glob("*.txt")):
                shutil.copy(f, d / f.name)
                files += 1
                size += f.stat().st_size
    return files, size


def timed(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system, the command and its worker processes) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    took = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{r.stderr}")
    return took, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def instructions(cmd: list[str], out: Path) -> int:
    """Instructions the command executes, counted by valgrind's callgrind: the same count on a busy machine as on
    an idle one (about 50 times slower than a plain run)."""
    r = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *cmd], capture_output=True,
                       text=True, cwd=ROOT)
    m = re.search(r"I\s+refs:\s+([\d,]+)", r.stderr)
    if r.returncode != 0 or not m:
        sys.exit(f"failed under valgrind: {' '.join(cmd)}\n{r.stderr[-2000:]}")
    return int(m.group(1).replace(",", ""))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--copies", type=int, default=6)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--model", default=None)
    ap.add_argument("--callgrind", action="store_true",
                    help="also count the instructions of one run of each under valgrind (minutes; a steady ratio on a "
                         "shared machine)")
    args = ap.parse_args()
    base = [sys.executable, "-m", "classifier"]
    model = ["--model", args.model] if args.model else []
    with tempfile.TemporaryDirectory(prefix="bench-index-") as tmp:
        work = Path(tmp)
        files, size = build_archive(work / "archive", args.copies)
        common = [str(work / "archive"), *model, "--jobs", str(args.jobs), "--quiet"]
        tag_times, index_times, rerun_times = [], [], []
        for r in range(args.rounds):
            tag_times.append(timed([*base, "tag", *common, "--format", "jsonl", "-o", str(work / f"t{r}.jsonl")]))
            db = work / f"a{r}.sqlite"
            index_times.append(timed([*base, "index", *common, "--db", str(db)]))
            rerun_times.append(timed([*base, "index", *common, "--db", str(db)]))
        (tag, tag_cpu), (index, index_cpu), (rerun, rerun_cpu) = (_best(t) for t in (tag_times, index_times,
                                                                                 rerun_times))
        print(f"archive: {files} dumps, {size / 1e6:.1f} MB (both sample sets x {args.copies}); --jobs {args.jobs}; "
              f"best of {args.rounds}; Python {platform.python_version()}, {platform.machine()}")
        print()
        print("| what | wall s | CPU s | MB/s (wall) |")
        print("|---|---|---|---|")
        print(f"| `tag --format jsonl -o FILE` | {tag:.2f} | {tag_cpu:.2f} | {size / 1e6 / tag:.2f} |")
        print(f"| `index --db NEW` | {index:.2f} | {index_cpu:.2f} | {size / 1e6 / index:.2f} |")
        print(f"| **ratio index / tag** (target <= 1.10) | **{index / tag:.3f}** | **{index_cpu / tag_cpu:.3f}** | |")
        paired = [(iw / tw, ic / tc) for (tw, tc), (iw, ic) in zip(tag_times, index_times)]
        print(f"| ratio, median of the rounds (each index run against the tag run just before it) | "
              f"{statistics.median(w for w, _ in paired):.3f} | {statistics.median(c for _, c in paired):.3f} | |")
        print(f"| `index` again, all {files} dumps unchanged (skipped) | {rerun:.2f} | {rerun_cpu:.2f} | "
              f"{size / 1e6 / rerun:.1f} |")
        if args.callgrind:
            tag_i = instructions([*base, "tag", *common, "--format", "jsonl", "-o", str(work / "cg.jsonl")],
                                 work / "cg.tag")
            index_i = instructions([*base, "index", *common, "--db", str(work / "cg.sqlite")], work / "cg.index")
            print(f"| instructions (callgrind), tag / index | {tag_i / 1e9:.2f} G / {index_i / 1e9:.2f} G | "
                  f"**ratio {index_i / tag_i:.3f}** | |")
        print()
        print("all rounds, wall/CPU s: " + "; ".join(
            f"{name} " + ", ".join(f"{w:.2f}/{c:.2f}" for w, c in times)
            for name, times in (("tag", tag_times), ("index", index_times), ("re-run", rerun_times))))


def _best(times: list[tuple[float, float]]) -> tuple[float, float]:
    """The least wall time and the least CPU time of the rounds (each the least disturbed by the machine)."""
    return min(w for w, _ in times), min(c for _, c in times)


if __name__ == "__main__":
    main()
