"""Where tagging time goes, stage by stage, against raw Sudachi on the same blocks (a script, not a test).

    .venv/bin/python bench/stages.py [DIR] [--model DIR] [--repeat 3]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from classifier import Predictor  # noqa: E402
from classifier.features import commentary_docs  # noqa: E402
from classifier.segment import segment  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", nargs="?", default=str(ROOT / "training" / "corpus"))
    ap.add_argument("--model", default=None)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    p = Predictor.load(args.model)
    texts = [f.read_text(encoding="utf-8") for f in sorted(Path(args.corpus).glob("*.txt"))]
    nbytes = args.repeat * sum(len(t.encode("utf-8")) for t in texts)
    p.tag(texts[0])
    sudachi = p._tokenizer()._sudachi()
    spent: dict[str, float] = {}

    def timed(name, fn, *a):
        t0 = time.process_time()  # CPU time: other processes on the machine do not count
        out = fn(*a)
        spent[name] = spent.get(name, 0.0) + time.process_time() - t0
        return out

    def raw(dump):
        for b in dump.blocks:
            if b.is_text:
                for m in sudachi.tokenize(b.text):
                    m.normalized_form()
                    m.part_of_speech()

    for _ in range(args.repeat):
        for text in texts:
            dump = timed("segment", segment, text, None, True, False, p.vocabulary)
            verdicts = timed("rules (label model, reputations)", p.judge.rules, dump, p._outlets())
            tokens = timed("tokenize (Sudachi + our wrapper)", p.tokenize, dump)
            docs = timed("commentary features", commentary_docs, dump, tokens)
            probs = timed("commentary scores", p.model.commentary.predict_proba, docs)
            scores = dict(zip((k for k, t in enumerate(tokens) if t is not None), probs[:, 0]))
            timed("verdicts (calibration, smoothing)", p.judge.decide, dump, verdicts, scores)
            timed("tag suggestions", p._suggest, dump, tokens, 5)
            timed("[raw Sudachi, same blocks]", raw, dump)
    total = sum(v for k, v in spent.items() if not k.startswith("["))
    print("| stage | seconds | share of tagging | MB/s |\n|---|---|---|---|")
    for k, v in spent.items():
        share = "" if k.startswith("[") else f"{v / total:.0%}"
        print(f"| {k} | {v:.3f} | {share} | {nbytes / 1e6 / v:.2f} |")
    print(f"| all of tagging | {total:.3f} | 100% | {nbytes / 1e6 / total:.2f} |")


if __name__ == "__main__":
    main()
