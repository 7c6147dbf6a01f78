"""Is a dump Japanese at all? The models know Japanese words only: other text gets labels and tags, but with a
warning naming the file, never silently."""
from __future__ import annotations

SAMPLE_CHARS = 200_000  # enough letters to judge; the rest of a long dump is not looked at
MIN_LETTERS = 40  # below this, too little text to judge (a dump of links and tags)
MIN_SHARE = 0.25  # Japanese news text is mostly kana and kanji; a page of English has next to none


def _is_japanese(ch: str) -> bool:
    o = ord(ch)
    return (0x3040 <= o <= 0x30FF or 0x3400 <= o <= 0x4DBF or 0x4E00 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF
            or 0xFF66 <= o <= 0xFF9F or 0x31F0 <= o <= 0x31FF)


def japanese_share(text: str) -> tuple[float, int]:
    """(share of letters that are kana or kanji, number of letters) in the first SAMPLE_CHARS characters."""
    letters = japanese = 0
    for ch in text[:SAMPLE_CHARS]:
        if ch.isalpha():
            letters += 1
            japanese += _is_japanese(ch)
    return (japanese / letters if letters else 0.0), letters


def not_japanese_warning(text: str, path: str) -> str | None:
    """A warning for text that is not Japanese, or None."""
    share, letters = japanese_share(text)
    if letters >= MIN_LETTERS and share < MIN_SHARE:
        return (f"{path}: does not look like Japanese text ({share:.0%} of its letters are kana or kanji); "
                "tagged anyway, but the labels and tags mean little")
    return None
