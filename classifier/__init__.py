"""Suggest a news-clipping blogger's hashtags and flag commentary inserts in Japanese blog dumps.

>>> from classifier import Predictor, parse
>>> dump = parse(text)                 # structure and rule labels, no model
>>> result = Predictor.load().tag(text)  # final labels, commentary scores, suggested hashtags
>>> result.to_dict()
"""
from __future__ import annotations

__version__ = "0.1.0"

from .document import Block, Dump, Post, Section, Suggestion, Tag  # noqa: E402
from .model_io import ModelError  # noqa: E402
from .parser import parse  # noqa: E402
from .predictor import Predictor  # noqa: E402

__all__ = ["Predictor", "parse", "Dump", "Block", "Section", "Post", "Tag", "Suggestion", "ModelError", "__version__"]
