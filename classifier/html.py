"""`tag --format html`: one self-contained page for a dump or a batch (no network, no CDN).

Every line is coloured by its label with the commentary score beside it (and on hover); each section shows its
existing and suggested tags; the post's tags close the dump; a checkbox shows only commentary. Each dump opens
with its summary and carries its counts as data attributes, from which a small script builds the summary table
at the top: the page is written dump by dump (by worker processes too), never held in memory as a whole.

Nothing in a dump can take over the page: text is escaped; control characters (invalid in HTML) and
bidirectional embeddings, overrides, isolates and marks are shown as marked escapes (``\x1b``, ``<U+202E>``,
see classifier/display.py), and each line's text is its own bidirectional isolate (``<bdi>``), so right-to-left
text in one line never reorders its neighbours.
"""
from __future__ import annotations

import hashlib
from html import escape

from .display import shown_path, split_hidden, visible
from .document import Dump, Suggestion, Tag
from .render import block_evidence_lines, suggestion_evidence_lines

CSS = """
body{font:14px/1.5 system-ui,-apple-system,"Hiragino Sans","Noto Sans CJK JP",sans-serif;margin:0;color:#222;background:#fafafa}
header{position:sticky;top:0;background:#fff;border-bottom:1px solid #ddd;padding:8px 16px;z-index:2}
h1{font-size:18px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 4px;word-break:break-all}
main{padding:0 16px 32px}.dump-summary{margin:0 0 8px;color:#555}
table.summary{border-collapse:collapse;margin:12px 0;font-size:13px}
table.summary td,table.summary th{border:1px solid #ddd;padding:3px 8px;text-align:right}
table.summary td:first-child,table.summary th:first-child{text-align:left}
.legend span{display:inline-block;padding:0 8px;margin-right:6px;border-radius:3px}
.line{display:grid;grid-template-columns:4.5em 6.5em 3.5em 1fr;gap:6px;padding:1px 6px;border-left:4px solid transparent;white-space:pre-wrap;word-break:break-all}
.line .x{unicode-bidi:isolate}.ctl{color:#b00;background:#fee;border-radius:2px;font-family:monospace}
.line .n{color:#888;text-align:right}.line .l{font-size:12px;color:#555}.line .s{font-size:12px;color:#555;text-align:right}
.wire{background:#eef5ff;border-left-color:#4a7bd1}
.commentary{background:#ffe9e3;border-left-color:#d9480f;font-weight:500}
.tag{background:#f1ffe9;border-left-color:#4c9a2a;color:#2b6a12}
.meta{background:#f3f3f3;border-left-color:#bbb;color:#777}
.section{margin:4px 0 12px 4.5em;padding:4px 8px;border:1px dashed #aaa;background:#fff;font-size:13px}
.post{margin:8px 0 0;padding:6px 8px;border:2px solid #4c9a2a;background:#fff}
.tags .t{display:inline-block;margin:1px 4px;padding:0 6px;border-radius:10px;background:#e7f1e1}
.tags .sug{background:#fff3bf}
.error{color:#b00020;font-weight:600}
.evidence{display:none;grid-column:1/-1;margin:2px 0 4px 12em;padding:4px 8px;background:#fff;border:1px solid #ccc;font:12px/1.4 ui-monospace,monospace;color:#333;white-space:pre-wrap;font-weight:400}
.has-evidence{cursor:pointer}.has-evidence.open>.evidence{display:block}
.t.has-evidence{position:relative}.t.has-evidence.open>.evidence{position:absolute;z-index:3;left:0;top:1.6em;width:48em;margin:0}
body.only-commentary .line:not(.commentary),body.only-commentary .section{display:none}
"""

SCRIPT = """
// Evidence (tag --explain): a click on a line or a suggested tag shows why it got its label or was suggested.
document.querySelectorAll('.has-evidence').forEach(function (el) {
  el.addEventListener('click', function (e) { e.stopPropagation(); el.classList.toggle('open'); });
});
document.getElementById('only-commentary').addEventListener('change', function (e) {
  document.body.classList.toggle('only-commentary', e.target.checked);
});
// The summary table, from the counts each dump carries (the page is written dump by dump).
var body = document.querySelector('#summary tbody');
document.querySelectorAll('section.dump').forEach(function (d) {
  var tr = document.createElement('tr');
  var a = document.createElement('a');
  a.href = '#' + d.id; a.textContent = d.dataset.name;
  var first = document.createElement('td'); first.appendChild(a); tr.appendChild(first);
  if (d.dataset.failed) {
    var td = document.createElement('td'); td.colSpan = 8; td.className = 'error';
    td.textContent = 'not tagged (see below)'; tr.appendChild(td);
  } else {
    ['lines', 'wire', 'commentary', 'tag', 'meta', 'sections', 'post', 'suggested'].forEach(function (k) {
      var td = document.createElement('td'); td.textContent = d.dataset[k]; tr.appendChild(td);
    });
  }
  body.appendChild(tr);
});
// A report that misses inputs says so at the top.
var failed = document.querySelectorAll('section.dump.failed').length;
if (failed) {
  var p = document.createElement('p'); p.className = 'error'; p.id = 'incomplete';
  p.textContent = 'Incomplete: ' + failed + ' input(s) could not be tagged; they are listed in place below.';
  document.querySelector('header').appendChild(p);
}
"""

