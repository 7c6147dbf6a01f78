"""Issue 2's acceptance figures on the seeds in ../shared: parse and tag against gold, cold start, throughput.

    .venv/bin/python bench/acceptance.py [--model models/default] [--shared ../shared] [--repeat 5]

A script, not a test: it prints figures (the tests assert the thresholds).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import cold_start  # noqa: E402
from classifier import Predictor, parse  # noqa: E402

LABEL = {"W": "wire", "C": "commentary", "T": "tag", "M": "meta"}


def score(dumps_and_gold):
    right = total = tp = fp = fn = 0
    for dump, gold in dumps_and_gold:
        got = dump.line_labels()
        for n, g in gold["lines"].items():
            want, have = LABEL[g], got.get(int(n))
            total += 1
            right += want == have
            tp += want == have == "commentary"
            fp += have == "commentary" and want != have
            fn += want == "commentary" and want != have
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0
    return right / total, f1, total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=str(ROOT / "models" / "default"))
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    seeds = sorted(Path(args.shared, "seeds").glob("*.txt"))
    pairs = [(p, json.loads(Path(args.shared, "gold", p.stem + ".json").read_text(encoding="utf-8"))) for p in seeds]
    texts = {p: p.read_text(encoding="utf-8") for p, _ in pairs}

    print("parse (rules only) against gold:")
    parsed = [(parse(texts[p], str(p)), g) for p, g in pairs]
    for (d, g), (p, _) in zip(parsed, pairs):
        acc, f1, n = score([(d, g)])
        secs = [{"tags": [t.to_dict() for t in s.existing], "tag_line": s.tag_line, "start_line": s.start_line,
                 "end_line": s.end_line} for s in d.sections if s.tag_line is not None]
        post_ok = [t.name for t in d.post.existing] == g["post_tags"]
        print(f"  {p.name[:3]}  lines {n:3d}  accuracy {acc:.3f}  post tags exact {post_ok}  "
              f"section tags exact {secs == g['sections']}")
    acc, f1, n = score(parsed)
    print(f"  all   lines {n:3d}  accuracy {acc:.3f}  commentary F1 {f1:.3f}")

    predictor = Predictor.load(args.model)
    print(f"\ntag with {args.model} against gold:")
    tagged = [(predictor.tag(texts[p], str(p)), g) for p, g in pairs]
    for (d, g), (p, _) in zip(tagged, pairs):
        acc, f1, n = score([(d, g)])
        top3 = [s.tag for s in d.post.suggested[:3]]
        print(f"  {p.name[:3]}  accuracy {acc:.3f}  commentary F1 {f1:.3f}  post top 3 {top3}")
    acc, f1, n = score(tagged)
    print(f"  all   accuracy {acc:.3f}  commentary F1 {f1:.3f}")

    total_bytes = sum(len(t.encode("utf-8")) for t in texts.values())
    best = float("inf")
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        for p, _ in pairs:
            predictor.tag(texts[p], str(p))
        best = min(best, time.perf_counter() - t0)
    print(f"\nthroughput, Python API, warm: {total_bytes / 1e6 / best:.3f} MB/s "
          f"({total_bytes} bytes in {best * 1000:.0f} ms, best of {args.repeat})")

    cold, bare = cold_start(pairs[0][0], args.model, repeat=args.repeat)
    print(f"cold start, classifier tag on one seed: median {cold:.3f} s")
    print(f"cold start, bare sudachipy import + dictionary: median {bare:.3f} s ({cold / bare:.2f} of it)")


if __name__ == "__main__":
    main()
