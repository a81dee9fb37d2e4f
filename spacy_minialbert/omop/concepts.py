"""The user's mapping from entity labels and note sections to OMOP concept ids.

We ship no vocabulary: without a mapping every concept id is 0, the CDM's "no matching concept".
A mapping is a CSV file with a header ``kind,name,concept_id`` and optionally
``source_concept_id``::

    kind,name,concept_id,source_concept_id
    label,PROBLEM,4274025,0
    section,Family History,4167217,
    section,past_medical_history,1008364,

``kind`` is ``label`` (an entity label, matched exactly) or ``section`` (a section title as
written in the note, matched without case, surrounding space or a trailing colon, or the
sectionizer's category such as ``family_history``). An empty ``source_concept_id`` is 0.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class ConceptMap:
    """label -> (concept id, source concept id); normalised section title or category -> id."""

    labels: dict[str, tuple[int, int]] = field(default_factory=dict)
    sections: dict[str, int] = field(default_factory=dict)

    def label(self, label: str) -> tuple[int, int]:
        return self.labels.get(label, (0, 0))

    def section(self, title: str | None, category: str | None) -> int:
        for key in (title, category):
            if key is not None:
                found = self.sections.get(section_key(key))
                if found is not None:
                    return found
        return 0


def section_key(name: str) -> str:
    """``"  Family History: "`` -> ``"family history"``."""
    return " ".join(name.strip().rstrip(":").split()).lower()


def read_concept_map(path: Path) -> ConceptMap:
    """Read a mapping CSV; ValueError naming the file and line of a bad row."""
    labels: dict[str, tuple[int, int]] = {}
    sections: dict[str, int] = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        header = [name.strip().lower() for name in reader.fieldnames or []]
        missing = [name for name in ("kind", "name", "concept_id") if name not in header]
        if missing:
            raise ValueError(
                f"{path}: the header needs the columns kind,name,concept_id (missing "
                f"{', '.join(missing)}; found {', '.join(header) or 'no header'})."
            )
        reader.fieldnames = header
        for row in reader:
            where = f"{path}:{reader.line_num}"
            kind = (row.get("kind") or "").strip().lower()
            name = (row.get("name") or "").strip()
            if kind not in ("label", "section"):
                raise ValueError(f"{where}: kind must be label or section, not {kind!r}.")
            if not name:
                raise ValueError(f"{where}: the name is empty.")
            concept = _concept_id(row.get("concept_id"), where, "concept_id", required=True)
            source = _concept_id(row.get("source_concept_id"), where, "source_concept_id")
            if kind == "label":
                if name in labels:
                    raise ValueError(f"{where}: label {name!r} is mapped twice.")
                labels[name] = (concept, source)
            else:
                key = section_key(name)
                if key in sections:
                    raise ValueError(f"{where}: section {name!r} is mapped twice.")
                sections[key] = concept
    return ConceptMap(labels, sections)


def _concept_id(value: str | None, where: str, column: str, required: bool = False) -> int:
    text = (value or "").strip()
    if not text:
        if required:
            raise ValueError(f"{where}: {column} is empty.")
        return 0
    try:
        number = int(text)
    except ValueError:
        raise ValueError(f"{where}: {column} must be an integer, not {text!r}.") from None
    if number < 0:
        raise ValueError(f"{where}: {column} must not be negative ({number}).")
    return number