HEAD = (
    '<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>classifier report</title>'
    "<style>{css}</style></head><body><header><h1>classifier report</h1>"
    '<label><input type="checkbox" id="only-commentary"> show only commentary</label> '
    '<span class="legend"><span class="wire">wire</span><span class="commentary">commentary</span>'
    '<span class="tag">tag</span><span class="meta">meta</span></span></header><main>'
    '<table class="summary" id="summary"><thead><tr><th>dump</th><th>lines</th><th>wire</th><th>commentary</th>'
    "<th>tag</th><th>meta</th><th>sections</th><th>post tags</th><th>suggested for the post</th></tr></thead>"
    "<tbody></tbody></table>"
)
LABELS = ("wire", "commentary", "tag", "meta")


def page_head() -> str:
    return HEAD.format(css=CSS)


def page_tail() -> str:
    return f"</main><script>{SCRIPT}</script></body></html>\n"


def dump_html(dump: Dump) -> str:
    """One dump's section of the page: its summary, its lines, its sections' and post's tags."""
    labels = dump.line_labels()
    scores = {m: b.commentary_score for b in dump.blocks for m in range(b.start_line, b.end_line + 1)}
    section_end = {s.end_line: s for s in dump.sections}
    counts = {k: 0 for k in LABELS}
    for label in labels.values():
        counts[label] += 1
    key = f"{dump.path}:{dump.line_base}".encode("utf-8", "surrogateescape")  # the name's own bytes
    ident = "dump-" + hashlib.sha1(key).hexdigest()[:12]
    data = {
        "name": _where(dump), "lines": len(labels), **counts, "sections": len(dump.sections),
        "post": " ".join("#" + t.name for t in dump.post.existing),
        "suggested": " ".join("#" + x.tag for x in dump.post.suggested[:3]),
    }
    attrs = " ".join(f'data-{k}="{escape(visible(str(v)))}"' for k, v in data.items())
    parts = [
        f'<section class="dump" id="{ident}" {attrs}><h2><bdi>{_text(_where(dump))}</bdi></h2>'
        f'<p class="dump-summary">{len(labels)} lines: {counts["wire"]} wire, {counts["commentary"]} commentary, '
        f'{counts["tag"]} tag, {counts["meta"]} meta; {len(dump.sections)} sections</p>'
    ]
    evidence = {b.end_line: b.evidence for b in dump.blocks if b.evidence is not None}
    for ln in dump.lines:
        label = labels.get(ln.number)
        number = ln.number + dump.line_base
        if label is not None:
            score = scores.get(ln.number)
            shown = f"{score:.2f}" if score is not None else ""
            hover = f' title="commentary score {score:.3f}"' if score is not None else ""
            why = ""
            if ln.number in evidence:  # shown when the line is clicked
                why = '<div class="evidence">' + "".join(
                    f"<div>{_text(x.strip())}</div>" for x in block_evidence_lines(evidence[ln.number])) + "</div>"
            parts.append(
                f'<div class="line {label}{" has-evidence" if why else ""}" data-line="{number}"{hover}>'
                f'<span class="n">{number}</span><span class="l">{label}</span><span class="s">{shown}</span>'
                f'<bdi class="x">{_text(ln.text)}</bdi>{why}</div>'
            )
        if ln.number in section_end:
            s = section_end[ln.number]
            where = f"section, lines {s.start_line + dump.line_base}-{s.end_line + dump.line_base}"
            parts.append(f'<div class="section"><b>{where}</b>{_tags(s.existing, s.suggested, dump.scored)}</div>')
    parts.append(f'<div class="post"><b>post</b>{_tags(dump.post.existing, dump.post.suggested, dump.scored)}</div>')
    parts.append("</section>")
    return "".join(parts)


def error_html(path: str, message: str) -> str:
    """An input that failed, in its place among the dumps, counted in the summary table as failed."""
    name = shown_path(path)
    ident = "dump-" + hashlib.sha1(f"{name}:error".encode()).hexdigest()[:12]
    return (f'<section class="dump failed" id="{ident}" data-name="{escape(name)}" data-failed="1">'
            f'<h2>{escape(name)}</h2><p class="error">not tagged: {escape(visible(message))}</p></section>')


def _where(dump: Dump) -> str:
    name = shown_path(dump.path)
    return f"{name} (from line {dump.line_base + 1})" if dump.line_base else name


def _text(text: str) -> str:
    """Escaped text whose controls and bidirectional marks are shown, marked, instead of acting."""
    return "".join(f'<span class="ctl">{escape(visible(piece))}</span>' if hidden else escape(piece)
                   for piece, hidden in split_hidden(text))


def _suggestion(s: Suggestion) -> str:
    if not s.evidence:
        return f'<span class="t sug">#{_text(s.tag)} {s.score:.2f}</span>'
    why = "".join(f"<div>{_text(x.strip())}</div>" for x in suggestion_evidence_lines([s], ""))
    return (f'<span class="t sug has-evidence">#{_text(s.tag)} {s.score:.2f}'
            f'<span class="evidence">{why}</span></span>')


def _tags(existing: list[Tag], suggested: list[Suggestion], scored: bool) -> str:
    out = ' <span class="tags existing">existing: '
    out += "".join(f'<span class="t" title="{escape(visible(t.note))}">#{_text(t.name)}</span>'
                   for t in existing) or "none"
    out += "</span>"
    if scored:
        out += ' <span class="tags suggested">suggested: '
        out += "".join(_suggestion(s) for s in suggested) or "none"
        out += "</span>"
    return out
