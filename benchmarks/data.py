"""Real clinical text for the benchmarks: MTSamples transcriptions and NCBI-disease sentences;
and what the benchmarks of the command line share: the command, its notes, their reports.

Paths are the project's assets (``assets/mtsamples/mtsamples.csv``,
``assets/ncbi-disease/{train,devel}``); nothing here needs a network.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MTSAMPLES = ROOT / "assets" / "mtsamples" / "mtsamples.csv"
NCBI = ROOT / "assets" / "ncbi-disease"
CACHE = Path(__file__).resolve().parent / ".cache"
CLI = [sys.executable, "-m", "spacy_minialbert"]

# Sentence ends in PubMed abstracts: a period, question or exclamation mark, then space and a
# capital or digit. Good enough to cut abstracts into sentence-sized pipeline inputs.
SENTENCE_END = re.compile(r"(?<=[.?!])\s+(?=[A-Z0-9(])")


def mtsamples_notes() -> list[str]:
    """Distinct, non-empty MTSamples transcriptions in file order (most texts appear several
    times under different specialties)."""
    csv.field_size_limit(sys.maxsize)
    with MTSAMPLES.open(newline="", encoding="utf-8") as handle:
        texts = ((row.get("transcription") or "").strip() for row in csv.DictReader(handle))
        return [text for text in dict.fromkeys(texts) if text]


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


def take_words(texts: list[str], n_words: int) -> list[str]:
    """The first texts of ``texts`` holding at least ``n_words`` whitespace words."""
    taken, total = [], 0
    for text in texts:
        if total >= n_words:
            break
        taken.append(text)
        total += len(text.split())
    return taken


def write_notes(path: Path, notes: Iterable[tuple[str, str]]) -> None:
    """``(id, text)`` pairs as the JSON Lines input of ``annotate``."""
    with path.open("w", encoding="utf-8") as handle:
        handle.writelines(json.dumps({"id": key, "text": text}) + "\n" for key, text in notes)


def write_report(args: argparse.Namespace, table: str, **figures: object) -> None:
    """``table`` to ``args.output`` and, next to it as JSON, the arguments and ``figures``."""
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(table)
    raw = {"args": {k: str(v) for k, v in vars(args).items()}, **figures}
    args.output.with_suffix(".json").write_text(json.dumps(raw, indent=2) + "\n")
