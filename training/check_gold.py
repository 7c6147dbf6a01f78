"""Check a directory of dumps with gold labels (NAME.txt + NAME.json), independently of the parser.

    python -m training.check_gold training/corpus2 [--seeds DIR] [--reference DIR ...] [--min-dumps 2]

For every dump: every non-empty line has exactly one gold label (W, C, T or M) and no blank line has one; the T
lines are exactly the lines that start with ``#``/``＃`` and are blogger tags (a ``#`` line that is the text of an
embedded post, with an attribution line below it, is W or C); the sections are consistent (start and end are
non-empty lines, each section starts at the first non-empty line after the previous tag line and ends at the last
non-empty line before its own, in order, without overlap); section tag lines and post tag lines together are all
the T lines; the names and notes of the gold tags are those written on the tag lines; the post tags are the names
on the final tag lines. For the set: each section tag occurs in at least ``--min-dumps`` dumps, and no sentence or
line (25 characters or more) of the seeds or of the reference corpora appears in the dumps.

The tag grammar here is written from ``../shared/FORMAT.md``, not imported from the classifier, so the check
does not depend on the code it is meant to measure. Exit status 0 when all is well, 1 when a problem was found.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def find_seeds() -> Path:
    """``shared/seeds`` beside the checkout, or beside one of its parents (a git worktree sits deeper)."""
    for d in ROOT.parents:
        if (d / "shared" / "seeds").is_dir():
            return d / "shared" / "seeds"
    return ROOT.parent / "shared" / "seeds"


DEFAULT_SEEDS = find_seeds()
DEFAULT_REFERENCE = [ROOT / "training" / "corpus"]
LABELS = set("WCTM")
HASH = "#＃"
MIN_COPY_CHARS = 25

_NAME_STOP = set("(（「『#＃ \t\u3000")
_PAIRS = {"(": ")", "（": "）", "「": "」", "『": "』"}
# "— Name (@handle) date": a dash (or none) before the name, the handle in brackets, a date after it.
ATTRIBUTION_RE = re.compile(r"^\s*(?:[—―–-]{1,2}\s*)?\S.*?[(（]@\w{1,50}[)）]\s*\S")
_SENTENCE_SPLIT_RE = re.compile(r"(?<=[。！？])")


class TagSyntaxError(ValueError):
    pass


def parse_tag_line(line: str) -> list[dict[str, str]]:
    """Tags of a blogger tag line: ``#NAME``, ``#NAME(note)``, ``#NAME「quote」「quote」``, several on one line."""
    s = line.strip()
    if not s or s[0] not in HASH:
        raise TagSyntaxError(f"not a tag line: {line!r}")
    tags, i = [], 0
    while i < len(s):
        if s[i] not in HASH:
            raise TagSyntaxError(f"text after a note: {s[i:]!r} in {line!r}")
        j = i + 1
        while j < len(s) and s[j] not in _NAME_STOP:
            j += 1
        name = s[i + 1 : j]
        if not name or not re.match(r"\w", name) or name.isdigit():
            raise TagSyntaxError(f"bad tag name {name!r} in {line!r}")
        note = ""
        if j < len(s) and s[j] in "(（":
            k = _close(s, j, line)
            note, j = s[j + 1 : k - 1], k
        elif j < len(s) and s[j] in "「『":
            k = j
            while k < len(s) and s[k] in "「『":
                k = _close(s, k, line)
            note, j = s[j:k], k
        elif j < len(s) and s[j] not in HASH:
            raise TagSyntaxError(f"a note must be (…) or 「…」: {line!r}")
        tags.append({"name": name, "note": note})
        i = j
    return tags


def _close(s: str, i: int, line: str) -> int:
    """Index just past the bracket closing ``s[i]`` (brackets nest)."""
    stack: list[str] = []
    for j in range(i, len(s)):
        if s[j] in _PAIRS:
            stack.append(_PAIRS[s[j]])
        elif stack and s[j] == stack[-1]:
            stack.pop()
            if not stack:
                return j + 1
    raise TagSyntaxError(f"unclosed bracket in {line!r}")


