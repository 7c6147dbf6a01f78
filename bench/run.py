"""Benchmarks: one run on one machine prints one markdown table with ratios (a script, not a test).

    .venv/bin/python bench/run.py                  # corpora of about 1, 10 and 100 MB in bench/out/
    .venv/bin/python bench/run.py --sizes 1 10     # smaller run

Corpora are built by recombining the sample corpus: each new dump takes the sections of two to four posts that
share a post-tag set, shuffled, and ends with that set's post tags (the news pages are copied as they are).
Measured:
- the limit: raw Sudachi throughput (split mode C, normalized form and part of speech of every token, one call
  per non-empty line, as classifier/tokenize.py does) on the same text;
- tag throughput in one process (Python API, and the CLI), and the CLI with --jobs 2;
- cold start of `classifier tag` on one small dump against `python -c` importing sudachipy and loading the
  dictionary;
- training time and peak memory (max RSS of the training process) for each size.
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CORPUS = ROOT / "training" / "corpus"
PY = sys.executable


# --- corpora -----------------------------------------------------------------------------------------------
def _chunks(text: str) -> tuple[list[str], list[str]]:
    """A post's sections (each with its closing tag line, the last maybe without) and its post-tag lines."""
    from classifier.parser import parse

    dump = parse(text)
    lines = text.split("\n")
    tag_start = dump.post.tag_lines[0] if dump.post.tag_lines else len(lines) + 1
    body = lines[: tag_start - 1]
    post = [ln for ln in lines[tag_start - 1 :] if ln.startswith("#")]
    chunks, cur = [], []
    tag_lines = {s.tag_line for s in dump.sections if s.tag_line}
    for n, ln in enumerate(body, 1):
        cur.append(ln)
        if n in tag_lines:
            chunks.append("\n".join(cur))
            cur = []
    if any(x.strip() for x in cur):
        chunks.append("\n".join(cur))
    return chunks, post


def build_corpus(target_mb: float, out: Path, seed: int = 0) -> tuple[Path, int]:
    """A directory of recombined dumps totalling about target_mb megabytes; returns it and its byte size."""
    if out.exists():
        size = sum(p.stat().st_size for p in out.glob("*.txt"))
        if size >= target_mb * 1e6:
            return out, size
        shutil.rmtree(out)
    out.mkdir(parents=True)
    groups: dict[tuple[str, ...], list[list[str]]] = {}
    pages: list[str] = []
    for p in sorted(CORPUS.glob("*.txt")):
        text = p.read_text(encoding="utf-8")
        chunks, post = _chunks(text)
        if post:
            groups.setdefault(tuple(post), []).append(chunks)
        else:
            pages.append(text)
    rng = random.Random(seed)
    keys = sorted(groups)
    size, n = 0, 0
    while size < target_mb * 1e6:
        if pages and rng.random() < 0.05:
            text = rng.choice(pages)
        else:
            key = rng.choice(keys)
            posts = rng.sample(groups[key], min(len(groups[key]), rng.randint(2, 4)))
            chunks = [c for post in posts for c in post]
            rng.shuffle(chunks)
            text = "\n".join(chunks) + "\n" + "\n".join(key) + "\n"
        path = out / f"{n:06d}.txt"
        path.write_text(text, encoding="utf-8")
        size += len(text.encode("utf-8"))
        n += 1
    return out, size


# --- measurements ------------------------------------------------------------------------------------------
def raw_tokenizer_mbps(files: list[Path]) -> float:
    from sudachipy import Dictionary, SplitMode

    d = Dictionary(dict="core")
    tok = (getattr(d, "tokenizer", None) or d.create)(mode=SplitMode.C)
    texts = [p.read_text(encoding="utf-8") for p in files]
    nbytes = sum(len(t.encode("utf-8")) for t in texts)
    t0 = time.perf_counter()
    for text in texts:
        for line in text.splitlines():
            if line.strip():
                for m in tok.tokenize(line):
                    m.normalized_form()
                    m.part_of_speech()
    return nbytes / 1e6 / (time.perf_counter() - t0)


def api_mbps(files: list[Path], model: str) -> float:
    from classifier import Predictor

    p = Predictor.load(model)
    texts = [f.read_text(encoding="utf-8") for f in files]
    nbytes = sum(len(t.encode("utf-8")) for t in texts)
    p.tag(texts[0])
    t0 = time.perf_counter()
    for f, text in zip(files, texts):
        p.tag(text, str(f))
    return nbytes / 1e6 / (time.perf_counter() - t0)


