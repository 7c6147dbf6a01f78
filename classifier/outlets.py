"""The list of news-outlet accounts: data in a file that users extend, not code."""
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
        for n, raw in enumerate(text.splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("@") and len(line) > 1:
                self.handles.add(line[1:].split()[0].lower())
            elif line.lower().startswith("name:") and line[5:].strip():
                self.name_words.append(line[5:].strip().lower())
            else:
                raise OutletFileError(f"{origin}, line {n}: expected '@handle' or 'name: WORD', got {raw!r}")

    def is_outlet(self, handle: str | None, display_name: str | None = None) -> bool:
        """An account is an outlet by its handle, or by a news word in a display name without emoji."""
        if handle and handle.lower() in self.handles:
            return True
        if display_name and not has_emoji(display_name):
            name = display_name.lower()
            return any(w in name for w in self.name_words)
        return False
