"""The corpus formats by their command-line names, with the reader options each accepts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .account import Account
from .brat import brat_documents
from .conll import conll_documents
from .i2b2_2010 import i2b2_2010_documents
from .i2b2_2012 import i2b2_2012_documents
from .i2b2_2014 import i2b2_2014_documents
from .mimic import mimic_noteevents_documents
from .mimic_iv import mimic_iv_note_documents
from .mtsamples import mtsamples_documents
from .records import DocumentRecord


@dataclass(frozen=True)
class CorpusFormat:
    """A reader and what it takes: ``options`` are its keyword arguments besides ``account``;
    ``entities`` is False for text-class-only corpora, which may also be written as plain text."""

    name: str
    read: Callable[..., Iterator[DocumentRecord]]
    options: tuple[str, ...]
    entities: bool
    summary: str


CORPUS_FORMATS: dict[str, CorpusFormat] = {
    f.name: f
    for f in (
        CorpusFormat(
            "i2b2-2010", i2b2_2010_documents, (), True, "i2b2/VA 2010 .txt + .con (+ .ast)"
        ),
        CorpusFormat(
            "i2b2-2012",
            i2b2_2012_documents,
            ("timex", "empty_type_label"),
            True,
            "i2b2 2012 temporal XML: EVENT (+ TIMEX3) spans",
        ),
        CorpusFormat(
            "i2b2-2014", i2b2_2014_documents, ("label_by",), True, "i2b2 2014 de-id XML: PHI"
        ),
        CorpusFormat(
            "brat", brat_documents, ("discontinuous",), True, "brat .txt + .ann (n2c2 2018, NCBI)"
        ),
        CorpusFormat(
            "conll", conll_documents, ("scheme", "n_sents"), True, "token<TAB>tag, IOB/BIO/IOBES"
        ),
        CorpusFormat(
            "mimic-noteevents",
            mimic_noteevents_documents,
            ("keep_iserror", "categories"),
            False,
            "MIMIC-III NOTEEVENTS.csv(.gz): category text classes",
        ),
        CorpusFormat(
            "mimic-iv-note",
            mimic_iv_note_documents,
            ("categories",),
            False,
            "MIMIC-IV-Note discharge/radiology.csv(.gz): note type text classes",
        ),
        CorpusFormat(
            "mtsamples",
            mtsamples_documents,
            ("categories",),
            False,
            "MTSamples CSV: multi-label specialties (exclusive with --category)",
        ),
    )
}


def corpus_format(name: str) -> CorpusFormat:
    try:
        return CORPUS_FORMATS[name]
    except KeyError:
        raise ValueError(
            f"Unknown corpus format {name!r}; known: {', '.join(CORPUS_FORMATS)}."
        ) from None


def read_documents(
    name: str, path: str | Path, *, account: Account, **options: Any
) -> Iterator[DocumentRecord]:
    """Records of ``path`` read as format ``name``; an option the format does not take is an
    error naming the options it does."""
    spec = corpus_format(name)
    unknown = sorted(set(options) - set(spec.options))
    if unknown:
        takes = ", ".join(spec.options) or "no options"
        raise ValueError(f"Format {name} does not take {', '.join(unknown)} (it takes {takes}).")
    return spec.read(path, account=account, **options)
