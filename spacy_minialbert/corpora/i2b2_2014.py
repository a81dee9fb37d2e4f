"""Reader for the i2b2/UTHealth 2014 de-identification corpus (one XML file per record).

Input, ``<patient>-<record>.xml`` files (searched recursively when given a folder)::

    <?xml version="1.0" encoding="UTF-8" ?>
    <deIdi2b2>
    <TEXT><![CDATA[Seen by Dr. Lee on 2091-04-11.]]></TEXT>
    <TAGS>
    <NAME id="P0" start="12" end="15" text="Lee" TYPE="DOCTOR" comment="" />
    <DATE id="P1" start="19" end="29" text="2091-04-11" TYPE="DATE" comment="" />
    </TAGS>
    </deIdi2b2>

Each PHI element is named by its category (NAME, PROFESSION, LOCATION, AGE, DATE, CONTACT, ID,
OTHER) and carries a ``TYPE`` (PATIENT, DOCTOR, HOSPITAL, ...). Offsets are characters into the
TEXT as stored, 0-based, end exclusive, counting the ``\\r`` of CRLF line ends: the CDATA is read
raw, so the document text keeps its CRLFs and no offset shifts. Labels are the TYPE
(``label_by="type"``, default) or the category (``label_by="category"``); the other one is kept as
an attribute. A mention whose text does not match is relocated nearby or dropped, reported either
way (the release has a record with a missing run of spaces and one with "&" for "and"). The
document's group is the patient: the first three characters of the file name.

A category element in another case (``<name>``) is read as its category and reported as changed;
any other element (``<NAMES>``) is reported as a dropped mention when it has offsets, else as a
skipped annotation (see :mod:`._xml`)."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path

from ._xml import XmlTag, place_element, place_tag, xml_documents
from .account import Account, DocumentAccount
from .records import DocumentRecord, GoldEntity, Issue

PHI_CATEGORIES = ("NAME", "PROFESSION", "LOCATION", "AGE", "DATE", "CONTACT", "ID", "OTHER")
LABEL_BY = ("type", "category")


def i2b2_2014_documents(
    path: str | Path, *, account: Account, label_by: str = "type"
) -> Iterator[DocumentRecord]:
    """Documents of i2b2 2014 XML files: PHI mentions labelled by TYPE or category, grouped by
    patient."""
    if label_by not in LABEL_BY:
        raise ValueError(f"label_by must be one of {LABEL_BY}, got {label_by!r}.")
    entity = partial(_entity, label_by=label_by)
    for record in xml_documents(path, account, PHI_CATEGORIES, entity):
        record.group = Path(record.source).name[:3]
        yield record


def _entity(tag: XmlTag, text: str, report: DocumentAccount, *, label_by: str) -> GoldEntity | None:
    element = place_element(tag, PHI_CATEGORIES, report)
    if element is None:
        return None
    category, changes = element
    phi_type = tag.attributes.get("TYPE", "").strip()
    if not phi_type and label_by == "type":
        changes = (*changes, Issue("empty TYPE", f"labelled by its category {category}"))
    label = (phi_type or category) if label_by == "type" else category
    attributes = {"category": category, "TYPE": phi_type}
    for key in ("id", "comment"):
        if tag.attributes.get(key):
            attributes[key] = tag.attributes[key]
    return place_tag(tag, text, label, attributes, report, changes)
