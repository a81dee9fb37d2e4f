"""One conversion from end to end: read a corpus, build its documents, write them and the
account. What the ``convert`` command runs; usable from Python as well."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .account import Account, account_path
from .brat import brat_documents
from .conll import conll_documents
from .docs import record_to_doc
from .i2b2_2010 import i2b2_2010_documents
from .i2b2_2012 import i2b2_2012_documents
from .i2b2_2014 import i2b2_2014_documents
from .labels import LabelMap
from .mimic import mimic_noteevents_documents
from .mimic_iv import mimic_iv_note_documents
from .mtsamples import mtsamples_documents
from .records import DocumentRecord
from .writers import TEXT_SUFFIXES, new_docbin, save_docbin, write_texts

if TYPE_CHECKING:
    from spacy.language import Language


# The corpus readers by their command-line names. A reader's keyword-only parameters besides
# ``account`` are the options it takes.
CORPUS_FORMATS: dict[str, Callable[..., Iterator[DocumentRecord]]] = {
    "i2b2-2010": i2b2_2010_documents,
    "i2b2-2012": i2b2_2012_documents,
    "i2b2-2014": i2b2_2014_documents,
    "brat": brat_documents,
    "conll": conll_documents,
    "mimic-noteevents": mimic_noteevents_documents,
    "mimic-iv-note": mimic_iv_note_documents,
    "mtsamples": mtsamples_documents,
}
# Text-class-only corpora, which may also be written as plain text.
WITHOUT_ENTITIES = ("mimic-noteevents", "mimic-iv-note", "mtsamples")


class StrictModeError(ValueError):
    """A strict conversion met entities it had to change or drop, other annotations it could not
    convert or files it could not read; nothing was written but the account."""

    def __init__(self, account: Account, account_file: Path) -> None:
        self.account = account
        self.account_file = account_file
        affected = account.total("changed") + account.total("dropped")
        found = [f"{affected} of {account.source_mentions} entities would be changed or dropped"]
        skipped = account.annotations_skipped
        if skipped:
            found.append(f"{_count(skipped, 'other annotation')} would not be converted")
        failed = sum(account.documents_failed.values())
        if failed:
            found.append(f"{_count(failed, 'document')} could not be read")
        first = "\n".join(f"  {entry.describe()}" for entry in account.problems()[:5])
        super().__init__(
            f"strict conversion: {', '.join(found)}, so {account.output} was not written (every "
            f"case is in {account_file}). First:\n{first}"
        )


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}" if n == 1 else f"{n} {thing}s"


def convert_corpus(
    format_name: str,
    source: str | Path,
    output: str | Path,
    *,
    nlp: Language | None = None,
    label_map: LabelMap | None = None,
    misaligned: str = "expand",
    strict: bool = False,
    progress: bool = False,
    options: Mapping[str, Any] | None = None,
) -> Account:
    """Convert ``source`` (read as ``format_name``) to ``output`` and save the account beside it
    (``OUTPUT.account.json``, see :func:`.account.account_path`).

    ``output`` ending in ``.spacy`` gets a ``DocBin`` tokenised by ``nlp`` (default: blank English
    with the clinical tokenizer); ``.txt`` or ``.jsonl`` gets plain text, for the formats without
    entities. ``strict`` turns any problem of the account (a changed or dropped entity, a skipped
    annotation, a failed document; see :meth:`.Account.problems`) into :class:`StrictModeError`,
    with nothing written but the account."""
    read = CORPUS_FORMATS.get(format_name)
    if read is None:
        raise ValueError(
            f"Unknown corpus format {format_name!r}; known: {', '.join(CORPUS_FORMATS)}."
        )
    options = dict(options or {})
    parameters = inspect.signature(read).parameters.values()
    known = [p.name for p in parameters if p.kind is p.KEYWORD_ONLY and p.name != "account"]
    unknown = sorted(set(options) - set(known))
    if unknown:
        takes = ", ".join(known) or "no options"
        raise ValueError(
            f"Format {format_name} does not take {', '.join(unknown)} (it takes {takes})."
        )
    output = Path(output)
    account = Account(format_name, str(source))
    account.output = str(output)
    records: Iterable[DocumentRecord] = read(source, account=account, **options)
    if progress:
        from tqdm import tqdm

        # disable=None: a bar on a terminal, nothing in logs and pipes.
        records = tqdm(records, desc=f"Reading {format_name}", unit=" docs", disable=None)
    if output.suffix in TEXT_SUFFIXES:
        if format_name not in WITHOUT_ENTITIES:
            raise ValueError(
                f"{output}: {format_name} has entities; write it to a .spacy file "
                f"(plain text is for mimic-noteevents and mtsamples)."
            )
        if label_map is not None:
            raise ValueError("A label map applies to entities; plain-text output has none.")
        # Written aside first: a strict conversion learns of its problems only at the end.
        partial = output.with_name(f".{output.stem}.partial{output.suffix}")
        try:
            write_texts(_counted(records, account), partial)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        _finish(account, output, strict, lambda: partial.replace(output), partial.unlink)
        return account
    if output.suffix != ".spacy":
        raise ValueError(f"{output}: the output must end in .spacy, .txt or .jsonl.")
    if nlp is None:
        from ..clinical.tokenizer import clinical_nlp

        nlp = clinical_nlp()
    make_doc = nlp.make_doc
    docbin = new_docbin(
        record_to_doc(record, make_doc, account, label_map=label_map, misaligned=misaligned)
        for record in records
    )
    _finish(account, output, strict, lambda: save_docbin(docbin, output))
    return account


def _finish(
    account: Account,
    output: Path,
    strict: bool,
    save: Callable[[], object],
    discard: Callable[[], None] = lambda: None,
) -> None:
    """``save()`` the output and write the account beside it; a strict conversion with problems
    ``discard()``s the output and raises :class:`StrictModeError` once the account is written."""
    account_file = account_path(output)
    if strict and account.problems():
        discard()
        account.write_json(account_file)
        raise StrictModeError(account, account_file)
    save()
    account.write_json(account_file)


def _counted(records: Iterable[DocumentRecord], account: Account) -> Iterator[DocumentRecord]:
    for record in records:
        account.document_converted(record.cats)
        yield record
