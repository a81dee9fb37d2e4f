"""One note as an HTML page: displaCy's entity view with the ConText modifiers and section titles
marked in the text, and a table with every entity's attributes underneath.

displaCy's entity style cannot show overlapping spans, so in the text an entity wins over a
modifier and a modifier over a section title; the table lists every entity, its modifiers and
section regardless, so nothing is hidden.
"""

from __future__ import annotations

import html
from typing import Any

from spacy import displacy
from spacy.tokens import Doc

from ..medical.attributes import CONTEXT_FLAGS, context_flags, modifiers, section_category, sections

_ENTITY_COLORS = ("#7aecec", "#bfeeb7", "#feca74", "#aa9cfc", "#ff9561", "#c887fb", "#9cc9cc")
_MODIFIER_COLOR = "#f2b8c6"
_SECTION_COLOR = "#dee0e3"


def render_html(doc: Doc, *, title: str) -> str:
    """A standalone HTML page for ``doc`` (processed by the annotation pipeline)."""
    spans, colors = _marked_spans(doc)
    markup = displacy.render(
        {"text": doc.text, "ents": spans, "title": None},
        style="ent",
        manual=True,
        page=False,
        jupyter=False,
        options={"colors": colors},
    )
    return _PAGE.format(
        title=html.escape(title),
        markup=markup,
        table=_entity_table(doc),
        categories=_categories(doc),
    )


def _marked_spans(doc: Doc) -> tuple[list[dict[str, Any]], dict[str, str]]:
    palette = sorted({entity.label_ for entity in doc.ents})
    base = {label: _ENTITY_COLORS[i % len(_ENTITY_COLORS)] for i, label in enumerate(palette)}
    colors: dict[str, str] = {}
    candidates: list[tuple[int, int, int, str]] = []  # (priority, start, end, label)
    for entity in doc.ents:
        flags = [name for name, value in context_flags(entity).items() if value]
        label = entity.label_ + (f" ({', '.join(flags)})" if flags else "")
        colors[label] = base[entity.label_]
        candidates.append((0, entity.start_char, entity.end_char, label))
        for modifier in modifiers(entity):
            label = f"ConText: {modifier.category}"
            colors[label] = _MODIFIER_COLOR
            candidates.append((1, modifier.start, modifier.end, label))
    for section in sections(doc):
        if section.category is not None and section.title_end > section.title_start:
            label = f"section: {section.category}"
            colors[label] = _SECTION_COLOR
            candidates.append((2, section.title_start, section.title_end, label))
    chosen: list[tuple[int, int, str]] = []
    for _, start, end, label in sorted(set(candidates)):
        if all(end <= s or start >= e for s, e, _ in chosen):
            chosen.append((start, end, label))
    spans = [{"start": s, "end": e, "label": label} for s, e, label in sorted(chosen)]
    return spans, colors


def _entity_table(doc: Doc) -> str:
    header = ["text", "label", "start", "end", *CONTEXT_FLAGS, "section", "modifiers"]
    rows = []
    for entity in doc.ents:
        flags = context_flags(entity)
        cells = [
            entity.text,
            entity.label_,
            str(entity.start_char),
            str(entity.end_char),
            *("yes" if flags[name] else "" for name in CONTEXT_FLAGS),
            section_category(entity) or "",
            "; ".join(f"{m.category} ({m.text!r})" for m in modifiers(entity)),
        ]
        rows.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    if not rows:
        return "<p>No entities.</p>"
    head = "<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in header) + "</tr>"
    return f"<table>{head}{''.join(rows)}</table>"


def _categories(doc: Doc) -> str:
    if not doc.cats:
        return ""
    items = sorted(doc.cats.items(), key=lambda item: -item[1])
    cells = "".join(f"<li>{html.escape(label)}: {score:.3f}</li>" for label, score in items)
    return f"<h2>Categories</h2><ul>{cells}</ul>"


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font-family: -apple-system, "Segoe UI", sans-serif; margin: 2em; }}
table {{ border-collapse: collapse; margin-top: 1em; }}
th, td {{ border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: left; }}
</style>
</head>
<body>
<h1>{title}</h1>
<p>Entities with their ConText attributes, ConText modifiers (pink) and section titles (grey).</p>
{markup}
<h2>Entities</h2>
{table}
{categories}
</body>
</html>
"""


def render_note(nlp: Any, text: str, *, title: str) -> str:
    """Run ``nlp`` (the annotation pipeline) on ``text`` and render it."""
    return render_html(nlp(text), title=title)
