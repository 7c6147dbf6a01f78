"""The list of news-outlet accounts: data in files that users extend or trim, not code.

It is a prior, not a verdict: the labeling rules weigh it (classifier/rules.py), and an account's reputation
learned from the archive and the text's register can outweigh it. A display-name word ("新聞", "News") is a
weaker hint than a handle, since opinion accounts call themselves "… News" too.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .patterns import has_emoji

BUNDLED = Path(__file__).resolve().parent / "data" / "outlets.txt"
ENV_VAR = "CLASSIFIER_OUTLETS"  # extra outlet files, separated by os.pathsep


class OutletFileError(ValueError):
    pass


@dataclass
class Outlets:
    handles: set[str] = field(default_factory=set)  # lower case, without "@"
    name_words: list[str] = field(default_factory=list)  # lower case

    @classmethod
    def load(cls, extra: list[str | Path] | None = None) -> "Outlets":
        """The bundled list, plus the files in $CLASSIFIER_OUTLETS and ``extra``."""
        out = cls()
        out.add_text(BUNDLED.read_text(encoding="utf-8"), "classifier/data/outlets.txt")
        env = [p for p in os.environ.get(ENV_VAR, "").split(os.pathsep) if p]
        for path in [*env, *(extra or [])]:
            try:
                text = Path(path).read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError) as e:
                raise OutletFileError(f"{path}: cannot read the outlet list: {e}") from e
            out.add_text(text, str(path))
        return out

    def add_text(self, text: str, origin: str = "<text>") -> None:
        """Entries of an outlet file: ``@handle`` and ``name: WORD`` add; ``-@handle`` and ``-name: WORD``
        remove an entry an earlier file (the bundled list, say) added."""
        for n, raw in enumerate(text.splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            remove = line.startswith("-")
            entry = line[1:].strip() if remove else line
            if entry.startswith("@") and len(entry) > 1:
                handle = entry[1:].split()[0].lower()
                (self.handles.discard if remove else self.handles.add)(handle)
            elif entry.lower().startswith("name:") and entry[5:].strip():
                word = entry[5:].strip().lower()
                if remove:
                    self.name_words = [w for w in self.name_words if w != word]
                elif word not in self.name_words:
                    self.name_words.append(word)
            else:
                raise OutletFileError(f"{origin}, line {n}: expected '@handle', 'name: WORD', '-@handle' or "
                                      f"'-name: WORD', got {raw!r}")

    def listed(self, handle: str | None) -> bool:
        """Is the handle on the list?"""
        return bool(handle) and handle.lower() in self.handles

    def news_name(self, display_name: str | None) -> bool:
        """Does a display name without emoji carry one of the list's news words?"""
        if not display_name or has_emoji(display_name):
            return False
        name = display_name.lower()
        return any(w in name for w in self.name_words)

    def is_outlet(self, handle: str | None, display_name: str | None = None) -> bool:
        """The list's own verdict: an outlet by its handle, or by a news word in a display name without emoji."""
        return self.listed(handle) or self.news_name(display_name)
