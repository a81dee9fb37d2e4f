"""The account of a conversion: what went in, what came out, and every entity or document that was
changed, dropped or excluded on the way, with its file, line, offsets, text and reason.

Every source mention ends in exactly one outcome, so ``source == converted + changed + dropped``:

- ``converted``: in ``doc.ents`` exactly as annotated (label map applied);
- ``changed``: in ``doc.ents`` after a documented repair (one ``changed`` entry per repair);
- ``dropped``: not in ``doc.ents`` (one ``dropped`` entry naming the reason; an overlapping
  mention stays in ``doc.spans["sc"]``, see :mod:`.docs`).

Documents are ``converted``, ``excluded`` (with an entry, e.g. ``ISERROR=1``), ``merged`` into an
identical document (counted only) or ``failed``: the file could not be read (not UTF-8, an invalid
character reference, no ``<TEXT>``), with an entry naming its line and the rule it broke.

Annotations that are not entity mentions (attributes, assertions, relations, elements or lines the
reader does not know) are converted or ``skipped``, with an entry. Those the format leaves out by
design (i2b2 2012 TLINK and SECTIME, TIMEX3 without ``timex``) are counted as ``excluded``
annotations, without entries.

``note`` entries record what a reader recovered from without losing any annotation (a raw ``&`` in
XML, whitespace before a brat id, sentence-sized CoNLL documents).

Strictness: :meth:`Account.problems` is every changed or dropped entity, skipped annotation and
failed document; a strict conversion fails when there is any."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .records import GoldEntity, Issue

if TYPE_CHECKING:
    from typing import Required, TypedDict, Unpack

    from .text import CorpusFileError

    class Where(TypedDict, total=False):
        """Where an entry points, as keyword arguments: the file, line and document, and what
        exactly happened (``detail``)."""

        file: Required[str]
        line: int | None
        doc_id: str | None
        detail: str


OUTCOMES = ("converted", "changed", "dropped")
PROBLEM_ACTIONS = ("changed", "dropped", "skipped", "failed")


@dataclass(frozen=True)
class AccountEntry:
    """One thing the conversion did not take over as it was."""

    action: str  # "changed", "dropped", "skipped", "excluded", "failed" or "note"
    reason: str
    file: str
    line: int | None = None
    doc_id: str | None = None
    start: int | None = None
    end: int | None = None
    text: str | None = None
    label: str | None = None
    detail: str = ""

    def describe(self, *, show_text: bool = False) -> str:
        """One line naming where and why, for error messages. Without ``show_text`` it carries no
        note text: the mention's text and the details that quote the document are left out (the
        account file has them); a failed document's detail (bytes, markup, the rule) stays."""
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        span = "" if self.start is None else f" [{self.start}:{self.end}]"
        label = "" if self.label is None else f" {self.label}"
        what = f"{label} {self.text!r}" if show_text and self.text is not None else label
        shown = self.detail if show_text or self.action == "failed" else ""
        detail = f" ({shown})" if shown else ""
        return f"{where}{span}{what}: {self.action}, {self.reason}{detail}"


def account_path(output: str | Path) -> Path:
    """Where the account of ``output`` is saved: ``corpus/train.spacy`` ->
    ``corpus/train.account.json``."""
    output = Path(output)
    return output.with_name(f"{output.stem}.account.json")


