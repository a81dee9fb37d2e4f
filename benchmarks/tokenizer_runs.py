"""Tokenizer time on long runs of repeated characters (issue 13, item 3).

Clinical notes hold separator lines (``=====``, ``_____``, ``-----``, ``*****``, ``-=-=-=``)
and long whitespace runs. spaCy's affix rules cut a run of ``=`` one character at a time and
search the rest of the run again at each cut, so a 50,000-character run took minutes; the
clinical tokenizer makes each run one token in a single pass. This prints, for runs of 2,000 to
300,000 characters, the seconds the clinical tokenizer takes and, up to ``--spacy-max``
characters (it is quadratic), the seconds spaCy's own English tokenizer takes. With
``--pipeline`` it also times ``annotate`` (the Python API, one JSONL note) on a note holding a
50,000-character run of each kind.

    python -m benchmarks.tokenizer_runs
    python -m benchmarks.tokenizer_runs --pipeline path/to/pipeline --sizes 2000 50000
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import spacy

from benchmarks.data import write_notes
from spacy_minialbert.clinical import clinical_nlp

# The name of each repeated unit, and the unit.
RUNS = {**{unit: unit for unit in ("=", "_", "-", "*", ".", "-=")}, "space": " ", "newline": "\n"}
SIZES = (2_000, 4_000, 8_000, 50_000, 100_000, 300_000)


def seconds(function: object, text: str) -> tuple[float, int]:
    start = time.perf_counter()
    doc = function(text)  # type: ignore[operator]
    elapsed = time.perf_counter() - start
    if doc.text != text:
        raise AssertionError("the tokenizer changed the text")
    return elapsed, len(doc)


@dataclass(frozen=True)
class RunTiming:
    run: str  # the name of the repeated unit in RUNS
    chars: int
    clinical_seconds: float
    clinical_tokens: int
    spacy_seconds: float | None  # None above --spacy-max (spaCy's tokenizer is quadratic)
    spacy_tokens: int | None


def time_runs(sizes: list[int], spacy_max: int) -> list[RunTiming]:
    clinical = clinical_nlp().tokenizer
    plain = spacy.blank("en").tokenizer
    rows = []
    for name, unit in RUNS.items():
        for size in sizes:
            text = "Labs:\n" + (unit * size)[:size] + "\nPlan: home."
            clinical_s, clinical_n = seconds(clinical, text)
            plain_s, plain_n = seconds(plain, text) if size <= spacy_max else (None, None)
            rows.append(RunTiming(name, size, clinical_s, clinical_n, plain_s, plain_n))
    return rows


def tokenizer_table(rows: list[RunTiming]) -> str:
    lines = [
        f"{'run':>8} {'chars':>8} {'clinical s':>11} {'tokens':>7} {'spaCy en s':>11} {'tokens':>7}"
    ]
    for row in rows:
        plain_cells = f"{'-':>11} {'-':>7}"
        if row.spacy_seconds is not None:
            plain_cells = f"{row.spacy_seconds:>11.3f} {row.spacy_tokens:>7}"
        lines.append(
            f"{row.run:>8} {row.chars:>8} {row.clinical_seconds:>11.3f} "
            f"{row.clinical_tokens:>7} {plain_cells}"
        )
    return "\n".join(lines)


def annotate_table(pipeline: Path, size: int) -> None:
    from spacy_minialbert.annotate import PipelineSpec, RunOptions, annotate, load_pipeline
    from spacy_minialbert.annotate.sources import open_notes

    nlp, _ = load_pipeline(PipelineSpec(str(pipeline)))
    nlp("warm up: the patient denies chest pain.")
    print(f"\nannotate, one note with a {size:,}-character run ({pipeline})")
    print(f"{'run':>8} {'seconds':>8} {'written':>8} {'truncated tokens':>17}")
    with tempfile.TemporaryDirectory() as scratch:
        for name, unit in RUNS.items():
            text = "HISTORY:\nPatient denies chest pain.\n" + (unit * size)[:size] + "\nPlan: home."
            notes = Path(scratch) / f"{len(name)}-{ord(unit[0])}.jsonl"
            write_notes(notes, [(name, text)])
            output = notes.with_suffix(".out.jsonl")
            start = time.perf_counter()
            summary = annotate(nlp, open_notes(notes), output, RunOptions(progress=False))
            elapsed = time.perf_counter() - start
            records = [json.loads(line) for line in output.read_text().splitlines()]
            truncated = sum(len(record.get("truncated", [])) for record in records)
            print(f"{name:>8} {elapsed:>8.2f} {summary.written:>8} {truncated:>17}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument(
        "--spacy-max", type=int, default=8_000, help="Longest run given to spaCy's tokenizer."
    )
    parser.add_argument("--pipeline", type=Path, help="Also time annotate with this pipeline.")
    parser.add_argument("--annotate-size", type=int, default=50_000)
    args = parser.parse_args()
    print(tokenizer_table(time_runs(args.sizes, args.spacy_max)))
    if args.pipeline is not None:
        annotate_table(args.pipeline, args.annotate_size)


if __name__ == "__main__":
    main()
