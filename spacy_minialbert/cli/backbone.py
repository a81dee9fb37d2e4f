"""``spacy-minialbert init-backbone``."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import typer

from . import app

# What a folder given to --text is searched for: DocBins and the files of notes.
SUFFIXES = (".spacy", ".txt", ".text", ".jsonl", ".ndjson", ".csv", ".gz")


@app.command("init-backbone")
def init_backbone_command(
    output: Path = typer.Argument(..., help="Directory to write (our format)."),
    text: list[Path] = typer.Option(
        ...,
        "--text",
        help="Text to learn the vocabulary from: .spacy, .txt (blank-line separated notes), "
        ".jsonl, NOTEEVENTS or MIMIC-IV-Note .csv(.gz) files or folders of them. Repeatable.",
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
    from ..hf.scratch import init_backbone, train_wordpiece

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


def read_texts(paths: Iterable[Path]) -> Iterator[str]:
    """Texts of spaCy DocBins (``.spacy``) and of the notes in text, JSONL and CSV files (read by
    :func:`~spacy_minialbert.notes.texts.note_texts`: records that are no note are skipped and
    reported); folders are searched for those suffixes."""
    from spacy.tokens import DocBin
    from spacy.vocab import Vocab

    from ..notes.texts import note_texts

    for path in paths:
        found = [path]
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
            )
        for file in found:
            if file.suffix == ".spacy":
                for doc in DocBin().from_disk(file).get_docs(Vocab()):
                    yield doc.text
            else:
                yield from note_texts(file)
