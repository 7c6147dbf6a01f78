"""A long fuzz run: random text and mutated dumps through `parse` and `tag` (a script, not a test).

    .venv/bin/python bench/fuzz.py --cases 100000 --jobs 2

Every case must parse and tag without raising, its blocks must tile the input, offsets must agree with the lines
(Dump.validate) and its JSON must load back equal. A failing case is saved to bench/out/fuzz-failures/ and
counted; the run goes on. The same mutations feed the Hypothesis tests in tests/test_properties.py.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PIECES = [
    "#", "＃", "#NATO", "#露朝(", ")", "（", "「", "」", "『", "』", "— ", "(@", "@nhk_news)", " November 3, 2024",
    "https://t.co/AbCdEf1234", "pic.twitter.com/x", "🇷🇺", "🐻", "🐸", "🔸", "⚠️", "🗣️", "\u200b", "\u00a0", "\x00",
    "\r", "\n", "\r\n", "\n\n", "。", "だ。", "と述べた。", "は29日、", "Copyright (C) 2024", "someone.hatenadiary.jp",
    "  • 1", "[ロイター]", "2023年5月3日(水)14時05分", "\ufeff", "\ud7ff", "\U0001F1EF\U0001F1F5", "\t", " ",
]


def corpus_texts() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted((ROOT / "training" / "corpus").glob("*.txt"))]


def mutate(text: str, rng: random.Random) -> str:
    """One to four edits of the kinds real scrapers and careless pastes make."""
    for _ in range(rng.randint(1, 4)):
        lines = text.split("\n")
        kind = rng.randrange(8)
        if kind == 0 and len(lines) > 1:  # shuffle some lines
            i, j = sorted(rng.sample(range(len(lines)), 2))
            part = lines[i:j]
            rng.shuffle(part)
            lines[i:j] = part
            text = "\n".join(lines)
        elif kind == 1:  # insert characters
            pos = rng.randrange(len(text) + 1)
            text = text[:pos] + "".join(rng.choices(PIECES, k=rng.randint(1, 5))) + text[pos:]
        elif kind == 2 and text:  # delete a span
            pos = rng.randrange(len(text))
            text = text[:pos] + text[pos + rng.randint(1, 40) :]
        elif kind == 3:  # break a tag: leave a note open, or drop the name
            tags = [k for k, ln in enumerate(lines) if ln.startswith("#")]
            if tags:
                k = rng.choice(tags)
                lines[k] = rng.choice(["#露朝(", "#", "# ", "##", lines[k] + "(", lines[k][: len(lines[k]) // 2]])
            text = "\n".join(lines)
        elif kind == 4 and lines:  # duplicate a line
            k = rng.randrange(len(lines))
            lines.insert(k, lines[k])
            text = "\n".join(lines)
        elif kind == 5:  # change the line breaks
            text = text.replace("\n", rng.choice(["\r\n", "\r", "\n\n", "\n \n"]))
        elif kind == 6 and len(text) > 10:  # cut the text short
            text = text[: rng.randrange(len(text))]
        else:  # splice two halves of the text
            pos = rng.randrange(len(text) + 1)
            text = text[pos:] + text[:pos]
    return text


def random_text(rng: random.Random) -> str:
    alphabet = "あいうえおアイウエオ日本語北朝鮮ロシア、。「」（）()#＃@—-_:/. \n\r\t0123456789ABCxyz🇷🇺🐸🔸\u200b\u00a0"
    parts = [rng.choice(PIECES) if rng.random() < 0.3 else "".join(rng.choices(alphabet, k=rng.randint(1, 30)))
             for _ in range(rng.randint(0, 30))]
    return "".join(parts)


def check(text: str, predictor) -> None:
    from classifier import parse

    for dump in (parse(text), predictor.tag(text)):
        dump.validate()
        d = dump.to_dict()
        if json.loads(json.dumps(d, ensure_ascii=False)) != d:
            raise ValueError("JSON does not round-trip")


def run_cases(start: int, count: int, seed: int, model: str | None, out: str) -> tuple[int, int]:
    from classifier import Predictor

    predictor = Predictor.load(model)
    texts = corpus_texts()
    failures = 0
    for case in range(start, start + count):
        rng = random.Random(f"{seed}:{case}")
        text = random_text(rng) if case % 5 == 0 else mutate(rng.choice(texts), rng)
        try:
            check(text, predictor)
        except Exception:  # noqa: BLE001 - a fuzz run records every failure and goes on
            failures += 1
            folder = Path(out)
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"case-{case}.txt").write_text(text, encoding="utf-8", errors="surrogatepass")
            (folder / f"case-{case}.err").write_text(traceback.format_exc(), encoding="utf-8")
    return count, failures


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--model", default=None, help="model directory (default: models/default)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "out" / "fuzz-failures"))
    args = ap.parse_args()
    from joblib import Parallel, delayed

    chunk = 2000
    starts = range(0, args.cases, chunk)
    t0 = time.perf_counter()
    results = Parallel(n_jobs=args.jobs)(
        delayed(run_cases)(s, min(chunk, args.cases - s), args.seed, args.model, args.out) for s in starts
    )
    cases = sum(c for c, _ in results)
    failures = sum(f for _, f in results)
    print(f"{cases} cases (seed {args.seed}), {failures} failures, {time.perf_counter() - t0:.0f} s"
          + (f"; failing cases in {args.out}" if failures else ""))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