@dataclass
class DumpCheck:
    name: str
    problems: list[str] = field(default_factory=list)
    section_tags: set[str] = field(default_factory=set)
    post_tags: list[str] = field(default_factory=list)
    labels: Counter = field(default_factory=Counter)
    lines: int = 0

    def bad(self, msg: str) -> None:
        self.problems.append(f"{self.name}: {msg}")


def check_dump(txt: Path, gold: dict) -> DumpCheck:
    """All the per-dump checks of the module docstring."""
    r = DumpCheck(txt.stem)
    text = txt.read_text(encoding="utf-8")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    nonempty = [n for n, ln in enumerate(lines, 1) if ln.strip()]
    r.lines = len(nonempty)
    if gold.get("id") != txt.stem:
        r.bad(f"id {gold.get('id')!r} is not the file name")
    for key in ("post_tags", "sections", "lines"):
        if key not in gold:
            r.bad(f"no {key!r} in the gold file")
            return r
    glines = gold["lines"]
    try:
        lab = {int(k): v for k, v in glines.items()}
    except ValueError:
        r.bad("a key of 'lines' is not a line number")
        return r
    if len(lab) != len(glines):
        r.bad("duplicate line numbers in 'lines'")
    for n in sorted(set(lab) - set(nonempty)):
        r.bad(f"line {n} has a label but is blank or beyond the end")
    for n in sorted(set(nonempty) - set(lab)):
        r.bad(f"line {n} is non-empty but has no label")
    for n, v in sorted(lab.items()):
        if v not in LABELS:
            r.bad(f"line {n}: unknown label {v!r}")
    r.labels = Counter(lab.values())

    def line(n: int) -> str:
        return lines[n - 1].strip()

    t_lines = sorted(n for n, v in lab.items() if v == "T")
    for n in t_lines:
        if not line(n) or line(n)[0] not in HASH:
            r.bad(f"line {n} is T but does not start with #")
    for n in nonempty:
        s = line(n)
        if s[0] in HASH and lab.get(n) in ("W", "C") and not _embedded_post_text(n, lines, lab):
            r.bad(f"line {n} starts with # and is {lab[n]}, but no attribution line closes its post")
        if s[0] in HASH and lab.get(n) == "M":
            r.bad(f"line {n} starts with # and is M")
        if ATTRIBUTION_RE.match(s) and "@" in s and lab.get(n) != "M" and _is_attribution(s):
            r.bad(f"line {n} looks like an attribution but is {lab.get(n)}")

    # Sections: in order, start right after the previous tag line, end right before their own.
    def next_nonempty(after: int) -> int | None:
        return next((m for m in nonempty if m > after), None)

    def prev_nonempty(before: int) -> int | None:
        return next((m for m in reversed(nonempty) if m < before), None)

    section_tag_lines: list[int] = []
    previous_tag = 0
    sections = gold["sections"]
    for i, sec in enumerate(sections):
        where = f"section {i + 1}"
        tl, st, en = sec.get("tag_line"), sec.get("start_line"), sec.get("end_line")
        if not isinstance(st, int) or not isinstance(en, int):
            r.bad(f"{where}: start_line and end_line must be numbers")
            continue
        if st not in lab or en not in lab:
            r.bad(f"{where}: start {st} or end {en} is not a labelled non-empty line")
        if st > en:
            r.bad(f"{where}: start {st} after end {en}")
        if st != next_nonempty(previous_tag):
            r.bad(f"{where}: starts at {st}, expected {next_nonempty(previous_tag)} (after line {previous_tag})")
        if tl is None:
            if i != len(sections) - 1 or sec.get("tags"):
                r.bad(f"{where}: only a trailing section may have no tag line, and it has no tags")
            post_start = min((n for n in t_lines if n > en), default=None)
            if post_start is not None and en != prev_nonempty(post_start):
                r.bad(f"{where}: untagged section ends at {en}, expected {prev_nonempty(post_start)}")
            continue
        if lab.get(tl) != "T":
            r.bad(f"{where}: tag line {tl} is not labelled T")
            continue
        if en != prev_nonempty(tl):
            r.bad(f"{where}: ends at {en}, expected {prev_nonempty(tl)} (before tag line {tl})")
        try:
            written = parse_tag_line(line(tl))
        except TagSyntaxError as e:
            r.bad(f"{where}: {e}")
            written = None
        if written is not None and written != sec.get("tags"):
            r.bad(f"{where}: gold tags {sec.get('tags')} differ from the tag line {written}")
        r.section_tags |= {t["name"] for t in sec.get("tags", [])}
        section_tag_lines.append(tl)
        previous_tag = tl
    if section_tag_lines != sorted(set(section_tag_lines)):
        r.bad("section tag lines are not in order or repeat")

    # Post tags: the remaining T lines, after every text line, names as written.
    post_lines = [n for n in t_lines if n not in section_tag_lines]
    last_text = max((n for n, v in lab.items() if v in ("W", "C")), default=0)
    last_section_tag = max(section_tag_lines, default=0)
    for n in post_lines:
        if n < last_text or n < last_section_tag:
            r.bad(f"line {n} is T but neither a section tag line nor in the final run of post tag lines")
    if post_lines and any(lab.get(m) in ("W", "C", "T") and m not in post_lines
                          for m in range(post_lines[0], post_lines[-1] + 1)):
        r.bad("the post tag lines are not one run")
    written_post: list[str] = []
    for n in post_lines:
        try:
            written_post += [t["name"] for t in parse_tag_line(line(n))]
        except TagSyntaxError as e:
            r.bad(f"post tag line {n}: {e}")
    if written_post != gold["post_tags"]:
        r.bad(f"post_tags {gold['post_tags']} differ from the post tag lines {written_post}")
    r.post_tags = list(gold["post_tags"])
    return r


