"""``spacy-minialbert quantize``."""

from __future__ import annotations

from pathlib import Path

import typer

from .app import app


@app.command("quantize")
def quantize_command(
    source: str = typer.Argument(..., help="A trained pipeline: directory or package name."),
    destination: Path = typer.Argument(..., help="Directory to write the compressed pipeline."),
    int8: bool = typer.Option(
        True, "--int8/--no-int8", help="Quantize the linear layers to int8 (CPU inference)."
    ),
    storage: str = typer.Option(
        "float16",
        "--storage",
        help="Dtype of the saved floating weights: float16, bfloat16 or float32.",
    ),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace a non-empty DEST."),
) -> None:
    """Compress a trained pipeline for CPU inference: int8 dynamic quantization of the
    MiniALBERT linear layers and half-precision storage of the remaining weights. The result
    loads with ``spacy.load`` (and packages with ``spacy package``) like any pipeline."""
    import spacy

    from ..pipeline.compress import compress_pipeline

    if destination.exists() and any(destination.iterdir()) and not overwrite:
        raise ValueError(f"{destination} is not empty (use --overwrite to replace it).")
    nlp = spacy.load(source)
    report = compress_pipeline(nlp, int8=int8, storage_dtype=storage)
    nlp.to_disk(destination)
    typer.echo(report.summary())
    typer.echo(
        f"Saved to {destination} ({directory_bytes(source) / 1e6:.1f} MB -> "
        f"{directory_bytes(destination) / 1e6:.1f} MB)."
    )


def directory_bytes(location: str | Path) -> int:
    """The bytes of the files under a directory (0 for anything else, e.g. a package name)."""
    path = Path(location)
    if not path.is_dir():
        return 0
    return sum(item.stat().st_size for item in path.rglob("*") if item.is_file())