class Account:
    """Counts and itemised entries of one conversion; readers and the converter report into it."""

    def __init__(self, corpus_format: str, source: str = "") -> None:
        self.corpus_format = corpus_format
        self.source = source
        self.output = ""
        self.documents_converted = 0
        self.documents_excluded: Counter[str] = Counter()
        self.documents_merged: Counter[str] = Counter()
        self.documents_failed: Counter[str] = Counter()
        self.outcomes: dict[str, Counter[str]] = {}  # source label -> outcome counts
        self.ents: Counter[str] = Counter()  # output label -> mentions in doc.ents
        self.spans: Counter[str] = Counter()  # span-group key -> spans
        self.cats: Counter[str] = Counter()  # positive text classes
        self.changed_reasons: Counter[str] = Counter()
        self.dropped_reasons: Counter[str] = Counter()
        self.note_reasons: Counter[str] = Counter()
        self.skipped_reasons: Counter[str] = Counter()  # annotations that are not mentions
        self.annotations_excluded: Counter[str] = Counter()  # left out by the format, by design
        self.relations = 0
        self.entries: list[AccountEntry] = []

    # Documents

    def document_converted(self, cats: Mapping[str, float] | None = None) -> None:
        self.documents_converted += 1
        self.cats.update(label for label, value in (cats or {}).items() if value > 0.5)

    def document_excluded(
        self, reason: str, *, itemise: bool = True, **where: Unpack[Where]
    ) -> None:
        """A document left out. ``itemise=False`` only counts it: for deliberate filters that could
        otherwise list millions of rows (a category the user did not select)."""
        if itemise:
            self._itemise("excluded", reason, self.documents_excluded, **where)
        else:
            self.documents_excluded[reason] += 1

    def document_merged(self, reason: str) -> None:
        self.documents_merged[reason] += 1

    def document_failed(self, reason: str, **where: Unpack[Where]) -> None:
        """A document whose file could not be read (``reason`` the rule it broke, e.g. "not
        UTF-8"): whatever it annotated is lost, so a strict conversion fails. ``detail`` is shown
        in error messages: bytes, markup and rules, never the document's text."""
        self._itemise("failed", reason, self.documents_failed, **where)

    def file_failed(self, error: CorpusFileError, doc_id: str | None) -> None:
        """The document ``doc_id`` failed because a file of it broke the rule ``error`` names."""
        self.document_failed(
            error.reason, file=error.file, line=error.line, doc_id=doc_id, detail=error.detail
        )

    # Entities

    def entity_dropped(
        self,
        entity: GoldEntity,
        reason: str,
        *,
        file: str,
        doc_id: str | None = None,
        detail: str = "",
    ) -> None:
        """``entity`` is not in ``doc.ents``; earlier repairs of it are folded into the detail."""
        earlier = "; ".join(
            f"{issue.reason} ({issue.detail})" if issue.detail else issue.reason
            for issue in entity.changes
        )
        if earlier:
            detail = f"{detail}; after: {earlier}" if detail else f"after: {earlier}"
        self._outcome(entity.label, "dropped")
        self.dropped_reasons[reason] += 1
        self.entries.append(_entity_entry("dropped", reason, entity, file, doc_id, detail))

    def annotation_unplaced(
        self, label: str, text: str, reason: str, **where: Unpack[Where]
    ) -> None:
        """A mention with no offsets in the document (unparseable line, position outside the
        text): dropped, with the annotation's own text (or the raw line)."""
        self._outcome(label, "dropped")
        self._itemise("dropped", reason, self.dropped_reasons, text=text, label=label, **where)

    def entity_kept(
        self,
        entity: GoldEntity,
        output_label: str,
        issues: Sequence[Issue],
        *,
        file: str,
        doc_id: str | None = None,
    ) -> None:
        """``entity`` is in ``doc.ents`` as ``output_label``, after ``issues`` (empty: exact)."""
        self.ents[output_label] += 1
        self._outcome(entity.label, "changed" if issues else "converted")
        for issue in issues:
            self.changed_reasons[issue.reason] += 1
            self.entries.append(
                _entity_entry("changed", issue.reason, entity, file, doc_id, issue.detail)
            )

    def annotation_skipped(
        self, reason: str, *, label: str | None = None, **where: Unpack[Where]
    ) -> None:
        """An annotation that is not an entity mention (attribute, assertion, relation, unknown
        element or line) was not converted."""
        self._itemise("skipped", reason, self.skipped_reasons, label=label, **where)

    def annotation_excluded(self, reason: str) -> None:
        """An annotation the format leaves out by design (counted only, like a filtered
        document)."""
        self.annotations_excluded[reason] += 1

    def note(self, reason: str, **where: Unpack[Where]) -> None:
        """Something recovered from that is not an entity (it changed no mention's outcome)."""
        self._itemise("note", reason, self.note_reasons, **where)

    def _itemise(
        self,
        action: str,
        reason: str,
        counts: Counter[str],
        *,
        text: str | None = None,
        label: str | None = None,
        **where: Unpack[Where],
    ) -> None:
        counts[reason] += 1
        self.entries.append(AccountEntry(action, reason, text=text, label=label, **where))

    def _outcome(self, label: str, outcome: str) -> None:
        self.outcomes.setdefault(label, Counter())[outcome] += 1

    # Reading it back

    def total(self, outcome: str) -> int:
        return sum(counts[outcome] for counts in self.outcomes.values())

    @property
    def source_mentions(self) -> int:
        return sum(self.total(outcome) for outcome in OUTCOMES)

    @property
    def annotations_skipped(self) -> int:
        return sum(self.skipped_reasons.values())

    def problems(self) -> list[AccountEntry]:
        """Every changed or dropped entity, skipped annotation and failed document, in the order
        they happened: what a strict conversion refuses."""
        return [entry for entry in self.entries if entry.action in PROBLEM_ACTIONS]

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": self.corpus_format,
            "input": self.source,
            "output": self.output,
            "documents": {
                "converted": self.documents_converted,
                "excluded": sum(self.documents_excluded.values()),
                "excluded_reasons": dict(self.documents_excluded),
                "merged": sum(self.documents_merged.values()),
                "merged_reasons": dict(self.documents_merged),
                "failed": sum(self.documents_failed.values()),
                "failed_reasons": dict(self.documents_failed),
            },
            "entities": {
                "source": self.source_mentions,
                **{outcome: self.total(outcome) for outcome in OUTCOMES},
                "changed_reasons": dict(self.changed_reasons),
                "dropped_reasons": dict(self.dropped_reasons),
                "by_source_label": {
                    label: {outcome: counts[outcome] for outcome in OUTCOMES}
                    for label, counts in sorted(self.outcomes.items())
                },
            },
            "other_annotations": {
                "skipped": self.annotations_skipped,
                "skipped_reasons": dict(self.skipped_reasons),
                "excluded_by_format": dict(self.annotations_excluded),
            },
            "ents_per_label": dict(sorted(self.ents.items())),
            "spans_per_group": dict(sorted(self.spans.items())),
            "cats": dict(sorted(self.cats.items())),
            "relations": self.relations,
            "notes": dict(self.note_reasons),
            "entries": [asdict(entry) for entry in self.entries],
        }

    def write_json(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), indent=1, ensure_ascii=False) + "\n", "utf8")
        return path

    def summary_rows(self) -> list[tuple[str, str]]:
        """(what, how many) rows for the end-of-run table, reasons indented under their total."""
        rows = [("documents converted", str(self.documents_converted))]
        rows += _with_reasons("documents excluded", self.documents_excluded)
        rows += _with_reasons("documents merged", self.documents_merged)
        rows += _with_reasons("documents failed", self.documents_failed)
        if self.source_mentions:
            rows.append(("entities in source", str(self.source_mentions)))
            rows.append(("  converted as annotated", str(self.total("converted"))))
            rows += _with_reasons("  changed", self.changed_reasons, self.total("changed"))
            rows += _with_reasons("  dropped", self.dropped_reasons, self.total("dropped"))
            rows += [(f"ents {label}", str(n)) for label, n in sorted(self.ents.items())]
        rows += [(f"spans[{key!r}]", str(n)) for key, n in sorted(self.spans.items())]
        rows += [(f"cats {label}", str(n)) for label, n in sorted(self.cats.items())]
        if self.relations:
            rows.append(("relations", str(self.relations)))
        rows += _with_reasons("other annotations skipped", self.skipped_reasons)
        rows += _with_reasons("annotations left out by the format", self.annotations_excluded)
        rows += _with_reasons("notes", self.note_reasons)
        return rows


