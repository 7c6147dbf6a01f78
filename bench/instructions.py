"""Tagging cost against raw Sudachi, in instructions counted by valgrind (a script, not a test).

    .venv/bin/python bench/instructions.py --model models/default [--sample DIR]
        [--against CHECKOUT --against-model DIR]

Timings on a shared machine swing by a factor of two; instruction counts (valgrind --tool=callgrind) do not, so
a ratio between two checkouts can be read to a per cent. For each checkout, three runs of one Python process on
the same dumps: start-up only, start-up and raw Sudachi (split mode C, normalized form and part of speech of every
token of every non-empty line), start-up and `Predictor.tag` on every dump. The differences are what raw Sudachi
and tagging cost; their ratio is tagging's throughput as a share of raw Sudachi's. `--against` measures an older
checkout (a git worktree) with its own model the same way, and the change between the two is printed.

Needs valgrind (`apt-get install valgrind`). About a minute a checkout on 160 KB of dumps. `--clock ROUNDS`
measures CPU time instead (raw and tag in one process, best of three each; the checkouts take turns).
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

RUN = r"""
import sys
from pathlib import Path
from classifier import Predictor
p = Predictor.load(sys.argv[1])
texts = [f.read_text(encoding="utf-8") for f in sorted(Path(sys.argv[2]).glob("*.txt"))]
p.tag("ウォームアップの文です。")
sudachi = p._tokenizer()._sudachi()
if sys.argv[3] == "raw":
    for t in texts:
        for line in t.splitlines():
            if line.strip():
                for m in sudachi.tokenize(line):
                    m.normalized_form(); m.part_of_speech_id()
elif sys.argv[3] == "tag":
    for t in texts:
        p.tag(t)
elif sys.argv[3] == "clock":  # CPU seconds of both, best of three, in this one process
    import time
    def raw():
        for t in texts:
            for line in t.splitlines():
                if line.strip():
                    for m in sudachi.tokenize(line):
                        m.normalized_form(); m.part_of_speech_id()
    def tag():
        for t in texts:
            p.tag(t)
    best = {}
    for _ in range(3):
        for name, run in (("raw", raw), ("tag", tag)):
            t0 = time.process_time()
            run()
            best[name] = min(best.get(name, 1e9), time.process_time() - t0)
    print(best["raw"], best["tag"])
"""


def instructions(checkout: Path, model: str, sample: str, mode: str) -> int:
    env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": str(checkout)}
    out = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, "-c", RUN,
                          model, sample, mode], capture_output=True, text=True, cwd=checkout, env=env, check=True)
    m = re.search(r"Collected : (\d+)", out.stderr)
    if m is None:
        raise SystemExit(f"no instruction count from valgrind:\n{out.stderr[-2000:]}")
    return int(m.group(1))


def measure(checkout: Path, model: str, sample: str, runs: int = 1) -> tuple[float, float]:
    """Mean instructions of raw Sudachi and of tagging over ``runs`` runs. Sudachi's hash maps are seeded at
    random, so one run's count can be off by a few per cent."""
    raws, tags = [], []
    for _ in range(runs):
        start = instructions(checkout, model, sample, "none")
        raws.append(instructions(checkout, model, sample, "raw") - start)
        tags.append(instructions(checkout, model, sample, "tag") - start)
    return sum(raws) / runs, sum(tags) / runs


def cpu_seconds(checkout: Path, model: str, sample: str) -> tuple[float, float]:
    """CPU seconds of raw Sudachi and of tagging, measured in one process (best of three each)."""
    env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": str(checkout)}
    out = subprocess.run([sys.executable, "-c", RUN, model, sample, "clock"], capture_output=True, text=True,
                         cwd=checkout, env=env, check=True)
    raw, tag = out.stdout.split()
    return float(raw), float(tag)


def clock(checkouts: list[tuple[str, Path, str]], sample: str, rounds: int) -> None:
    """Throughput as a share of raw Sudachi, each run its own ratio; the checkouts take turns, so a slow spell
    of a shared machine falls on both."""
    ratios: dict[str, list[float]] = {name: [] for name, _, _ in checkouts}
    for _ in range(rounds):
        for name, path, model in checkouts:
            raw, tag = cpu_seconds(path, model, sample)
            ratios[name].append(raw / tag)
    print("| checkout | tag throughput as a share of raw, each run | mean |\n|---|---|---|")
    for name, rs in ratios.items():
        print(f"| {name} | {' '.join(f'{r:.3f}' for r in rs)} | {sum(rs) / len(rs):.3f} |")
    if len(checkouts) == 2:
        (a, b) = (sum(rs) / len(rs) for rs in ratios.values())
        print(f"throughput against the older checkout: {a / b:.3f} of it")


def default_sample() -> str:
    """The first dumps of bench/run.py's 1 MB corpus, or of the sample corpus."""
    built = ROOT / "bench" / "out" / "corpus_1MB"
    return str(built if built.is_dir() else ROOT / "training" / "corpus")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=str(ROOT / "models" / "default"))
    ap.add_argument("--sample", default=None, help="a directory of dumps (default: bench/out/corpus_1MB)")
    ap.add_argument("--files", type=int, default=12, help="how many dumps of it (default 12)")
    ap.add_argument("--against", default=None, help="an older checkout (git worktree) to compare with")
    ap.add_argument("--against-model", default=None, help="a model that checkout can load")
    ap.add_argument("--runs", type=int, default=1, help="valgrind runs of each checkout, averaged (default 1)")
    ap.add_argument("--clock", type=int, metavar="ROUNDS", default=0,
                    help="CPU time instead of valgrind: ROUNDS turns of each checkout (no valgrind needed)")
    args = ap.parse_args()
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        for f in sorted(Path(args.sample or default_sample()).glob("*.txt"))[: args.files]:
            shutil.copy(f, tmp)
        size = sum(f.stat().st_size for f in Path(tmp).glob("*.txt"))
        if args.clock:
            print(f"{args.files} dumps, {size / 1000:.0f} KB; CPU time (time.process_time)")
            checkouts = [("this checkout", ROOT, args.model)]
            if args.against:
                checkouts.append((f"against {args.against}", Path(args.against), args.against_model))
            clock(checkouts, tmp, args.clock)
            return
        rows = [("this checkout", *measure(ROOT, args.model, tmp, args.runs))]
        if args.against:
            rows.append((f"against {args.against}", *measure(Path(args.against), args.against_model, tmp, args.runs)))
    print(f"{args.files} dumps, {size / 1000:.0f} KB; instructions in millions, mean of {args.runs} run(s)")
    print("| checkout | raw Sudachi | tag | tag throughput as a share of raw |\n|---|---|---|---|")
    for name, raw, tag in rows:
        print(f"| {name} | {raw / 1e6:.0f} | {tag / 1e6:.0f} | {raw / tag:.3f} |")
    if len(rows) == 2:
        (_, _, new), (_, _, old) = rows
        print(f"tagging costs {new / old - 1:+.1%} against the older checkout (the same dumps, the same Sudachi)")
        (_, raw_new, _), (_, raw_old, _) = rows
        print(f"throughput as a share of raw Sudachi: {(raw_new / new) / (raw_old / old):.3f} of the older checkout's")


if __name__ == "__main__":
    main()
