"""``spacy-minialbert show``."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from .app import app

EXAMPLE_NOTE = (
    "HISTORY OF PRESENT ILLNESS: A 64-year-old man with type 2 diabetes mellitus and "
    "hypertension presents with two days of chest pain radiating to the left arm. He denies "
    "fever. Family history of colon cancer and Huntington disease.\n"
    "ASSESSMENT AND PLAN: Acute coronary syndrome is suspected; cardiology consult, aspirin "
    "325 mg p.o. now, serial troponins."
)


@app.command("show")
def show_command(
    model: str = typer.Argument(..., help="Installed package name or pipeline directory."),
    text: str | None = typer.Option(
        None, "--text", help="Text to annotate (default: an example note)."
    ),
    file: Path | None = typer.Option(None, "--file", help="Read the text from this file."),
    top: int = typer.Option(5, help="Categories to show."),
    offline: bool = typer.Option(True, "--offline/--online", help="Forbid model-hub access."),
) -> None:
    """Load a pipeline (by package name or path) and print the entities and categories it
    finds in a clinical note."""
    if offline:
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
    import spacy
    from rich.console import Console
    from rich.table import Table

    note = file.read_text(encoding="utf-8") if file is not None else (text or EXAMPLE_NOTE)
    nlp = spacy.load(model)
    doc = nlp(note)
    console = Console()
    meta = nlp.meta
    console.print(
        f"[bold]{model}[/bold] ({meta.get('lang')}_{meta.get('name')} {meta.get('version')}), "
        f"pipeline: {', '.join(nlp.pipe_names)}"
    )
    console.print(note, style="dim")
    from ..medical.attributes import context_flags, section_category

    # Ask the pipeline, not the (process-wide) extension registry.
    factories = set(nlp.pipe_factories.values())
    with_context = "medspacy_context" in factories
    with_sections = "medspacy_sectionizer" in factories
    entities = Table(title=f"{len(doc.ents)} entities")
    for column in ("text", "label", "start", "end"):
        entities.add_column(column)
    if with_context:
        entities.add_column("ConText")
    if with_sections:
        entities.add_column("section")
    for ent in doc.ents:
        row = [ent.text, ent.label_, str(ent.start_char), str(ent.end_char)]
        if with_context:
            row.append(", ".join(flag for flag, on in context_flags(ent).items() if on))
        if with_sections:
            row.append(section_category(ent) or "")
        entities.add_row(*row)
    console.print(entities)
    if doc.cats:
        categories = Table(title=f"top {top} of {len(doc.cats)} categories")
        categories.add_column("category")
        categories.add_column("score", justify="right")
        for label, score in sorted(doc.cats.items(), key=lambda item: -item[1])[:top]:
            categories.add_row(label, f"{score:.3f}")
        console.print(categories)
