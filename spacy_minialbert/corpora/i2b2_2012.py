"""Reader for the i2b2 2012 temporal relations corpus (one XML file per discharge summary).

Input, ``*.xml`` files (searched recursively when given a folder)::

    <ClinicalNarrativeTemporalAnnotation>
    <TEXT><![CDATA[Admission Date : ...]]></TEXT>
    <TAGS>
    <EVENT id="E0" start="18" end="27" text="discharge" modality="FACTUAL" polarity="POS"
           type="OCCURRENCE" />
    <TIMEX3 id="T0" start="..." end="..." text="..." type="DATE" val="..." mod="NA" />
    <TLINK .../> <SECTIME .../>
    </TAGS>
    </ClinicalNarrativeTemporalAnnotation>

Offsets are characters into the TEXT content, 0-based, end exclusive. EVENTs become entities
labelled by ``type`` (OCCURRENCE, EVIDENTIAL, TREATMENT, PROBLEM, TEST, CLINICAL_DEPT), with
``modality``, ``polarity`` and ``id`` as attributes; with ``timex=True`` TIMEX3s too, labelled by
their type (DATE, TIME, DURATION, FREQUENCY). TLINK and SECTIME are not converted.

Quirks handled (see :mod:`._xml`): a raw ``&`` (file not well-formed) is kept and reported;
``&apos;``/``&quot;`` are decoded, and a surface still matches when the text holds them
literally. An EVENT with an empty ``type`` is labelled ``empty_type_label`` (default OCCURRENCE,
the guidelines' catch-all type) and reported as changed; ``empty_type_label=""`` drops it,
reported.

TLINK and SECTIME (and TIMEX3 without ``timex``) are left out by design: counted in the account as
annotations left out by the format. An element name in another case (``<event>``) is read as its
element and reported as changed; an unknown element is reported (see :mod:`._xml`)."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path

from ._xml import XmlTag, place_element, place_tag, xml_documents
from .account import Account, DocumentAccount
from .records import DocumentRecord, GoldEntity, Issue

_NOT_CONVERTED = ("TLINK", "SECTIME")
_ATTRIBUTES = {"EVENT": ("id", "modality", "polarity"), "TIMEX3": ("id", "val", "mod")}
_ELEMENTS = (*_ATTRIBUTES, *_NOT_CONVERTED)


def i2b2_2012_documents(
    path: str | Path,
    *,
    account: Account,
    timex: bool = False,
    empty_type_label: str = "OCCURRENCE",
) -> Iterator[DocumentRecord]:
    """Documents of i2b2 2012 XML files: EVENT (and, with ``timex``, TIMEX3) spans by type."""
    entity = partial(_entity, timex=timex, empty_type_label=empty_type_label)
    return xml_documents(path, account, ("EVENT", "TIMEX3") if timex else ("EVENT",), entity)


def _entity(
    tag: XmlTag,
    text: str,
    report: DocumentAccount,
    *,
    timex: bool,
    empty_type_label: str,
) -> GoldEntity | None:
    element = place_element(tag, _ELEMENTS, report)
    if element is None:
        return None
    name, changes = element
    if name in _NOT_CONVERTED:
        report.account.annotation_excluded(f"{name} (not converted)")
        return None
    if name == "TIMEX3" and not timex:
        report.account.annotation_excluded("TIMEX3 (without timex)")
        return None
    attributes = {k: tag.attributes[k] for k in _ATTRIBUTES[name] if k in tag.attributes}
    label = tag.attributes.get("type", "").strip()
    if not label and empty_type_label:
        label = empty_type_label
        changes = (*changes, Issue(f"empty {name} type", f"labelled {empty_type_label}"))
    entity = place_tag(tag, text, label, attributes, report, changes)
    if entity is not None and not label:
        report.entity_dropped(entity, f"empty {name} type", "no label (empty_type_label is empty)")
        return None
    return entity
