"""Sudachi tokenization: where a line of text becomes words.

Choices, and why:
- Split mode C (the longest units). Tags name topics, and topics live in compounds and names
  ("抑止力", "ゼレンスキー", "パトリオット"); mode A would cut them into general words that every topic shares.
  Sentence endings stay separate tokens in every mode, so the register features lose nothing.
- The normalized form. It folds spelling variants and conjugations ("行なう"/"行う", "ウィルス"/"ウイルス",
  "し"/"する" → "為る"), so one topic or one ending is one feature however it was written; the surface
  difference between "ました" and "た" survives as the extra token "ます".
- Links, emoji and pic.twitter.com links are taken out before Sudachi (it would split a URL into letters and
  glue emoji runs into one token) and come back as their own tokens.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from sys import intern

from .patterns import EMOJI_CLUSTER_RE, EMOJI_RE, PIC_LINK_RE, URL_RE

SPLIT_MODE = "C"
# Sudachi refuses inputs above about 49 KB; cut longer lines at sentence ends into pieces of this many characters.
MAX_CHUNK_CHARS = 4000
# Parts of speech that carry a topic (for tag suggestions).
CONTENT_POS = ("名詞", "動詞", "形容詞", "形状詞")
SKIP_CONTENT_POS1 = ("数詞", "非自立可能")

URL_TOKEN, PIC_TOKEN = "<url>", "<pic>"


@dataclass(frozen=True)
class Tokens:
    """The tokens of one block of text."""

    words: tuple[str, ...]  # normalized forms, in order, punctuation included
    content: tuple[str, ...]  # the topic-bearing words among them
    emoji: tuple[str, ...]  # emoji clusters, in order
    links: tuple[str, ...]  # URL_TOKEN / PIC_TOKEN, in order
    endings: tuple[str, ...] = ()  # the shape of each sentence's end outside quotes (see ending_shape)
    # Where the words differ as register sees them: names and numbers stand as their kind ("<人名>", "<地名>",
    # "<数>"), so the commentary model learns how a text speaks, not whom or what it speaks of (topics change,
    # register does not). Flat pairs (position, kind): a second tuple as long as ``words`` would cost a training
    # archive of 100 MB some 120 MB.
    masks: tuple[int | str, ...] = ()

    @property
    def register(self) -> tuple[str, ...]:
        """The words as register sees them."""
        if not self.masks:
            return self.words
        out = list(self.words)
        for j in range(0, len(self.masks), 2):
            out[self.masks[j]] = self.masks[j + 1]  # type: ignore[index]
        return tuple(out)


class Tokenizer:
    """Sudachi (sudachidict-core), created lazily. Safe to share between threads: a Sudachi tokenizer may not be
    used by two threads at once, so each thread gets its own, all made from one dictionary loaded once."""

    def __init__(self, mode: str = SPLIT_MODE, intern: bool = False) -> None:
        self.mode = mode
        self.intern = intern  # intern word forms (training keeps every dump's tokens: memory matters there)
        self._dictionary = None
        self._content_pos: frozenset[int] = frozenset()
        self._infos: list[tuple[bool, str, str | None]] = []
        # one Sudachi tokenizer a thread, by thread id (threading.local's lookup was slow: microseconds a call).
        # A finished thread's id may be given to a new thread, which then reuses its tokenizer: safe, never shared.
        self._by_thread: dict[int, object] = {}
        self._lock = threading.Lock()

    def __getstate__(self) -> dict:
        return {"mode": self.mode, "intern": self.intern}  # Sudachi objects stay behind; a copy makes its own

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["mode"], state.get("intern", False))

    def _sudachi(self):
        tok = self._by_thread.get(threading.get_ident())
        if tok is None:
            with self._lock:
                if self._dictionary is None:
                    from sudachipy import Dictionary

                    dictionary = Dictionary(dict="core")
                    # Topic-bearing parts of speech as ids: an int lookup per token, not a tuple of strings.
                    table = _all_pos(dictionary)
                    self._content_pos = frozenset(
                        i for i, pos in enumerate(table) if pos[0] in CONTENT_POS and pos[1] not in SKIP_CONTENT_POS1
                    )
                    # what one part-of-speech id tells, in one lookup a token: topic-bearing? ending shape? mask?
                    self._infos = [(i in self._content_pos, ending_shape(pos), register_mask(pos))
                                   for i, pos in enumerate(table)]
                    self._dictionary = dictionary
                from sudachipy import SplitMode

                # Dictionary.tokenizer() since SudachiPy 0.6.9, create() before
                make = getattr(self._dictionary, "tokenizer", None) or self._dictionary.create
                tok = make(mode=getattr(SplitMode, self.mode))
            self._by_thread[threading.get_ident()] = tok
        return tok

    def tokenize(self, text: str) -> Tokens:
        links: tuple[str, ...] = ()
        rest = text
        if "http" in text or "www." in text or "pic.twitter" in text:  # most lines have no link at all
            links = tuple(PIC_TOKEN if PIC_LINK_RE.fullmatch(m.group()) else URL_TOKEN for m in URL_RE.finditer(text))
            rest = URL_RE.sub(" ", text)
        emoji: tuple[str, ...] = ()
        # Every cluster starts with an emoji character, and the one-character class is found faster than the
        # cluster pattern, which most lines do not need at all.
        if EMOJI_RE.search(rest):
            emoji = tuple(m.group() for m in EMOJI_CLUSTER_RE.finditer(rest))
            rest = EMOJI_CLUSTER_RE.sub(" ", rest)
        words: list[str] = []
        content: list[str] = []
        endings: list[str] = []
        masks: list[int | str] = []
        add_word, add_content = words.append, content.append
        tok = self._sudachi()
        infos = self._infos
        interning = self.intern  # one string per word form: a large training corpus fits in memory
        marks, sentence_ends, open_quotes = _MARKS, _SENTENCE_ENDS, _OPEN_QUOTES  # locals: read once a token
        depth = 0  # inside 「…」: a quoted sentence's end is someone else's voice
        # the last word's shape and form, read when a sentence ends (two names, not a tuple made a token)
        last_shape: str | None = None
        last_form = ""
        for chunk in _chunks(rest):
            for m in tok.tokenize(chunk):
                form = m.normalized_form()
                if not form or form.isspace():
                    continue
                if interning:
                    form = intern(form)
                add_word(form)
                is_content, shape, mask = infos[m.part_of_speech_id()]
                if mask:
                    masks += (len(words) - 1, mask)
                if is_content:
                    add_content(form)
                if form not in marks:
                    last_shape, last_form = shape, form
                elif form in sentence_ends:
                    if depth == 0 and last_shape is not None:
                        endings.append(_ending(last_shape, last_form))
                    last_shape = None
                elif form in open_quotes:
                    depth += 1
                elif depth:
                    depth -= 1
        if last_shape is not None and depth == 0:
            # a block that ends without a full stop: a headline, a caption
            endings.append("open:" + _ending(last_shape, last_form))
        return Tokens(tuple(words), tuple(content), emoji, links, tuple(endings), tuple(masks))


def _ending(shape: str, form: str) -> str:
    return f"{shape}:{form}" if shape in _SHAPE_BY_FORM else shape


_OPEN_QUOTES = frozenset("「『“")
_CLOSE_QUOTES = frozenset("」』”")
_SENTENCE_ENDS = frozenset(("。", "．", "！", "？", "!", "?"))
_MARKS = _OPEN_QUOTES | _CLOSE_QUOTES | _SENTENCE_ENDS
# Shapes whose word itself matters: "た" (a report of the past) against "だ", "か", "ない" (judging, asking).
_SHAPE_BY_FORM = frozenset(("aux", "particle"))


def ending_shape(pos: tuple[str, ...]) -> str:
    """How a sentence ends, by the part of speech of its last word: register, not topic. Japanese news copy ends
    its sentences in the past ("…た。"); opinion ends them in the present, in nouns, in adjectives, in questions."""
    head = pos[0]
    if head == "助動詞":
        return "aux"
    if head == "助詞":
        return "particle"
    if head in ("動詞", "形容詞"):
        return f"{'verb' if head == '動詞' else 'adj'}:{pos[5].split('-')[0]}"
    return {"名詞": "noun", "代名詞": "noun", "形状詞": "adjnoun", "接尾辞": "suffix", "副詞": "adverb",
            "補助記号": "symbol"}.get(head, "other")


def register_mask(pos: tuple[str, ...]) -> str | None:
    """What a word stands as for the commentary model: proper nouns by their kind, numerals as one; else None
    (the word itself)."""
    if pos[0] == "名詞" and pos[1] == "固有名詞":
        return "<" + (pos[2] if pos[2] in ("人名", "地名") else "固有名詞") + ">"
    if pos[0] == "名詞" and pos[1] == "数詞":
        return "<数>"
    return None


def dictionary_version() -> str:
    """The installed sudachidict-core version, from its dist-info directory (importlib.metadata is slower)."""
    import sudachidict_core

    site = Path(sudachidict_core.__file__).resolve().parent.parent
    for info in site.glob("sudachidict_core-*.dist-info"):
        return info.name.removeprefix("sudachidict_core-").removesuffix(".dist-info")
    from importlib.metadata import version

    return version("sudachidict-core")


def name_key(tokenizer: "Tokenizer", name: str) -> str:
    """A name as its normalized words run together: two spellings of one word give the same key."""
    return "".join(tokenizer.tokenize(name).words)


def _all_pos(dictionary) -> list[tuple[str, ...]]:
    """Every part of speech of the dictionary, by id (pos_of returns None past the last one)."""
    out = []
    while (pos := dictionary.pos_of(len(out))) is not None:
        out.append(pos)
    return out


def _chunks(text: str) -> list[str]:
    if len(text) <= MAX_CHUNK_CHARS:
        return [text] if text.strip() else []
    out: list[str] = []
    start = 0
    while start < len(text):
        end = min(start + MAX_CHUNK_CHARS, len(text))
        if end < len(text):
            cut = text.rfind("。", start, end)
            end = cut + 1 if cut > start else end
        if text[start:end].strip():
            out.append(text[start:end])
        start = end
    return out
