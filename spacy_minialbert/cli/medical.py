"""``spacy-minialbert add-context``."""

from __future__ import annotations

from pathlib import Path

import typer

from .app import app


@app.command("add-context")
def add_context_command(
    in_pipeline: str = typer.Argument(..., help="Trained pipeline: package name or directory."),
    out_pipeline: Path = typer.Argument(..., help="Directory to write the composed pipeline."),
    sections: bool = typer.Option(
        True, "--sections/--no-sections", help="Add medspaCy's sectionizer."
    ),
    context: bool = typer.Option(True, "--context/--no-context", help="Add medspaCy's ConText."),
    target_rules: Path | None = typer.Option(
        None, "--target-rules", help="medspaCy target rules (JSON) for entities the model lacks."
    ),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace a non-empty OUT_PIPELINE."),
) -> None:
    """Compose medspaCy around a trained pipeline: sentence boundaries that save, the
    sectionizer and ConText (and target rules), keeping its tokenizer. The result loads with
    spacy.load without importing medspaCy; package it with `spacy package`."""
    import spacy

    from ..medical import add_clinical_context

    if out_pipeline.exists() and any(out_pipeline.iterdir()) and not overwrite:
        raise ValueError(f"{out_pipeline} is not empty; give --overwrite to replace it.")
    nlp = spacy.load(in_pipeline)
    add_clinical_context(nlp, sections=sections, context=context, target_rules=target_rules)
    # spaCy's to_disk creates only the last folder of the path.
    out_pipeline.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(out_pipeline)
    typer.echo(f"Wrote {out_pipeline}: {', '.join(nlp.pipe_names)}.")
