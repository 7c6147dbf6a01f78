"""The charts of ``classifier report``, drawn with matplotlib (an optional extra) as inline SVG.

Text stays text (``svg.fonttype = "none"``), so the browser draws Japanese names and emoji with its own fonts;
matplotlib only measures with the fonts it finds (a Japanese one where the machine has it, so labels fit).
Ids and metadata in the SVG are fixed (``svg.hashsalt``, no date), so the same database gives the same page.
"""
from __future__ import annotations

import datetime as dt
import io
import logging
import re
import warnings
from collections.abc import Sequence
from contextlib import contextmanager
from typing import Iterator

import matplotlib
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

# The colours of the dump report (html.py): wire and outlets blue, commentary and other accounts red.
COMMENTARY_COLOUR, OUTLET_COLOUR, ACCOUNT_COLOUR = "#d9480f", "#4a7bd1", "#d9480f"
# Proportional Japanese fonts first (IPAGothic is monospaced): the browser draws with the first it has.
JAPANESE_FONTS = ["Noto Sans CJK JP", "Hiragino Sans", "Yu Gothic", "Meiryo", "IPAPGothic", "IPAexGothic",
                  "IPAGothic", "DejaVu Sans"]
RC = {
    "svg.fonttype": "none",
    "svg.hashsalt": "classifier-report",
    "font.family": "sans-serif",
    "font.sans-serif": JAPANESE_FONTS,
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.unicode_minus": False,
}
_SVG_START = re.compile(r"<svg\b")


@contextmanager
def _style() -> Iterator[None]:
    """Our settings for the length of one chart; a font without a glyph is the browser's business, not a warning."""
    font_log = logging.getLogger("matplotlib.font_manager")
    level = font_log.level
    font_log.setLevel(logging.ERROR)
    try:
        with matplotlib.rc_context(RC), warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*[Gg]lyph.*missing.*")
            warnings.filterwarnings("ignore", message=".*findfont.*")
            yield
    finally:
        font_log.setLevel(level)


def to_svg(fig: Figure) -> str:
    """The figure as an ``<svg>`` element to put inline (the XML prologue and doctype dropped)."""
    out = io.StringIO()
    fig.savefig(out, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches="tight")
    svg = out.getvalue()
    m = _SVG_START.search(svg)
    return svg[m.start():] if m else svg


def commentary_over_time(dates: Sequence[dt.date], shares: Sequence[float], monthly: Sequence[tuple[dt.date, float]]
                         ) -> str:
    """Each post's commentary share (commentary lines of wire and commentary lines) by its date, with the
    monthly mean as a line."""
    import matplotlib.dates as mdates

    with _style():
        fig = Figure(figsize=(10, 3.6))
        ax = fig.add_subplot()
        ax.scatter(dates, shares, s=18, color=COMMENTARY_COLOUR, alpha=0.6, label="a post")
        if monthly:
            ax.plot([m for m, _ in monthly], [v for _, v in monthly], color="#333", linewidth=1.5, marker="o",
                    markersize=3, label="monthly mean")
        ax.set_ylim(-0.03, 1.03)
        ax.set_ylabel("commentary share")
        locator = mdates.AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        ax.grid(axis="y", color="#ddd")
        ax.legend(loc="upper left", frameon=False)
        return to_svg(fig)


def sources_bars(labels: Sequence[str], lines: Sequence[int], posts: Sequence[int], colour: str) -> str:
    """The most clipped accounts of one kind: text lines and posts side by side."""
    with _style():
        fig = Figure(figsize=(10, 0.3 * len(labels) + 0.8))
        left, right = fig.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": [3, 2]})
        y = list(range(len(labels)))
        left.barh(y, lines, color=colour)
        right.barh(y, posts, color=colour, alpha=0.7)
        left.set_yticks(y, labels)
        left.invert_yaxis()
        left.set_xlabel("text lines clipped")
        right.set_xlabel("posts")
        for ax in (left, right):
            ax.grid(axis="x", color="#ddd")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        return to_svg(fig)


def heatmap(rows: Sequence[str], columns: Sequence[str], counts: Sequence[Sequence[int]], xlabel: str,
            annotate: bool = True, rotate: bool = True) -> str:
    """Counts of rows × columns as coloured cells, with the count written in each non-empty cell."""
    with _style():
        fig = Figure(figsize=(max(6.0, 0.42 * len(columns) + 3.0), 0.34 * len(rows) + 1.6))
        ax = fig.add_subplot()
        image = ax.imshow(counts, cmap="Oranges", aspect="auto", vmin=0)
        ax.set_yticks(range(len(rows)), rows)
        ax.set_xticks(range(len(columns)), columns, rotation=60 if rotate else 0, ha="right" if rotate else "center",
                      rotation_mode="anchor")
        ax.set_xlabel(xlabel)
        ax.spines[:].set_visible(False)
        top = max((max(r) for r in counts if r), default=0)
        if annotate:
            for i, row in enumerate(counts):
                for j, n in enumerate(row):
                    if n:
                        ax.text(j, i, str(n), ha="center", va="center", fontsize=7,
                                color="white" if n > top * 0.6 else "#333")
        fig.colorbar(image, ax=ax, shrink=0.8, label="posts", ticks=MaxNLocator(integer=True))
        return to_svg(fig)
