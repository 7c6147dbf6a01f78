"""Is a dump Japanese at all? The models know Japanese words only: other text gets labels and tags, but with a
warning naming the file, never silently."""
from __future__ import annotations

SAMPLE_CHARS = 20_000  # enough letters to judge; the rest of a long dump is not looked at
MIN_LETTERS = 40  # below this, too little text to judge (a dump of links and tags)
MIN_SHARE = 0.25  # Japanese news text is mostly kana and kanji; a page of English has next to none


# Counted on the UTF-8 bytes with bytes.translate (C speed; a loop over characters, or a regular expression
# building a match a character, cost several per cent of the tagging time): every character outside ASCII has
# one lead byte (0xC0 and up); kana, CJK punctuation and kanji lead with 0xE3 to 0xE9 (U+3000 to U+9FFF);
# Hangul (0xEA to 0xED), Cyrillic, Latin accents and the rest lead with other bytes.
_ALL = bytes(range(256))
_LEADS = bytes(range(0xC0, 0x100))
_JAPANESE_LEADS = bytes(range(0xE3, 0xEA))
_ASCII_LETTERS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_NOT_ASCII_LETTERS = bytes(b for b in _ALL if b not in _ASCII_LETTERS)


def japanese_share(text: str) -> tuple[float, int]:
    """(share of letters that are Japanese, number of letters) in the first SAMPLE_CHARS characters. A letter is
    an ASCII letter or any character outside ASCII; Japanese, one in the kana, CJK punctuation or kanji blocks."""
    data = text[:SAMPLE_CHARS].encode("utf-8", "surrogatepass")
    others = len(data) - len(data.translate(None, _LEADS))
    japanese = len(data) - len(data.translate(None, _JAPANESE_LEADS))
    letters = len(data.translate(None, _NOT_ASCII_LETTERS)) + others
    return (japanese / letters if letters else 0.0), letters


def not_japanese_warning(text: str, path: str) -> str | None:
    """A warning for text that is not Japanese, or None."""
    share, letters = japanese_share(text)
    if letters >= MIN_LETTERS and share < MIN_SHARE:
        return (f"{path}: does not look like Japanese text ({share:.0%} of its letters are kana or kanji); "
                "tagged anyway, but the labels and tags mean little")
    return None
