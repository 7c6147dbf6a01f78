"""Commentary comes in runs: a two-state smoothing of the verdicts over the text blocks of each clip.

A clip is an embedded post and the paragraphs under it, or a run of paragraphs between chrome and tag lines. Its
text blocks are read as a hidden Markov chain of wire and commentary: the chance that a clip opens with
commentary, and the chances of going from wire to commentary and of staying in commentary, are counted on the
training archive's labels (with a prior, so a small archive cannot make them 0 or 1). Each block's own evidence
(rules and model, as log-odds) is its emission; forward-backward gives each block's probability of commentary
given the whole clip. A marked line then carries the unmarked lines after it, and an opinion paragraph pasted
after a wire article's last report line keeps its own verdict, since commentary rarely turns back into wire
within a clip.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from .document import BODY, CHROME, POST_TEXT, TAG, Dump
from .patterns import LEADING_EMOJI_RE
from .rules import SIGN_OFF_RE, has_wire_lead

PRIOR_TRANSITIONS = 20.0  # pseudo-counts of the prior below
PRIOR = {"start": 0.2, "enter": 0.15, "stay": 0.8}  # P(first is C), P(C after W), P(C after C)


@dataclass
class Transitions:
    start: float  # P(commentary) for a clip's first text block
    enter: float  # P(commentary | the block before was wire)
    stay: float  # P(commentary | the block before was commentary)

    def to_dict(self) -> dict[str, float]:
        return {"start": round(self.start, 6), "enter": round(self.enter, 6), "stay": round(self.stay, 6)}

    @classmethod
    def from_dict(cls, d: dict) -> "Transitions":
        values = [d.get(k) for k in ("start", "enter", "stay")]
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and 0.0 < v < 1.0 for v in values):
            raise ValueError("transitions: start, enter and stay should be probabilities strictly inside (0, 1)")
        return cls(*(float(v) for v in values))

    def smooth(self, evidence: Sequence[float]) -> list[float]:
        """P(commentary) of each block of one clip, given every block's evidence (log-likelihood ratios).

        Forward-backward in probability space, each step's pair scaled to sum 1 (as in Rabiner's scaled
        algorithm), so no logarithm is needed; evidence is capped at ±EVIDENCE_CAP, where the answer is 0 or 1
        to far more places than a score keeps. Clips are short: plain Python beats NumPy's per-call cost here."""
        n = len(evidence)
        if n == 0:
            return []
        enter, stay, start = self.enter, self.stay, self.start
        ratio = [math.exp(max(min(e, EVIDENCE_CAP), -EVIDENCE_CAP)) for e in evidence]
        w, c = 1.0 - start, start * ratio[0]
        fwd = [(w / (w + c), c / (w + c))]
        for i in range(1, n):
            pw, pc = fwd[-1]
            w = pw * (1.0 - enter) + pc * (1.0 - stay)
            c = (pw * enter + pc * stay) * ratio[i]
            fwd.append((w / (w + c), c / (w + c)))
        out = [0.0] * n
        bw = bc = 1.0
        for i in range(n - 1, -1, -1):
            if i < n - 1:
                e = ratio[i + 1]
                bw, bc = (1.0 - enter) * bw + enter * e * bc, (1.0 - stay) * bw + stay * e * bc
                total = bw + bc
                bw, bc = bw / total, bc / total
            fw, fc = fwd[i]
            out[i] = fc * bc / (fw * bw + fc * bc)
        return out


EVIDENCE_CAP = 300.0


def clips(dump: Dump, verdicts: Sequence | None = None) -> list[list[int]]:
    """The text blocks of each clip, by block index, in order.

    A clip ends at a tag or chrome line, before a new embedded post, before a line that opens with an emoji (an
    insert's header) and after a 🐸 sign-off (its last line), and before a paragraph that opens like a news
    report ("…は30日、"): an article pasted without its post starts there."""
    out: list[list[int]] = []
    current: list[int] = []
    for k, b in enumerate(dump.blocks):
        is_text = b.is_text
        emoji_head = is_text and LEADING_EMOJI_RE.match(b.text) is not None
        sign_off = emoji_head and SIGN_OFF_RE.match(b.text) is not None  # the frog is an emoji: looked for after one
        new_post = b.kind == POST_TEXT and current and not _same_post(dump, current[-1], k)
        # a report's lead after other paragraphs (not the first paragraph under a post) opens a pasted article
        new_article = (is_text and b.kind != POST_TEXT and current and k > 0 and dump.blocks[k - 1].kind == BODY
                       and _wire_lead(b.text, verdicts[k] if verdicts is not None else None))
        new_insert = emoji_head and current and not sign_off  # a 🐸 line closes an insert, it opens none
        if b.kind in (TAG, CHROME) or new_post or new_article or new_insert:
            if current:
                out.append(current)
            current = []
        if is_text:
            current.append(k)
            if sign_off:
                out.append(current)
                current = []
    if current:
        out.append(current)
    return out


def _wire_lead(text: str, verdict) -> bool:
    """Does the block open like a report? The rules' verdict already knows (its wire_lead vote)."""
    if verdict is not None:
        return "wire_lead" in verdict.votes
    return has_wire_lead(text)


def _same_post(dump: Dump, prev: int, k: int) -> bool:
    """Consecutive lines of one embedded post (a head line, a lead, a link line) stay in one clip."""
    a, b = dump.blocks[prev], dump.blocks[k]
    return a.kind == POST_TEXT and b.kind == POST_TEXT and k == prev + 1


def fit(label_runs: Sequence[Sequence[bool]]) -> Transitions:
    """Transition chances counted over clips' labels (True for commentary), with the prior as pseudo-counts."""
    counts = {"start": [0, 0], "enter": [0, 0], "stay": [0, 0]}
    for run in label_runs:
        if not run:
            continue
        counts["start"][run[0]] += 1
        for a, b in zip(run, run[1:]):
            counts["stay" if a else "enter"][b] += 1
    return Transitions(*(
        (c[1] + PRIOR_TRANSITIONS * PRIOR[k]) / (c[0] + c[1] + PRIOR_TRANSITIONS) for k, c in counts.items()
    ))
