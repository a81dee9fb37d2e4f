"""One conversion from end to end: read a corpus, build its documents, write them and the
account. What the ``convert`` command runs; usable from Python as well."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .account import Account, account_path, first_problems
from .docs import record_to_doc
from .formats import corpus_format, read_documents
from .labels import LabelMap
from .records import DocumentRecord
from .writers import TEXT_SUFFIXES, new_docbin, save_docbin, write_texts

if TYPE_CHECKING:
    from spacy.language import Language


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
        super().__init__(
            f"strict conversion: {', '.join(found)}, so {account.output} was not written (every "
            f"case is in {account_file}). First:\n{first_problems(account.problems())}"
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
    spec = corpus_format(format_name)
    output = Path(output)
    account = Account(spec.name, str(source))
    account.output = str(output)
    records = read_documents(spec.name, source, account=account, **dict(options or {}))
    if progress:
        records = _with_progress(records, spec.name)
    if output.suffix in TEXT_SUFFIXES:
        if spec.entities:
            raise ValueError(
                f"{output}: {spec.name} has entities; write it to a .spacy file "
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
        account_file = account_path(output)
        if strict and account.problems():
            partial.unlink()
            account.write_json(account_file)
            raise StrictModeError(account, account_file)
        partial.replace(output)
        account.write_json(account_file)
        return account
    if output.suffix != ".spacy":
        raise ValueError(f"{output}: the output must end in .spacy, .txt or .jsonl.")
    if nlp is None:
        from ..clinical.tokenizer import clinical_nlp

        nlp = clinical_nlp()
    docbin = new_docbin()
    for record in records:
        docbin.add(
            record_to_doc(record, nlp.make_doc, account, label_map=label_map, misaligned=misaligned)
        )
    account_file = account_path(output)
    if strict and account.problems():
        account.write_json(account_file)
        raise StrictModeError(account, account_file)
    save_docbin(docbin, output)
    account.write_json(account_file)
    return account


def _counted(records: Iterable[DocumentRecord], account: Account) -> Iterator[DocumentRecord]:
    for record in records:
        account.document_converted(record.cats)
        yield record


def _with_progress(records: Iterator[DocumentRecord], name: str) -> Iterator[DocumentRecord]:
    from tqdm import tqdm

    # disable=None: a bar on a terminal, nothing in logs and pipes.
    yield from tqdm(records, desc=f"Reading {name}", unit=" docs", disable=None)
