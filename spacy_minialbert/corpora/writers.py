"""Writing converted corpora: spaCy's ``DocBin`` (``.spacy``), or plain text for distillation
(``.txt``, ``.jsonl``)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from spacy.tokens import Doc, DocBin

from .records import DocumentRecord

TEXT_SUFFIXES = (".txt", ".jsonl")


def new_docbin(docs: Iterable[Doc] = ()) -> DocBin:
    """A ``DocBin`` of ``docs`` that keeps ``user_data`` (ids, groups, attributes, relations)."""
    return DocBin(store_user_data=True, docs=docs)


def write_docbin(docs: Iterable[Doc], path: str | Path) -> int:
    """Save ``docs`` to ``path`` (a ``.spacy`` file); the number written."""
    docbin = new_docbin(docs)
    save_docbin(docbin, path)
    return len(docbin)


def save_docbin(docbin: DocBin, path: str | Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    docbin.to_disk(path)


def write_texts(records: Iterable[DocumentRecord], path: str | Path) -> int:
    """Save the texts of ``records`` for language-model distillation; the number written.

    ``.jsonl``: one ``{"id": ..., "text": ...}`` object per line, text exactly as read.
    ``.txt``: documents separated by one blank line; since a blank line is the separator, lines
    inside a document lose trailing whitespace and blank lines inside a document are removed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with path.open("w", encoding="utf8", newline="\n") as handle:
        for record in records:
            if path.suffix == ".jsonl":
                line = json.dumps({"id": record.doc_id, "text": record.text}, ensure_ascii=False)
                handle.write(line + "\n")
            else:
                handle.write(("\n" if written else "") + _paragraph(record.text) + "\n")
            written += 1
    return written


def _paragraph(text: str) -> str:
    lines = (line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return "\n".join(line for line in lines if line)
