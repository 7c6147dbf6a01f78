"""Issue 9's acceptance figures: how the tool does on dumps written by other hands.

    .venv/bin/python bench/generalise.py [--shared ../shared] [--only cross,seeds,folds,parse]

- cross: train on the bundled corpus, test on the second sample set (training/corpus2), and the other way round:
  line accuracy, commentary P/R/F1, the same on marker-stripped copies, rules alone beside rules + model;
- seeds: train on three seeds, test on the fourth, for each: rules + model against rules alone;
- folds: `eval --folds 5` on both sample sets together: section and post tags at 1 and 3;
- parse: post tags, section tags with notes and line ranges exact against gold, on the seeds and the sets;
- heldout: train on each of the first two sets and on both, test on training/corpus3, the set left unread.

Every figure comes from `training.evaluate.evaluate`, the code behind `classifier eval`.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from classifier import parse  # noqa: E402
from training.evaluate import evaluate  # noqa: E402

CORPUS, CORPUS2, CORPUS3 = ROOT / "training" / "corpus", ROOT / "training" / "corpus2", ROOT / "training" / "corpus3"


def lines(report, stripped=False) -> str:
    ls = report.stripped if stripped else report.lines
    out = []
    for name, label in (("model", "rules + model"), ("rules", "rules only")):
        s = ls.scores(name)
        c = s["commentary"]
        out.append(f"{label}: accuracy {s['accuracy']:.3f}, commentary P {c.precision:.3f} R {c.recall:.3f} "
                   f"F1 {c.f1:.3f}")
    return "; ".join(out)


def cross() -> None:
    for train, test in ((CORPUS, CORPUS2), (CORPUS2, CORPUS)):
        t = time.perf_counter()
        r = evaluate([str(train)], [str(test)])
        print(f"train {train.name} -> test {test.name} ({r.reference}, {time.perf_counter() - t:.0f} s)")
        print(f"  lines:          {lines(r)}")
        print(f"  marker-stripped: {lines(r, stripped=True)}")


def held_out() -> None:
    """training/corpus3 was written last, by other hands again, and left unread while the rest was built: the
    honest test. Trained on each of the other sets, and on both."""
    for train in ([CORPUS], [CORPUS2], [CORPUS, CORPUS2]):
        t = time.perf_counter()
        r = evaluate([str(d) for d in train], [str(CORPUS3)])
        names = " + ".join(d.name for d in train)
        print(f"train {names} -> test corpus3 ({r.reference}, {time.perf_counter() - t:.0f} s)")
        print(f"  lines:          {lines(r)}")
        print(f"  marker-stripped: {lines(r, stripped=True)}")


def seeds(shared: Path) -> None:
    files = sorted((shared / "seeds").glob("*.txt"))
    for held in files:
        with tempfile.TemporaryDirectory() as tmp:
            train = Path(tmp, "train")
            train.mkdir()
            for f in files:
                if f != held:
                    shutil.copy(f, train / f.name)
            r = evaluate([str(train)], [str(held)], gold_dir=str(shared / "gold"))
        m, ru = r.lines.scores("model"), r.lines.scores("rules")
        flag = "ok" if m["commentary"].f1 >= ru["commentary"].f1 else "WORSE"
        print(f"  test {held.name[:3]}: rules + model F1 {m['commentary'].f1:.3f} acc {m['accuracy']:.3f}; "
              f"rules only F1 {ru['commentary'].f1:.3f} acc {ru['accuracy']:.3f}  {flag}")


def folds() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        both = Path(tmp, "both")
        both.mkdir()
        for d in (CORPUS, CORPUS2):
            for f in d.glob("*"):
                shutil.copy(f, both / f"{d.name}_{f.name}")
        r = evaluate([str(both)], folds=5)
    for level in ("section", "post"):
        table = r.tag_table(level)
        ranked = r.sections if level == "section" else r.posts
        for name in ("model", "name_in_text", "most_frequent"):
            if name in table:
                at1, at3 = table[name]["@1"]["micro"], table[name]["@3"]["micro"]
                print(f"  {level} {name:<14} P@1 {at1.precision:.3f} R@1 {at1.recall:.3f}   "
                      f"P@3 {at3.precision:.3f} R@3 {at3.recall:.3f}   ({len(ranked.gold)} examples)")
    print(f"  lines: {lines(r)}")


def _exact(d, gold) -> bool:
    secs = [{"tags": [t.to_dict() for t in s.existing], "tag_line": s.tag_line, "start_line": s.start_line,
             "end_line": s.end_line} for s in d.sections if s.tag_line is not None]
    return [t.name for t in d.post.existing] == gold["post_tags"] and secs == gold["sections"]


def parse_with_models() -> None:
    """`parse --model`: each dump of both sets parsed with a model trained on the other folds (5, by post), whose
    tag vocabulary tells a bare section tag above the post tags from a post tag."""
    from classifier.parser import default_outlets
    from classifier.predictor import Predictor
    from classifier.tokenize import Tokenizer
    from training.evaluate import fold_indices
    from training.train import TrainParams, build_examples, fit_all, load_corpus

    files = sorted(CORPUS.glob("*.txt")) + sorted(CORPUS2.glob("*.txt"))
    corpus = load_corpus([str(f) for f in files], default_outlets(), Tokenizer(), keep_text=False)
    exact = 0
    wrong = []
    for test in fold_indices(len(files), 5):
        train = [i for i in range(len(files)) if i not in set(test)]
        model, _, _ = fit_all(build_examples(corpus, train), TrainParams())
        p = Predictor(model)
        for i in test:
            gold = json.loads(files[i].with_suffix(".json").read_text(encoding="utf-8"))
            ok = _exact(p.parse(files[i].read_text(encoding="utf-8"), str(files[i])), gold)
            exact += ok
            wrong += [] if ok else [files[i].stem]
    print(f"  both sets, parse --model (a model of the other folds): exact in {exact} of {len(files)}"
          + (f" (not: {', '.join(sorted(wrong))})" if wrong else ""))


def parse_exact(shared: Path) -> None:
    sets = [("seeds", sorted((shared / "seeds").glob("*.txt")), shared / "gold"),
            ("corpus", sorted(CORPUS.glob("*.txt")), CORPUS), ("corpus2", sorted(CORPUS2.glob("*.txt")), CORPUS2),
            ("corpus3", sorted(CORPUS3.glob("*.txt")), CORPUS3)]
    for name, files, gold_dir in sets:
        exact = 0
        wrong = []
        right = total = 0
        for f in files:
            gold = json.loads((gold_dir / (f.stem + ".json")).read_text(encoding="utf-8"))
            d = parse(f.read_text(encoding="utf-8"), str(f))
            ok = _exact(d, gold)
            exact += ok
            if not ok:
                wrong.append(f.stem)
            got = d.line_labels()
            label = {"W": "wire", "C": "commentary", "T": "tag", "M": "meta"}
            right += sum(got.get(int(n)) == label[g] for n, g in gold["lines"].items())
            total += len(gold["lines"])
        print(f"  {name}: tags, notes and sections exact in {exact} of {len(files)}"
              + (f" (not: {', '.join(wrong)})" if wrong else "") + f"; rules-only line accuracy {right / total:.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--only", default="cross,seeds,folds,parse,heldout")
    args = ap.parse_args()
    shared = Path(args.shared)
    only = set(args.only.split(","))
    if "parse" in only:
        print("parse exact against gold:")
        parse_exact(shared)
        parse_with_models()
    if "cross" in only:
        cross()
    if "seeds" in only:
        print("three seeds -> the fourth:")
        seeds(shared)
    if "folds" in only:
        print("5 folds over both sample sets:")
        folds()
    if "heldout" in only:
        held_out()


if __name__ == "__main__":
    main()