def _is_attribution(s: str) -> bool:
    """An attribution has a dash before the name or a date after the handle."""
    after = re.split(r"[(（]@\w{1,50}[)）]", s, maxsplit=1)[-1]
    dated = re.search(r"\d{4}\s*年|\b(?:19|20)\d{2}\b", after) is not None
    return s.lstrip()[:1] in "—―–-" or dated


def _embedded_post_text(n: int, lines: list[str], lab: dict[int, str]) -> bool:
    """Line n and the lines below it with its own label (blank lines skipped) end at an attribution line."""
    label = lab[n]
    m = n + 1
    while m <= len(lines):
        s = lines[m - 1].strip()
        if not s:
            m += 1
            continue
        if lab.get(m) == "M":
            return bool(ATTRIBUTION_RE.match(s)) and _is_attribution(s)
        if lab.get(m) != label:
            return False
        m += 1
    return False


def _pieces(text: str) -> set[str]:
    """Lines and sentences of 25 characters or more: what must not be copied."""
    out = set()
    for ln in text.splitlines():
        ln = ln.strip()
        if len(ln) >= MIN_COPY_CHARS:
            out.add(ln)
        for sent in _SENTENCE_SPLIT_RE.split(ln):
            sent = sent.strip()
            if len(sent) >= MIN_COPY_CHARS:
                out.add(sent)
    return out


def copied(dumps: list[Path], sources: list[Path]) -> list[str]:
    """Problems: a line or sentence of a source file found in one of the dumps."""
    pieces: dict[str, str] = {}
    for f in sources:
        for p in _pieces(f.read_text(encoding="utf-8")):
            pieces.setdefault(p, f.name)
    out = []
    for d in dumps:
        text = d.read_text(encoding="utf-8")
        for p, src in sorted(pieces.items()):
            if p in text:
                out.append(f"{d.stem}: copies a line or sentence of {src}: {p[:60]}")
    return out