def cli_seconds(args: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run([PY, "-m", "classifier", *args], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def cold_start(small: Path, model: str, repeat: int = 7) -> tuple[float, float]:
    """Median seconds of `classifier tag` on one small dump, and of the bare start, each in a new process.

    Bytecode caching is switched back on (a shell may set PYTHONDONTWRITEBYTECODE): an installed tool has its
    .pyc files, and without them every start would pay for compiling our sources. One unmeasured run writes them.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    tag = [PY, "-m", "classifier", "tag", str(small), "--model", model, "--format", "json"]
    bare = [PY, "-c", "from sudachipy import Dictionary; Dictionary(dict='core').create()"]
    out = []
    for cmd in (tag, bare):
        times = []
        for i in range(repeat + 1):
            t0 = time.perf_counter()
            subprocess.run(cmd, check=True, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if i:
                times.append(time.perf_counter() - t0)
        out.append(statistics.median(times))
    return out[0], out[1]


def measure(args: list[str]) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of one `classifier ...` command, run in its own process, output discarded."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([PY, "-m", "classifier", *args], cwd=ROOT, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"classifier {' '.join(args)} failed with status {status}")
    return time.perf_counter() - t0, usage.ru_maxrss / 1024


def train_run(corpus: Path, model: Path) -> tuple[float, float]:
    return measure(["train", str(corpus), "--model", str(model), "--holdout", "0", "--quiet"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", nargs="+", type=float, default=[1, 10, 100], help="corpus sizes in MB")
    ap.add_argument("--out", default=str(ROOT / "bench" / "out"), help="where corpora and models go")
    ap.add_argument("--throughput-size", type=float, default=None,
                    help="corpus (MB) for the throughput rows (default: the largest)")
    args = ap.parse_args()
    out = Path(args.out)
    corpora = {s: build_corpus(s, out / f"corpus_{s:g}MB") for s in args.sizes}
    rows: list[tuple[str, str, str]] = []

    train = {}
    for s, (path, size) in corpora.items():
        secs, rss = train_run(path, out / f"model_{s:g}MB")
        train[s] = (secs, rss, size)
        print(f"trained on {size / 1e6:.1f} MB: {secs:.1f} s, peak {rss:.0f} MB", file=sys.stderr)
    model = str(out / f"model_{min(args.sizes):g}MB")

    big = args.throughput_size or max(args.sizes)
    path, size = corpora[big]
    files = sorted(path.glob("*.txt"))
    raw = raw_tokenizer_mbps(files)
    api = api_mbps(files, model)
    one = size / 1e6 / cli_seconds(["tag", str(path), "--model", model, "--format", "jsonl"])
    two = size / 1e6 / cli_seconds(["tag", str(path), "--model", model, "--format", "jsonl", "--jobs", "2"])
    rows.append((f"raw Sudachi tokenization ({size / 1e6:.0f} MB)", f"{raw:.2f} MB/s", "1.00 (the limit)"))
    rows.append(("tag, Python API, one process", f"{api:.2f} MB/s", f"{api / raw:.2f} of raw (target 0.9)"))
    rows.append(("tag, CLI, one process", f"{one:.2f} MB/s", f"{one / raw:.2f} of raw"))
    rows.append(("tag, CLI, --jobs 2", f"{two:.2f} MB/s", f"{two / one:.2f} of one process (target 1.8)"))
    small = sorted(CORPUS.glob("*.txt"))[0]
    cold, bare = cold_start(small, model)
    rows.append((f"cold start, classifier tag {small.name}", f"{cold:.3f} s",
                 f"{cold / bare:.2f} of bare start (target 2)"))
    rows.append(("bare start: import sudachipy, load dictionary", f"{bare:.3f} s", "1.00"))
    for s, (secs, rss, size) in train.items():
        rows.append((f"train on {size / 1e6:.1f} MB", f"{secs:.1f} s, peak {rss:.0f} MB",
                     f"{rss / 2048:.2f} of 2 GB" + (" (target < 1)" if s >= 100 else "")))

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{platform.system()} {platform.release()}")
    print("| measure | result | ratio |\n|---|---|---|")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]} |")


if __name__ == "__main__":
    main()
