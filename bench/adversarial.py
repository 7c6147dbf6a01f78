"""Adversarial lines: the worst parse time per line, so that no pattern is quadratic (a script and a check).

    .venv/bin/python bench/adversarial.py            # about 2 minutes; exit 1 if a 10k-character line is slow
    .venv/bin/python bench/adversarial.py --quick    # 1k and 10k lines, 100,000-line dumps: about 30 s

Every pattern's prefix (an attribution dash, a handle, a date, "#", a bracket, a link, a bullet, an emoji, "!",
a wire lead, a reporting verb...) is followed by a run of one kind of character (each kind of white space,
punctuation, opening and closing brackets, emoji, "#", "@", digits, dashes...) and a tail that makes the match
fail or nearly succeed, at 1k, 10k and 100k characters. Then whole dumps of a million short lines (tag lines,
attributions, chrome between short lines). Each goes through ``classifier.parse`` (segment and rules) and, when
a model exists, ``Predictor.tag`` too (on the 10k-character lines with the first tail, and on the 100,000-line
dumps that have text blocks: Sudachi's own time is not what this bench is about). Linear code takes about ten times longer for ten times the text; a
quadratic pattern takes a hundred times longer and shows at the top of the table.

Times are CPU time of this process, so other jobs on the machine do not inflate them. Exit status 1 when the
worst 10k-character line takes longer than --limit-ms (50 ms) to parse.
"""
from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# What each pattern starts with: the text that gets a regular expression (or a scan) going.
PREFIXES = {
    "none": "",
    "dash —": "— ",
    "bar ―": "―",
    "en dash –": "– ",
    "hyphen -": "-",
    "dash + name": "— 名前",
    "handle (@h": "(@h",
    "name (@h)": "名前 (@h) ",
    "attribution": "— 名前 (@h) ",
    "date 年月日": "2025年3月1日",
    "date March": "March 1, 2025",
    "date 2025/3/1": "2025/3/1",
    "date + time": "2025年3月1日(土) 10:00",
    "#": "#",
    "＃": "＃",
    "#tag(": "#tag(",
    "#tag ": "#tag ",
    "「": "「",
    "【": "【",
    "(": "(",
    "http://": "http://",
    "www.": "www.",
    "host": "example.com",
    "pic.twitter.com/": "pic.twitter.com/",
    "bullet ・": "・",
    "bullet ●": "●",
    "🔸": "🔸",
    "emoji 🇷🇺": "🇷🇺",
    "🐸": "🐸",
    "!": "!",
    "？": "？",
    "wire lead": "外相は29日、",
    "reporting verb": "と述べた",
    "こちら": "こちら",
    "(c)": "(c)",
    "※": "※",
    "digit": "1",
}
# What follows the prefix, repeated up to the line's length.
RUNS = {
    "space": " ",
    "tab": "\t",
    "U+3000": "\u3000",
    "NBSP": "\u00a0",
    "ZWSP": "\u200b",
    "U+2060": "\u2060",
    "!": "!",
    "？": "？",
    "。": "。",
    "、": "、",
    "…": "…",
    "(": "(",
    "（": "（",
    "「": "「",
    "『": "『",
    "【": "【",
    "[": "[",
    ")": ")",
    "）": "）",
    "」": "」",
    "』": "』",
    "】": "】",
    "]": "]",
    "emoji 🐸": "🐸",
    "flag 🇷🇺": "🇷🇺",
    "#": "#",
    "＃": "＃",
    "@": "@",
    "digits": "1",
    "—": "—",
    "-": "-",
    "letters": "a",
    "'! '": "! ",
    "'(@h '": "(@h ",
    "'#a'": "#a",
    "'#a('": "#a(",
    "'# a'": "# a",
    "'「a'": "「a",
    "'a.'": "a.",
}
# How the line ends: a letter where the pattern wants an end, or a handle that never closes.
TAILS = {"x": "x", "(@h": " (@h"}
SIZES = (1_000, 10_000, 100_000)
MILLION = 1_000_000


@dataclass
class Case:
    name: str
    text: str
    size: int  # characters of the line, or lines of the dump
    lines: int
    parse_s: float = 0.0
    tag_s: float | None = None


