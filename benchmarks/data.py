"""Real clinical text for the benchmarks: MTSamples transcriptions and NCBI-disease sentences.

Paths are the project's assets (``assets/mtsamples/mtsamples.csv``,
``assets/ncbi-disease/{train,devel}``); nothing here needs a network.
"""

from __future__ import annotations

import csv
import re
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MTSAMPLES = ROOT / "assets" / "mtsamples" / "mtsamples.csv"
NCBI = ROOT / "assets" / "ncbi-disease"
CACHE = Path(__file__).resolve().parent / ".cache"

# Sentence ends in PubMed abstracts: a period, question or exclamation mark, then space and a
# capital or digit. Good enough to cut abstracts into sentence-sized pipeline inputs.
SENTENCE_END = re.compile(r"(?<=[.?!])\s+(?=[A-Z0-9(])")


def mtsamples_notes() -> list[str]:
    """Distinct, non-empty MTSamples transcriptions in file order (most texts appear several
    times under different specialties)."""
    csv.field_size_limit(sys.maxsize)
    seen: set[str] = set()
    notes = []
    with MTSAMPLES.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            text = (row.get("transcription") or "").strip()
            if text and text not in seen:
                seen.add(text)
                notes.append(text)
    return notes


def ncbi_abstracts(split: str) -> Iterator[str]:
    for path in sorted((NCBI / split).glob("*.txt")):
        yield path.read_text(encoding="utf-8")


def ncbi_sentences(split: str = "devel") -> list[str]:
    """NCBI-disease abstracts cut into sentences (title lines are sentences too)."""
    sentences = []
    for abstract in ncbi_abstracts(split):
        for line in abstract.splitlines():
            sentences.extend(s.strip() for s in SENTENCE_END.split(line) if s.strip())
    return sentences


def vocabulary_texts() -> Iterator[str]:
    """Text for the benchmark WordPiece vocabulary: MTSamples notes and NCBI train."""
    yield from mtsamples_notes()
    yield from ncbi_abstracts("train")


def take_words(texts: list[str], n_words: int) -> list[str]:
    """The first texts of ``texts`` holding at least ``n_words`` whitespace words."""
    taken, total = [], 0
    for text in texts:
        if total >= n_words:
            break
        taken.append(text)
        total += len(text.split())
    return taken
