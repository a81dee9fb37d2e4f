"""A displaCy page of sample predictions next to the gold annotation."""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

from spacy import displacy
from spacy.language import Language
from spacy.tokens import Doc
from spacy.training import Example

PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; max-width: 1100px; }}
.pair {{ display: grid; grid-template-columns: 1fr 1fr; gap: 1.5em; border-top: 1px solid #ccc;
        padding-top: 1em; margin-top: 1em; }}
h3 {{ margin: 0.2em 0; font-size: 0.95em; color: #555; }}
table {{ border-collapse: collapse; font-size: 0.85em; margin-top: 0.5em; }}
td, th {{ padding: 2px 8px; border-bottom: 1px solid #eee; text-align: left; }}
.miss {{ color: #b00; }}
</style></head><body><h1>{title}</h1><p>{summary}</p>{body}</body></html>
"""


def render_predictions(
    nlp: Language, examples: Sequence[Example], path: Path, *, max_docs: int = 10,
    max_chars: int = 3000,
) -> None:  # fmt: skip
    """Write an HTML page: for each of the first ``max_docs`` examples, gold entities (left)
    and predicted ones (right), and the categories; long notes are cut at ``max_chars``."""
    chosen = list(examples[:max_docs])
    predicted = list(nlp.pipe(example.reference.text for example in chosen))
    labels = sorted(
        {e.label_ for ex in chosen for e in ex.reference.ents} | set(nlp.pipe_labels.get("ner", []))
    )
    options = {"ents": labels, "colors": dict(zip(labels, _palette(len(labels)), strict=True))}
    parts = []
    for index, (example, doc) in enumerate(zip(chosen, predicted, strict=True)):
        parts.append(
            f'<div class="pair"><div><h3>#{index + 1} gold</h3>'
            f"{_ents(example.reference, max_chars, options)}</div>"
            f"<div><h3>#{index + 1} predicted</h3>{_ents(doc, max_chars, options)}"
            f"{_cats(example.reference, doc)}</div></div>"
        )
    summary = f"{len(chosen)} of {len(examples)} documents; pipeline: {', '.join(nlp.pipe_names)}"
    path.write_text(
        PAGE.format(title="Sample predictions", summary=html.escape(summary), body="".join(parts)),
        encoding="utf-8",
    )


def _palette(n: int) -> list[str]:
    """Distinct light colours, so each label is recognisable at a glance."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    cmap = colormaps["Set3"]
    return [to_hex(cmap(i % cmap.N)) for i in range(n)]


def _ents(doc: Doc, max_chars: int, options: dict) -> str:
    cut = doc.text[:max_chars]
    ents = [
        {"start": e.start_char, "end": e.end_char, "label": e.label_}
        for e in doc.ents
        if e.end_char <= max_chars
    ]
    more = "…" if len(doc.text) > max_chars else ""
    data = {"text": cut + more, "ents": ents, "title": None}
    return displacy.render(data, style="ent", manual=True, page=False, options=options)


def _cats(gold: Doc, predicted: Doc) -> str:
    if not predicted.cats:
        return ""
    top = sorted(predicted.cats.items(), key=lambda item: -item[1])[:5]
    gold_labels = {label for label, value in gold.cats.items() if value >= 0.5}
    rows = "".join(
        f"<tr><td>{html.escape(label)}</td><td>{score:.2f}</td>"
        f"<td>{'gold' if label in gold_labels else ''}</td></tr>"
        for label, score in top
    )
    missed = sorted(gold_labels - {label for label, _ in top})
    miss = (
        f'<p class="miss">gold, not in the top 5: {html.escape(", ".join(missed))}</p>'
        if missed
        else ""
    )
    return f"<table><tr><th>predicted category</th><th>score</th><th></th></tr>{rows}</table>{miss}"
