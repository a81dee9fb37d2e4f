"""``spacy-minialbert convert-checkpoint``."""

from __future__ import annotations

from pathlib import Path

import typer

from .app import app


@app.command("convert-checkpoint")
def convert_checkpoint_command(
    source: str = typer.Argument(..., help="Local directory or Hugging Face Hub id."),
    destination: Path = typer.Argument(..., help="Directory to write (our format)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace a non-empty DEST."),
    encoder_only: bool = typer.Option(
        False, "--encoder-only", help="Keep the encoder, drop task heads (e.g. the masked-LM head)."
    ),
    half: bool = typer.Option(
        False, "--half", help="Store the weights in float16 (half the size; they load as float32)."
    ),
) -> None:
    """Convert a published MiniALBERT (nlpie), ALBERT or ALBERT-ACT checkpoint into our format:
    safetensors weights, ``model_type: "minialbert"``, tokenizer files kept."""
    from ..hf.convert import convert_checkpoint

    report = convert_checkpoint(
        source, destination, overwrite=overwrite, encoder_only=encoder_only, half=half
    )
    typer.echo(report.summary())
