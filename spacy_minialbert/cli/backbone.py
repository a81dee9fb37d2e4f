"""``spacy-minialbert init-backbone``."""

from __future__ import annotations

from pathlib import Path

import typer

from . import app


@app.command("init-backbone")
def init_backbone_command(
    output: Path = typer.Argument(..., help="Directory to write (our format)."),
    text: list[Path] = typer.Option(
        ...,
        "--text",
        help="Text to learn the vocabulary from: .spacy, .txt, .jsonl, NOTEEVENTS .csv files "
        "or folders of them. Repeatable.",
    ),
    vocab_size: int = typer.Option(8000, help="WordPiece vocabulary size."),
    lowercase: bool = typer.Option(False, "--lowercase/--cased"),
    embedding_size: int = typer.Option(128),
    hidden_size: int = typer.Option(256),
    num_hidden_layers: int = typer.Option(4, help="Recursions of the shared layer."),
    num_attention_heads: int = typer.Option(4),
    intermediate_size: int = typer.Option(1024),
    reduction_factor: int = typer.Option(16, help="Adapter width = hidden size / this."),
    no_adapters: bool = typer.Option(False, "--no-adapters"),
    max_position_embeddings: int = typer.Option(512),
    seed: int = typer.Option(0),
) -> None:
    """Train a WordPiece tokenizer on local text and save a randomly initialised MiniALBERT
    with it: a backbone for from-scratch training when no checkpoint can be downloaded."""
    from ..hf.scratch import init_backbone, read_texts, train_wordpiece

    tokenizer = train_wordpiece(read_texts(text), vocab_size, lowercase=lowercase)
    model = init_backbone(
        output,
        tokenizer,
        seed=seed,
        embedding_size=embedding_size,
        hidden_size=hidden_size,
        num_hidden_layers=num_hidden_layers,
        num_attention_heads=num_attention_heads,
        intermediate_size=intermediate_size,
        use_adapter=not no_adapters,
        reduction_factor=reduction_factor,
        max_position_embeddings=max_position_embeddings,
    )
    n_parameters = sum(p.numel() for p in model.parameters())
    typer.echo(
        f"Saved a random MiniALBERT ({n_parameters:,} parameters) with a {len(tokenizer):,}-entry "
        f"WordPiece vocabulary to {output}"
    )
