"""Where tokens become features: the terms each model counts.

Two kinds of documents:
- a text block, for the commentary model: its words, word pairs and sentence ending, its emoji and links,
  and a little context (the words and kinds of the neighbouring blocks). Attribution lines are never read,
  so the account handle and display name are not features: the model must learn the register.
- a section or a whole post, for the tag models: the topic-bearing words of its text blocks.
Tag lines are never read by either: they are the labels.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from itertools import repeat

from .document import Block, Dump
from .tokenize import PIC_TOKEN, Tokens

ENDING_WORDS = 3  # the last few words of a block: its sentence ending, the strongest register cue
_CLOSERS = frozenset(("。", "」", "』", ")", "）", "!", "！", "?", "？"))


def block_terms(t: Tokens, markers: bool = True) -> list[str]:
    """A block's own terms. With markers=False, emoji and picture links are left out (marker dropout)."""
    words = t.register  # names and numbers as their kind: register, not topic
    return [f"{WORD_PREFIX}{w}" for w in words] + _block_rest(t, words, markers)


WORD_PREFIX = "w:"  # a word's term; scoring looks its words up without making the terms (see commentary_columns)


def _block_rest(t: Tokens, words: tuple[str, ...], markers: bool) -> list[str]:
    """A block's own terms after its words' terms: word pairs, ending, length, sentence ends, markers."""
    terms = [f"b:{a}|{b}" for a, b in zip(words, words[1:])]
    tail = _tail(words)
    if tail:
        terms.append("end:" + "|".join(tail))
    terms.append(f"len:{min(len(words) // 10, 8)}")
    if "「" in words:
        terms += _quote_terms(words)
    terms += [f"sf:{e}" for e in t.endings]
    if t.endings:
        past = t.endings.count("aux:た") / len(t.endings)
        terms.append(f"sf_past:{round(past * 4)}")  # the share of sentences that report the past, in quarters
    if markers:
        terms += [f"e:{e}" for e in t.emoji]
        if t.emoji:
            terms.append("e:<any>")
        terms += [f"l:{x}" for x in t.links]
    else:
        terms += [f"l:{x}" for x in t.links if x != PIC_TOKEN]
    return terms


_AFTER_QUOTE = frozenset(("と", "って", "を", "が", "は", "の", "だ", "に", "も", "。", "、"))


def _quote_terms(words: Sequence[str]) -> list[str]:
    """The shape of each quote: short (a word or a phrase, as scare quotes are) or long (a statement, as a
    report quotes), and the word after it: 「足並み」をそろえる is not 「…」と述べた."""
    out = []
    start = -1
    for j, w in enumerate(words):
        if w == "「":
            start = j
        elif w == "」" and start >= 0:
            after = words[j + 1] if j + 1 < len(words) else ""
            out.append(f"q:{'short' if j - start <= 4 else 'long'}|{after if after in _AFTER_QUOTE else '*'}")
            start = -1
    return out


def _tail(words: Sequence[str]) -> list[str]:
    """The last few words before the closing punctuation."""
    end = len(words)
    while end and words[end - 1] in _CLOSERS:
        end -= 1
    return list(words[max(0, end - ENDING_WORDS) : end])


def _context_terms(block: Block | None, t: Tokens | None, markers: bool) -> list[str]:
    """What a block shows the blocks beside it, without the side's prefix."""
    if block is None:
        return ["k:none"]
    terms = [f"k:{block.kind}"]
    if t is not None:
        # The neighbour's register, not its topic: how it ends, and whether it carries markers.
        tail = _tail(t.words)
        if tail:
            terms.append("end:" + "|".join(tail))
            terms.append(f"last:{tail[-1]}")
        if markers and t.emoji:
            terms.append("e:<any>")
    return terms


def commentary_docs(dump: Dump, tokens: Sequence[Tokens | None], markers: bool = True,
                    indices: Sequence[int] | None = None) -> list[list[str]]:
    """The commentary model's document for every text block of a dump (or for the blocks ``indices`` names),
    in block order."""
    return [[kind, *(f"{WORD_PREFIX}{w}" for w in words), *rest]
            for kind, words, rest in _commentary_parts(dump, tokens, markers, indices)]


def commentary_columns(dump: Dump, tokens: Sequence[Tokens | None], index: Mapping[str, int],
                       word_index: Mapping[str, int], indices: Sequence[int] | None = None
                       ) -> tuple[list[int], list[int]]:
    """What looking up every term of commentary_docs in a model's ``index`` gives (-1 for a term it does not
    know), flat, with each document's number of terms: scoring needs no more. The words are looked up as they
    are in ``word_index`` (the index's word terms without their prefix): their terms are never made, and the
    words' hashes are already known, which spares a string and a hash for almost half of all terms."""
    found: list[int] = []
    lengths: list[int] = []
    get, get_word = index.get, word_index.get
    for kind, words, rest in _commentary_parts(dump, tokens, True, indices):
        found.append(get(kind, -1))
        found += map(get_word, words, repeat(-1))
        found += map(get, rest, repeat(-1))
        lengths.append(1 + len(words) + len(rest))
    return found, lengths


def _commentary_parts(dump: Dump, tokens: Sequence[Tokens | None], markers: bool, indices: Sequence[int] | None
                      ) -> Iterator[tuple[str, tuple[str, ...], list[str]]]:
    """Each text block's document in three parts: its kind's term, its words (whose terms are WORD_PREFIX and
    the word), and the rest of its terms, its neighbours' included."""
    blocks = dump.blocks
    shown: dict[int | None, list[str]] = {}  # each block's context terms, made once for both its neighbours

    def context(prefix: str, j: int | None) -> list[str]:
        if j not in shown:
            shown[j] = _context_terms(None if j is None else blocks[j], _tok(tokens, j), markers)
        return [prefix + x for x in shown[j]]

    for k in range(len(blocks)) if indices is None else indices:
        b, t = blocks[k], tokens[k]
        if t is None:
            continue
        words = t.register  # names and numbers as their kind: register, not topic
        rest = _block_rest(t, words, markers)
        rest += context("p", _neighbour(blocks, k, -1))
        rest += context("n", _neighbour(blocks, k, +1))
        yield f"k:{b.kind}", words, rest


def _neighbour(blocks: list[Block], k: int, step: int) -> int | None:
    """The next block that is not an attribution line (whose text is never read)."""
    j = k + step
    while 0 <= j < len(blocks) and blocks[j].kind == "attribution":
        j += step
    return j if 0 <= j < len(blocks) else None


def _tok(tokens: Sequence[Tokens | None], k: int | None) -> Tokens | None:
    return None if k is None else tokens[k]


def topic_doc(tokens: Sequence[Tokens | None], indices: Sequence[int] | None = None) -> list[str]:
    """The tag models' document: the topic words of the given text blocks (all of them when None)."""
    chosen = range(len(tokens)) if indices is None else indices
    return [w for k in chosen if (t := tokens[k]) is not None for w in t.content]


def words_key(tokens: Sequence[Tokens | None], indices: Sequence[int] | None = None) -> str:
    """The text of the given blocks as its normalized words run together, NFKC and case-folded: where a tag's
    name (tokenized the same way) is looked for."""
    from .suggest import name_key

    chosen = range(len(tokens)) if indices is None else indices
    return name_key("".join(["".join(t.words) for k in chosen if (t := tokens[k]) is not None]))
