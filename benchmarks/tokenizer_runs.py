"""Tokenizer time on long runs of repeated characters (issue 13, item 3).

Clinical notes hold separator lines (``=====``, ``_____``, ``-----``, ``*****``, ``-=-=-=``)
and long whitespace runs. spaCy's affix rules cut a run of ``=`` one character at a time and
search the rest of the run again at each cut, so a 50,000-character run took minutes; the
clinical tokenizer makes each run one token in a single pass. This prints, for runs of 2,000 to
300,000 characters, the seconds the clinical tokenizer takes and, up to ``--spacy-max``
characters (it is quadratic), the seconds spaCy's own English tokenizer takes. With
``--pipeline`` it also times ``annotate`` (the Python API, one JSONL note) on a note holding a
50,000-character run of each kind.

    python benchmarks/tokenizer_runs.py
    python benchmarks/tokenizer_runs.py --pipeline path/to/pipeline --sizes 2000 50000
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import spacy

from spacy_minialbert.clinical import clinical_nlp

RUNS = {
    "=": "=",
    "_": "_",
    "-": "-",
    "*": "*",
    ".": ".",
    "-=": "-=",
    "space": " ",
    "newline": "\n",
}
SIZES = (2_000, 4_000, 8_000, 50_000, 100_000, 300_000)


def seconds(function: object, text: str) -> tuple[float, int]:
    start = time.perf_counter()
    doc = function(text)  # type: ignore[operator]
    elapsed = time.perf_counter() - start
    if doc.text != text:
        raise AssertionError("the tokenizer changed the text")
    return elapsed, len(doc)


def tokenizer_table(sizes: list[int], spacy_max: int) -> None:
    clinical = clinical_nlp().tokenizer
    plain = spacy.blank("en").tokenizer
    print(
        f"{'run':>8} {'chars':>8} {'clinical s':>11} {'tokens':>7} {'spaCy en s':>11} {'tokens':>7}"
    )
    for name, unit in RUNS.items():
        for size in sizes:
            text = "Labs:\n" + (unit * size)[:size] + "\nPlan: home."
            clinical_s, clinical_n = seconds(clinical, text)
            if size <= spacy_max:
                plain_s, plain_n = seconds(plain, text)
                plain_cells = f"{plain_s:>11.3f} {plain_n:>7}"
            else:
                plain_cells = f"{'-':>11} {'-':>7}"
            print(f"{name:>8} {size:>8} {clinical_s:>11.3f} {clinical_n:>7} {plain_cells}")


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
            notes.write_text(json.dumps({"id": name, "text": text}) + "\n")
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
    tokenizer_table(args.sizes, args.spacy_max)
    if args.pipeline is not None:
        annotate_table(args.pipeline, args.annotate_size)


if __name__ == "__main__":
    main()