@dataclass
class Report:
    dumps: list[DumpCheck]
    problems: list[str]
    section_tag_dumps: dict[str, int]
    post_tag_dumps: dict[str, int]
    notes: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def check_dir(directory: Path, seeds: Path | None = DEFAULT_SEEDS, reference: list[Path] | None = None,
              min_dumps: int = 2) -> Report:
    directory = Path(directory)
    reference = DEFAULT_REFERENCE if reference is None else reference
    txts = sorted(directory.glob("*.txt"))
    problems: list[str] = []
    notes: list[str] = []
    for j in sorted(directory.glob("*.json")):
        if not j.with_suffix(".txt").exists():
            problems.append(f"{j.name}: a gold file without its dump")
    checks = []
    for t in txts:
        g = t.with_suffix(".json")
        if not g.exists():
            problems.append(f"{t.name}: no gold file beside it")
            continue
        try:
            gold = json.loads(g.read_text(encoding="utf-8"))
        except ValueError as e:
            problems.append(f"{g.name}: not JSON ({e})")
            continue
        c = check_dump(t, gold)
        checks.append(c)
        problems += c.problems
    sec = Counter(t for c in checks for t in c.section_tags)
    post = Counter(t for c in checks for t in set(c.post_tags))
    for tag, n in sorted(sec.items()):
        if n < min_dumps:
            problems.append(f"section tag #{tag} occurs in {n} dump(s), fewer than {min_dumps}")
    sources: list[Path] = []
    if seeds is not None:
        if Path(seeds).is_dir():
            sources += sorted(Path(seeds).glob("*.txt"))
        else:
            notes.append(f"seeds not checked: {seeds} is absent")
    for ref in reference:
        if Path(ref).resolve() != directory.resolve() and Path(ref).is_dir():
            sources += sorted(Path(ref).glob("*.txt"))
    problems += copied(txts, sources)
    return Report(checks, problems, dict(sec), dict(post), notes)


def render(rep: Report, directory: Path) -> str:
    out = [f"{directory}: {len(rep.dumps)} dumps with gold"]
    for c in rep.dumps:
        lab = " ".join(f"{k}{c.labels[k]}" for k in "WCTM")
        out.append(f"  {c.name:34s} {c.lines:4d} lines  {lab:22s} sections: {' '.join(sorted(c.section_tags)) or '-'}"
                   f"  post: {' '.join(c.post_tags) or '-'}")
    total = Counter()
    for c in rep.dumps:
        total.update(c.labels)
    out.append(f"  total {sum(total.values())} labelled lines: " + " ".join(f"{k} {total[k]}" for k in "WCTM"))
    by_n: dict[int, list[str]] = defaultdict(list)
    for t, n in rep.section_tag_dumps.items():
        by_n[n].append(t)
    out.append(f"section tags ({len(rep.section_tag_dumps)}), by the number of dumps they occur in:")
    for n in sorted(by_n, reverse=True):
        out.append(f"  {n}: " + " ".join(f"#{t}" for t in sorted(by_n[n])))
    out.append("post tags: " + " ".join(f"#{t} {n}" for t, n in sorted(rep.post_tag_dumps.items(),
                                                                          key=lambda kv: (-kv[1], kv[0]))))
    out += [f"note: {n}" for n in rep.notes]
    if rep.problems:
        out.append(f"{len(rep.problems)} problem(s):")
        out += [f"  {p}" for p in rep.problems]
    else:
        out.append("OK: no problem found")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m training.check_gold", description=__doc__.split("\n\n")[0])
    ap.add_argument("directory", type=Path, help="a directory of NAME.txt dumps with NAME.json gold beside them")
    ap.add_argument("--seeds", type=Path, default=DEFAULT_SEEDS,
                    help=f"the real seed dumps (default {DEFAULT_SEEDS})")
    ap.add_argument("--reference", type=Path, action="append",
                    help="a corpus whose lines must not be copied (default training/corpus); may be repeated")
    ap.add_argument("--min-dumps", type=int, default=2, help="each section tag in at least this many dumps")
    args = ap.parse_args(argv)
    if not args.directory.is_dir():
        print(f"{args.directory}: not a directory", file=sys.stderr)
        return 2
    rep = check_dir(args.directory, args.seeds, args.reference, args.min_dumps)
    print(render(rep, args.directory))
    return 0 if rep.ok else 1


if __name__ == "__main__":
    sys.exit(main())
