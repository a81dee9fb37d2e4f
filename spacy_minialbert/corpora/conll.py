"""Reader for CoNLL-style token/tag files (IOB/BIO, IOB1 or IOBES).

Input, one token per line, a blank line between sentences::

    -DOCSTART-	O

    Patient	O
    denies	O
    chest	B-problem
    pain	I-problem
    .	O

Columns are tab-separated (or, in a line with no tab, whitespace-separated); the first is the
token and the last the tag (``O`` or ``<prefix>-<label>``), so CoNLL-2003's four columns work too.
A ``-DOCSTART-`` line starts a new document. Where a file has none (BioCreative V CDR as
distributed, for one: 120,000 lines), its sentences are grouped into documents of ``n_sents``
sentences (default 10, like ``spacy convert --n-sents``; 0 makes the whole file one document),
and the account says so in a note; from a ``-DOCSTART-`` on, documents run from marker to marker.
The document text is the tokens joined by single spaces, sentences joined by newlines.

A file that is not UTF-8 is not converted: it fails, reported with the line and byte offset of the
first bad byte (checked before any of it is read).

Schemes: ``bio`` (default; IOB2, every entity starts with ``B-``), ``iob1`` (``I-`` starts an
entity, ``B-`` only separates two adjacent ones of a type), ``iobes`` (also ``E-``/``S-``, and
BILOU's ``L-``/``U-``). Bad sequences are repaired by one rule and reported as changed: an ``I-``
(or ``E-``) that does not continue an entity of its label starts a new one ("I- tag without B-");
under ``iobes`` an entity not ended by ``E-`` ends at its last ``I-``/``B-`` token ("entity not
closed by E-"). A tag that is not of the scheme is dropped, reported, and read as ``O``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .account import Account, DocumentAccount
from .records import DocumentRecord, GoldEntity, Issue
from .text import CorpusFileError, check_utf8, corpus_files

SCHEMES = ("bio", "iob1", "iobes")
DOCSTART = "-DOCSTART-"
N_SENTS = 10  # sentences per document in a file without -DOCSTART- lines
_SUFFIXES = {".conll", ".iob", ".bio", ".bioes", ".iobes", ".tsv", ".txt"}
_TAG = re.compile(r"^(?P<prefix>[A-Za-z])-(?P<label>.+)$")
_PREFIXES = {
    "bio": {"B": "B", "I": "I"},
    "iob1": {"B": "B", "I": "I"},
    "iobes": {"B": "B", "I": "I", "E": "E", "S": "S", "L": "E", "U": "S"},
}


@dataclass
class _Token:
    text: str
    tag: str
    line: int
    start: int = 0  # character offsets in the document text, set when the text is built
    end: int = 0


@dataclass
class _Open:
    label: str
    first: int  # token index
    issues: list[Issue] = field(default_factory=list)


def conll_documents(
    path: str | Path, *, account: Account, scheme: str = "bio", n_sents: int = N_SENTS
) -> Iterator[DocumentRecord]:
    """Documents of a CoNLL file (or every ``.conll``/``.iob``/``.bio``/``.tsv``/``.txt`` file of
    a folder), entities decoded from the tags under ``scheme``; ``n_sents`` sentences per document
    where the file has no ``-DOCSTART-`` line (0: one document per file)."""
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {SCHEMES}, got {scheme!r}.")
    if n_sents < 0:
        raise ValueError(f"n_sents must be 0 (one document per file) or more, got {n_sents}.")
    root = Path(path)
    for file in corpus_files(root, _SUFFIXES):
        name = file.stem if root.is_file() else file.relative_to(root).with_suffix("").as_posix()
        try:
            check_utf8(file)
        except CorpusFileError as error:
            account.file_failed(error, name)
            continue
        for number, sentences in enumerate(_documents(file, account, n_sents), start=1):
            yield _document(f"{name}-{number}", str(file), sentences, scheme, account)


def _documents(file: Path, account: Account, n_sents: int) -> Iterator[list[list[_Token]]]:
    """The file's documents as lists of sentences, streamed line by line: from marker to marker,
    or ``n_sents`` sentences each before the first marker."""
    document: list[list[_Token]] = []
    sentence: list[_Token] = []
    marked = False  # a -DOCSTART- line was seen
    grouped = 0  # documents made of n_sents sentences, for the account's note
    # utf-8-sig: a byte order mark is an encoding signature, not part of the first token.
    with file.open(encoding="utf-8-sig") as handle:
        for number, raw in enumerate(handle, start=1):
            line = raw.rstrip("\r\n")
            columns = line.split("\t") if "\t" in line else line.split()
            if columns and columns[0].strip() and columns[0] != DOCSTART:
                if len(columns) < 2:
                    account.note(
                        "line without a tag (read as O)", file=str(file), line=number, detail=line
                    )
                tag = columns[-1].strip() if len(columns) > 1 else "O"
                sentence.append(_Token(columns[0], tag, number))
                continue
            if line.strip() and columns[-1].strip() not in ("", "O", DOCSTART):
                # "\tB-Disease": a tag with no token to carry it.
                account.annotation_skipped(
                    "tag without a token (line read as a sentence break)",
                    file=str(file),
                    line=number,
                    label=columns[-1].strip(),
                )
            if sentence:
                document.append(sentence)
                sentence = []
            docstart = bool(columns) and columns[0] == DOCSTART
            full = not marked and n_sents and len(document) >= n_sents
            if document and (docstart or full):
                grouped += not marked and n_sents > 0
                yield document
                document = []
            marked = marked or docstart
    if sentence:
        document.append(sentence)
    if document:
        grouped += not marked and n_sents > 0
        yield document
    if grouped:
        account.note(
            f"no {DOCSTART} line: documents of up to {n_sents} sentences",
            file=str(file),
            detail=f"{grouped} documents (n_sents={n_sents}; 0 makes the file one document)",
        )


def _document(
    doc_id: str, file: str, sentences: list[list[_Token]], scheme: str, account: Account
) -> DocumentRecord:
    offset = 0
    for sentence in sentences:
        for token in sentence:
            token.start, token.end = offset, offset + len(token.text)
            offset = token.end + 1  # the space after it, or the newline after a sentence
    text = "\n".join(" ".join(token.text for token in sentence) for sentence in sentences)
    record = DocumentRecord(doc_id=doc_id, text=text, source=file)
    report = DocumentAccount(account, file, doc_id)
    for sentence in sentences:
        record.entities.extend(_decode(sentence, text, scheme, report))
    return record


def _decode(
    tokens: list[_Token], text: str, scheme: str, report: DocumentAccount
) -> list[GoldEntity]:
    """The entities of one sentence's tags, repaired by the module's rules."""
    entities: list[GoldEntity] = []
    current: _Open | None = None

    def close(last: int, ended_by_e: bool = False) -> None:
        nonlocal current
        if current is None:
            return
        if scheme == "iobes" and not ended_by_e:
            current.issues.append(
                Issue("entity not closed by E-", f"ends at line {tokens[last].line}")
            )
        first, issues = tokens[current.first], tuple(current.issues)
        start, end = first.start, tokens[last].end
        entities.append(
            GoldEntity(start, end, current.label, text[start:end], {}, first.line, issues)
        )
        current = None

    for index, token in enumerate(tokens):
        prefix, label = _parse(token, scheme, text, report)
        continues = current is not None and current.label == label
        if prefix in ("O", "B", "S") or (prefix in ("I", "E") and not continues):
            close(index - 1)
        if prefix in ("B", "S"):
            current = _Open(label, index)
        elif prefix in ("I", "E") and not continues:
            current = _Open(label, index)
            if scheme != "iob1":
                before = "O" if index == 0 else tokens[index - 1].tag
                current.issues.append(
                    Issue(f"{prefix}- tag without B-", f"{token.tag} after {before}")
                )
        if prefix in ("S", "E"):
            close(index, ended_by_e=True)
    close(len(tokens) - 1)
    return entities


def _parse(token: _Token, scheme: str, text: str, report: DocumentAccount) -> tuple[str, str]:
    """(prefix, label) of a token's tag, prefixes mapped to B/I/E/S; ("O", "") for O and for a tag
    that is not of the scheme (that one reported as a dropped mention)."""
    if token.tag == "O":
        return "O", ""
    match = _TAG.match(token.tag)
    prefix = _PREFIXES[scheme].get(match["prefix"].upper()) if match else None
    if match is None or prefix is None:
        start, end = token.start, token.end
        report.entity_dropped(
            GoldEntity(start, end, token.tag, text[start:end], line=token.line),
            f"tag not of the {scheme} scheme",
            f"{token.tag!r} read as O",
        )
        return "O", ""
    return prefix, match["label"]
