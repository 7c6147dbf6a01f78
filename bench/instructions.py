"""Tagging cost against raw Sudachi, in instructions counted by valgrind (a script, not a test).

    .venv/bin/python bench/instructions.py --model models/default [--sample DIR]
        [--against CHECKOUT --against-model DIR]

Timings on a shared machine swing by a factor of two; instruction counts (valgrind --tool=callgrind) do not, so
a ratio between two checkouts can be read to a per cent. For each checkout, three runs of one Python process on
the same dumps: start-up only, start-up and raw Sudachi (split mode C, normalized form and part of speech of every
token of every non-empty line), start-up and `Predictor.tag` on every dump. The differences are what raw Sudachi
and tagging cost; their ratio is tagging's throughput as a share of raw Sudachi's. `--against` measures an older
checkout (a git worktree) with its own model the same way, and the change between the two is printed.

Needs valgrind (`apt-get install valgrind`). About a minute a checkout on 160 KB of dumps.
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
"""


def instructions(checkout: Path, model: str, sample: str, mode: str) -> int:
    env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": str(checkout)}
    out = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, "-c", RUN,
                          model, sample, mode], capture_output=True, text=True, cwd=checkout, env=env, check=True)
    m = re.search(r"Collected : (\d+)", out.stderr)
    if m is None:
        raise SystemExit(f"no instruction count from valgrind:\n{out.stderr[-2000:]}")
    return int(m.group(1))


def measure(checkout: Path, model: str, sample: str) -> tuple[int, int]:
    start = instructions(checkout, model, sample, "none")
    raw = instructions(checkout, model, sample, "raw") - start
    tag = instructions(checkout, model, sample, "tag") - start
    return raw, tag


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
    args = ap.parse_args()
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        for f in sorted(Path(args.sample or default_sample()).glob("*.txt"))[: args.files]:
            shutil.copy(f, tmp)
        size = sum(f.stat().st_size for f in Path(tmp).glob("*.txt"))
        rows = [("this checkout", *measure(ROOT, args.model, tmp))]
        if args.against:
            rows.append((f"against {args.against}", *measure(Path(args.against), args.against_model, tmp)))
    print(f"{args.files} dumps, {size / 1000:.0f} KB; instructions in millions")
    print("| checkout | raw Sudachi | tag | tag throughput as a share of raw |\n|---|---|---|---|")
    for name, raw, tag in rows:
        print(f"| {name} | {raw / 1e6:.0f} | {tag / 1e6:.0f} | {raw / tag:.3f} |")
    if len(rows) == 2:
        (_, _, new), (_, _, old) = rows
        print(f"tagging costs {new / old - 1:+.1%} against the older checkout (the same dumps, the same Sudachi)")


if __name__ == "__main__":
    main()
