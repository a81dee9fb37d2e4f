"""Small MIMIC-IV-Note-style files (synthetic: invented patients and text), as the tests and
docs/omop.md use them: ``discharge.csv.gz`` and ``radiology.csv`` with quoted multi-line text,
doubled quotes, ``___`` redactions, a radiology report outside any stay (empty ``hadm_id``), an
empty note and a row of an unknown note type."""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

COLUMNS = [
    "note_id", "subject_id", "hadm_id", "note_type", "note_seq", "charttime", "storetime", "text",
]  # fmt: skip

HEADER = (
    "Name:  ___                     Unit No:   ___\n"
    " \n"
    "Admission Date:  ___              Discharge Date:   ___\n"
    " \n"
    "Sex:   F\n"
    " \n"
)
DISCHARGE = [
    (
        "10000032-DS-21", "10000032", "22595853", "DS", "21", "2180-05-07 00:00:00",
        "2180-05-09 15:26:00",
        HEADER + "CHIEF COMPLAINT:\nPatient denies chest pain .\n\n"
        "FAMILY HISTORY:\nMother has diabetes .\n\n"
        'HISTORY OF PRESENT ILLNESS:\nAdmitted on ___ with pneumonia , given antibiotics . '
        'She said "it hurts" , per Dr. ___ .\n',
    ),
    (
        "10000032-DS-22", "10000032", "22841357", "DS", "22", "2180-06-27 00:00:00",
        "2180-07-01 10:15:00",
        HEADER + "PAST MEDICAL HISTORY:\nHistory of hypertension .\n\n"
        "HPI:\nThe patient has asthma and was given aspirin daily .\n",
    ),
    (
        "10000084-DS-17", "10000084", "23052089", "DS", "17", "2160-11-25 00:00:00",
        "2160-11-25 15:09:00",
        HEADER + "CHIEF COMPLAINT:\nReports fever .\n\nFAMILY HISTORY:\nFather with asthma .\n",
    ),
    ("10000560-DS-3", "10000560", "28979390", "DS", "3", "2189-10-17 00:00:00", "", "  \n"),
    ("10000935-XX-1", "10000935", "", "XX", "1", "2187-10-10 00:00:00", "", "Unknown type ."),
]  # fmt: skip
RADIOLOGY = [
    (
        "10000117-RR-14", "10000117", "", "RR", "14", "2181-11-15 14:33:00",
        "2181-11-15 15:10:00",
        "EXAMINATION:  CHEST (PA AND LAT)\n\nINDICATION:  ___ with cough , r/o pneumonia\n\n"
        "IMPRESSION:\nNo pneumonia .\n",
    ),
    (
        "10000117-AR-15", "10000117", "27988844", "AR", "15", "2181-11-16 09:00:00", "",
        "ADDENDUM:  Reviewed with Dr. ___ .\n",
    ),
    (
        "10000980-RR-7", "10000980", "", "RR", "7", "2190-01-02 08:00:00", "",
        "INDICATION:  ___ year old woman with dyspnea .\n\nIMPRESSION:\nHistory of asthma .\n",
    ),
]  # fmt: skip


def csv_bytes(rows: list[tuple[str, ...]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def write_mimic_iv(folder: Path) -> tuple[Path, Path]:
    """``folder/discharge.csv.gz`` (gzip) and ``folder/radiology.csv``."""
    folder.mkdir(parents=True, exist_ok=True)
    discharge, radiology = folder / "discharge.csv.gz", folder / "radiology.csv"
    with gzip.open(discharge, "wb") as handle:
        handle.write(csv_bytes(DISCHARGE))
    radiology.write_bytes(csv_bytes(RADIOLOGY))
    return discharge, radiology


def texts() -> dict[str, str]:
    """note_id -> text of every row."""
    return {row[0]: row[-1] for row in DISCHARGE + RADIOLOGY}


def subjects() -> dict[str, str]:
    """note_id -> subject_id."""
    return {row[0]: row[1] for row in DISCHARGE + RADIOLOGY}
