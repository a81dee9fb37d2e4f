"""``spacy-minialbert convert`` (clinical corpora to ``.spacy``) and ``spacy-minialbert split``
(train/dev by patient or text group)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from .app import app

if TYPE_CHECKING:
    from ..corpora.account import Account

_CONVERT_FORMATS = (
    "i2b2-2010, i2b2-2012, i2b2-2014, brat, conll, mimic-noteevents, mimic-iv-note, mtsamples"
)


@app.command("convert")
def convert_command(
    corpus_format: str = typer.Argument(..., metavar="FORMAT", help=f"One of: {_CONVERT_FORMATS}."),
    source: Path = typer.Argument(..., help="Input file or folder."),
    output: Path = typer.Argument(
        ..., help="OUTPUT.spacy (mimic-noteevents, mimic-iv-note, mtsamples: also .txt, .jsonl)."
    ),
    strict: bool = typer.Option(
        False,
        "--strict",
        help="Fail (exit 1, nothing written but the account) on any entity "
        "that had to be changed or dropped, any other annotation not converted "
        "and any file that could not be read.",
    ),
    label_map: str | None = typer.Option(
        None,
        "--label-map",
        help='Rename labels: "A=X,B=Y", "*=DISEASE" (all), "B=" (drop), '
        "or a .json file of label -> label.",
    ),
    misaligned: str = typer.Option(
        "expand", "--misaligned", help="Mention edge inside a token: expand, contract or drop."
    ),
    nlp_name: str | None = typer.Option(
        None,
        "--nlp",
        help="spaCy pipeline (name or path) whose tokenizer to use; default: blank "
        "English with the clinical tokenizer.",
    ),
    discontinuous: str | None = typer.Option(
        None, "--discontinuous", help="[brat] auto (default), cover, first or drop."
    ),
    timex: bool = typer.Option(False, "--timex", help="[i2b2-2012] Also TIMEX3 spans."),
    empty_type_label: str | None = typer.Option(
        None,
        "--empty-type-label",
        help='[i2b2-2012] Label of EVENTs with an empty type (default OCCURRENCE; "" drops them).',
    ),
    label_by: str | None = typer.Option(
        None, "--label-by", help="[i2b2-2014] Label PHI by type (default) or category."
    ),
    scheme: str | None = typer.Option(
        None, "--scheme", help="[conll] bio (default), iob1 or iobes."
    ),
    n_sents: int | None = typer.Option(
        None,
        "--n-sents",
        help="[conll] Sentences per document in a file without -DOCSTART- lines "
        "(default 10; 0: the whole file is one document).",
    ),
    keep_iserror: bool = typer.Option(
        False,
        "--keep-iserror",
        help="[mimic-noteevents] Keep ISERROR=1 notes (skipped by default).",
    ),
    include_errors: bool = typer.Option(
        False, "--include-errors", hidden=True, help="The old name of --keep-iserror."
    ),
    categories: list[str] | None = typer.Option(
        None,
        "--category",
        help="[mimic-noteevents, mimic-iv-note] Keep only this category / note type (DS, RR, "
        "AR) (repeatable).",
    ),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show progress."),
) -> None:
    """Convert a clinical corpus to spaCy's binary format, with an account of every entity
    changed or dropped on the way (saved as OUTPUT.account.json)."""
    import spacy

    from ..corpora.account import account_path
    from ..corpora.conversion import StrictModeError, convert_corpus
    from ..corpora.labels import LabelMap

    given: dict[str, Any] = {
        "discontinuous": discontinuous,
        "timex": timex or None,
        "empty_type_label": empty_type_label,
        "label_by": label_by,
        "scheme": scheme,
        "n_sents": n_sents,
        "keep_iserror": keep_iserror or include_errors or None,
        "categories": categories or None,
    }
    options = {name: value for name, value in given.items() if value is not None}
    try:
        account = convert_corpus(
            corpus_format,
            source,
            output,
            nlp=spacy.load(nlp_name) if nlp_name is not None else None,
            label_map=LabelMap.parse(label_map) if label_map is not None else None,
            misaligned=misaligned,
            strict=strict,
            progress=progress,
            options=options,
        )
    except StrictModeError as error:
        _print_summary(error.account)
        raise
    _print_summary(account)
    typer.echo(f"Wrote {output} and its account {account_path(output)}")


@app.command("split")
def split_command(
    source: Path = typer.Argument(..., help="Converted corpus (.spacy)."),
    train: Path = typer.Argument(..., help="TRAIN.spacy to write."),
    dev: Path = typer.Argument(..., help="DEV.spacy to write."),
    dev_fraction: float = typer.Option(0.2, "--dev-fraction", help="Share of documents in dev."),
    seed: int = typer.Option(0, "--seed", help="Seed of the group shuffle."),
    max_train: int | None = typer.Option(
        None, "--max-train", help="Keep at most this many train documents (whole groups)."
    ),
    max_dev: int | None = typer.Option(
        None, "--max-dev", help="Keep at most this many dev documents (whole groups)."
    ),
) -> None:
    """Split a converted corpus into train and dev, keeping each group (patient, subject, text
    hash; else the document) on one side. Deterministic for a given seed."""
    from ..corpora.split import split_docbin

    report = split_docbin(
        source, train, dev, dev_fraction=dev_fraction, seed=seed,
        max_train=max_train, max_dev=max_dev,
    )  # fmt: skip
    typer.echo(report.summary())


def _print_summary(account: Account) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("what", "count")
    table.columns[1].justify = "right"
    for what, count in account.summary_rows():
        table.add_row(what, count)
    console = Console()
    console.print(f"{account.corpus_format} {account.source} -> {account.output}", highlight=False)
    console.print(table)