@dataclass(frozen=True)
class DocumentAccount:
    """The account as the reader of one document reports into it: ``file`` and ``doc_id`` are
    given once, for every entry."""

    account: Account
    file: str
    doc_id: str

    def entity_dropped(self, entity: GoldEntity, reason: str, detail: str = "") -> None:
        self.account.entity_dropped(
            entity, reason, file=self.file, doc_id=self.doc_id, detail=detail
        )

    def annotation_unplaced(
        self, label: str, text: str, reason: str, line: int | None, detail: str = ""
    ) -> None:
        self.account.annotation_unplaced(
            label, text, reason, file=self.file, line=line, doc_id=self.doc_id, detail=detail
        )

    def annotation_skipped(
        self, reason: str, *, line: int | None = None, label: str | None = None, detail: str = ""
    ) -> None:
        self.account.annotation_skipped(
            reason, file=self.file, line=line, doc_id=self.doc_id, label=label, detail=detail
        )

    def note(self, reason: str, *, line: int | None = None, detail: str = "") -> None:
        self.account.note(reason, file=self.file, line=line, doc_id=self.doc_id, detail=detail)


def _with_reasons(
    title: str, reasons: Counter[str], total: int | None = None
) -> list[tuple[str, str]]:
    total = sum(reasons.values()) if total is None else total
    if not total:
        return []
    indent = " " * (len(title) - len(title.lstrip()) + 4)
    return [(title, str(total))] + [
        (f"{indent}{reason}", str(n)) for reason, n in reasons.most_common()
    ]


def _entity_entry(
    action: str, reason: str, entity: GoldEntity, file: str, doc_id: str | None, detail: str
) -> AccountEntry:
    return AccountEntry(
        action,
        reason,
        file,
        entity.line,
        doc_id=doc_id,
        start=entity.start,
        end=entity.end,
        text=entity.text,
        label=entity.label,
        detail=detail,
    )