def line_cases(sizes: tuple[int, ...], tails: dict[str, str]) -> list[Case]:
    """One line a prefix, a run and a tail, at each size."""
    out = []
    for size in sizes:
        if size >= 100_000:
            tails = dict(list(tails.items())[:1])  # one tail at 100k: the run is what costs, and time is short
        for pname, prefix in PREFIXES.items():
            for rname, run in RUNS.items():
                for tname, tail in tails.items():
                    n = max(1, (size - len(prefix) - len(tail)) // len(run))
                    out.append(Case(f"{pname} + {rname} + {tname}", prefix + run * n + tail, size, 1))
    return out


# The dumps also read at a million lines (the others at a tenth of that, to keep the run short).
MILLION_CASES = ("'#a'", "'— x (@h)'", "chrome / short line", "'#a(note)' then '#b'")


def dump_cases(n: int, names: tuple[str, ...] | None = None) -> list[Case]:
    """Dumps of n short lines (those named, or all), and single lines of 100k characters made of tags."""
    half = n // 2
    dumps = {
        "'#a'": "#a\n" * n,
        "'#a('": "#a(\n" * n,
        "'＃'": "＃\n" * n,
        "'# a'": "# a\n" * n,
        "'#1'": "#1\n" * n,
        "'— x (@h)'": "— x (@h)\n" * n,
        "'x (@h) March 1, 2025'": "x (@h) March 1, 2025\n" * n,
        "chrome / short line": "https://example.com\nメニュー\n" * half,
        "chrome / sentence": "https://example.com\n外相は述べた。\n" * half,
        "'#a(note)' then '#b'": "#a(メモ)\n" * half + "#b\n" * half,
        "text / '#a' / blank": "外相は29日、述べた。\n#a\n\n" * (n // 3),
    }
    out = [Case(f"{n:,} lines {name}", text, n, n) for name, text in dumps.items() if names is None or name in names]
    if names is not None:
        return out
    one = {"'#a'": "#a", "'#a('": "#a(", "'#a #'": "#a #", "'＃a'": "＃a", "'#a)'": "#a)", "'#(a'": "#(a"}
    for name, unit in one.items():
        out.append(Case(f"one line of {name}", unit * (100_000 // len(unit)), 100_000, 1))
    return out


def timed(fn: Callable[[str], Any], text: str, repeat: int) -> tuple[float, Any]:
    """The best CPU time of ``repeat`` calls, and what the last one returned. CPU time of this process, not the
    clock: on a machine shared with other jobs, their load does not count against the line."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.process_time()
        out = fn(text)
        best = min(best, time.process_time() - t0)
    return best, out


def run(cases: list[Case], predictor, tag_max: int, tag_lines_max: int, progress: bool) -> None:
    from classifier import parse

    for k, c in enumerate(cases):
        c.parse_s, dump = timed(parse, c.text, 1)
        if c.lines == 1 and c.parse_s > len(c.text) * 0.5e-6:
            # Slower than half a microsecond a character: the best of three, so a pause (a garbage collection, a
            # cache gone cold) is not taken for the line's own cost.
            c.parse_s = min(c.parse_s, timed(parse, c.text, 2)[0])
        # Tagging adds Sudachi and the model to parsing, on text blocks only: a dump without any is not tagged.
        wanted = c.name.endswith(" + x") if c.lines == 1 else any(b.is_text for b in dump.blocks)
        if predictor is not None and wanted and c.size <= (tag_lines_max if c.lines > 1 else tag_max):
            c.tag_s = timed(predictor.tag, c.text, 1)[0]
        del dump
        if progress and k % 500 == 0:
            print(f"  {k}/{len(cases)}", file=sys.stderr, flush=True)
        if c.lines > 1:
            gc.collect()  # a million lines' objects are garbage now: collect them outside the next timing


def ms(s: float | None) -> str:
    return "" if s is None else f"{s * 1000:.1f}"


def report(lines: list[Case], dumps: list[Case], top: int, tagged: bool) -> dict[int, float]:
    """Print the tables; returns the worst parse time by line size."""
    print(f"## The {top} slowest lines (of {len(lines)})\n")
    print("| line | chars | parse ms | tag ms |\n|---|---|---|---|")
    for c in sorted(lines, key=lambda c: c.parse_s, reverse=True)[:top]:
        print(f"| `{c.name}` | {len(c.text):,} | {ms(c.parse_s)} | {ms(c.tag_s)} |")
    print("\n## By line length: linear growth means x10 time for x10 characters\n")
    print("| chars | lines | median parse ms | worst parse ms | worst line | worst tag ms |\n|---|---|---|---|---|---|")
    worst: dict[int, float] = {}
    median: dict[int, float] = {}
    for size in sorted({c.size for c in lines}):
        group = [c for c in lines if c.size == size]
        w = max(group, key=lambda c: c.parse_s)
        worst[size], median[size] = w.parse_s, statistics.median(c.parse_s for c in group)
        tags = [c.tag_s for c in group if c.tag_s is not None]
        print(f"| {size:,} | {len(group)} | {ms(median[size])} | {ms(w.parse_s)} | `{w.name}` | "
              f"{ms(max(tags)) if tags else '-'} |")
    sizes = sorted(worst)
    for a, b in zip(sizes, sizes[1:]):
        print(f"\n{b:,} / {a:,} characters: worst x{worst[b] / worst[a]:.1f}, median x{median[b] / median[a]:.1f}")
    print("\n## Whole dumps and 100k-character tag lines\n")
    print("| input | chars | parse s | µs per line | tag s |\n|---|---|---|---|---|")
    for c in dumps:
        per_line = f"{c.parse_s / c.lines * 1e6:.1f}" if c.lines > 1 else ""
        print(f"| {c.name} | {len(c.text):,} | {c.parse_s:.2f} | {per_line} | "
              f"{'' if c.tag_s is None else f'{c.tag_s:.2f}'} |")
    by_kind: dict[str, list[Case]] = {}
    for c in dumps:
        by_kind.setdefault(c.name.split(" lines ", 1)[-1], []).append(c)
    for kind, group in by_kind.items():
        if len(group) == 2:
            small, big = sorted(group, key=lambda c: c.lines)
            print(f"\n{big.lines:,} / {small.lines:,} lines {kind}: parse x{big.parse_s / small.parse_s:.1f}")
    if not tagged:
        print("\n(no model: tag times left out; `classifier train` makes models/default)")
    return worst


def load_predictor(model: str | None):
    from classifier import Predictor
    from classifier.model_io import ModelError

    try:
        return Predictor.load(model)
    except ModelError:
        return None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="1k and 10k lines, one tail, 100,000-line dumps")
    ap.add_argument("--model", default=None, help="model for Predictor.tag (default: models/default if present)")
    ap.add_argument("--no-tag", action="store_true", help="parse only, even when a model exists")
    ap.add_argument("--tag-max", type=int, default=10_000, help="tag lines up to this many characters (10000)")
    ap.add_argument("--limit-ms", type=float, default=50.0, help="the worst 10k-character parse allowed (50)")
    ap.add_argument("--top", type=int, default=25, help="slowest lines listed (25)")
    args = ap.parse_args()

    sizes = SIZES[:2] if args.quick else SIZES
    tails = dict(list(TAILS.items())[:1]) if args.quick else TAILS
    lines = line_cases(sizes, tails)
    dumps = dump_cases(MILLION // 10) + ([] if args.quick else dump_cases(MILLION, MILLION_CASES))
    predictor = None if args.no_tag else load_predictor(args.model)
    if predictor is not None:
        predictor.tag("外相は29日、述べた。")  # load Sudachi's dictionary before timing
    t0 = time.perf_counter()
    run(lines + dumps, predictor, args.tag_max, MILLION // 10, progress=True)
    worst = report(lines, dumps, args.top, predictor is not None)
    limit = args.limit_ms / 1000
    ok = worst.get(10_000, 0.0) <= limit
    print(f"\nworst parse of a 10k-character line: {ms(worst.get(10_000))} ms (limit {args.limit_ms:g} ms): "
          f"{'ok' if ok else 'TOO SLOW'}; of a 100k-character line: {ms(worst.get(100_000)) or '-'} ms; "
          f"{time.perf_counter() - t0:.0f} s in all")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
