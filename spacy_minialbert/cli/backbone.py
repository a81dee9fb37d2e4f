"""``spacy-minialbert init-backbone`` and ``spacy-minialbert convert-checkpoint``: a backbone made
here or converted from a published checkpoint."""

from __future__ import annotations

import dataclasses
import functools
import inspect
import typing
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import typer

from ..backbone_shape import DEFAULT_SHAPE, BackboneShape
from .app import app

# What a folder given to --text is searched for: DocBins and the files of notes.
SUFFIXES = (".spacy", ".txt", ".text", ".jsonl", ".ndjson", ".csv", ".gz")
# Boolean fields whose switch is not typer's default spelling (``--use-act/--no-use-act``):
# ``--no-adapters`` is the option's name from before the shape was one object.
SWITCHES = {"use_adapter": ("--adapters/--no-adapters",)}


def with_shape_options(command: Callable[..., None]) -> Callable[..., None]:
    """Give ``command``'s ``shape: BackboneShape`` parameter to the command line as one option
    per field of the shape (``--hidden-size``; a switch such as ``--adapters/--no-adapters``
    for a boolean), with the field's default and help, so the shape's settings are declared
    once (:mod:`spacy_minialbert.backbone_shape`); ``command`` gets the shape they make."""
    signature = inspect.signature(command, eval_str=True)
    hints = typing.get_type_hints(BackboneShape)
    shape_parameters = [
        inspect.Parameter(
            item.name,
            inspect.Parameter.KEYWORD_ONLY,
            annotation=hints[item.name],
            default=typer.Option(
                item.default, *SWITCHES.get(item.name, ()), help=item.metadata["help"]
            ),
        )
        for item in dataclasses.fields(BackboneShape)
    ]
    parameters: list[inspect.Parameter] = []
    for parameter in signature.parameters.values():
        if parameter.name == "shape":
            parameters += shape_parameters
        else:
            parameters.append(parameter.replace(kind=inspect.Parameter.KEYWORD_ONLY))

    @functools.wraps(command)
    def run(**options: Any) -> None:
        shape = BackboneShape(**{item.name: options.pop(item.name) for item in shape_parameters})
        command(shape=shape, **options)

    # typer reads the options from the signature and type hints.
    run.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    run.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": None}
    return run


@app.command("init-backbone")
@with_shape_options
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
    shape: BackboneShape = DEFAULT_SHAPE,
    seed: int = typer.Option(0),
) -> None:
    """Train a WordPiece tokenizer on local text and save a randomly initialised MiniALBERT
    with it: a backbone for from-scratch training when no checkpoint can be downloaded."""
    from ..hf import MiniAlbertConfig
    from ..hf.scratch import init_backbone, train_wordpiece

    # An impossible shape fails before the vocabulary is learned.
    MiniAlbertConfig.from_shape(shape, vocab_size=1, pad_token_id=0)
    tokenizer = train_wordpiece(read_texts(text), vocab_size, lowercase=lowercase)
    model = init_backbone(output, tokenizer, shape, seed=seed)
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
