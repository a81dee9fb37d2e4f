"""Turn the shipped clinical and biomedical text into the distiller's input: one JSONL file.

- MTSamples (``assets/mtsamples/mtsamples.csv``): the ``transcription`` column. Most texts appear
  2-5 times under different specialties, so each distinct text (whitespace-normalised) is kept
  once; empty transcriptions are dropped. The text is kept as published (section headers
  inline, e.g. ``SUBJECTIVE:,``), because that is what a pipeline over this corpus will see.
- NCBI-disease TRAIN abstracts (``assets/ncbi-disease/train/*.txt``, title and abstract): one
  document per file, duplicates (PMID 8528200 appears twice) dropped. The devel and test splits
  are never read: the script refuses directories named otherwise.

    python benchmarks/distill/prepare_data.py \
        [--mtsamples assets/mtsamples/mtsamples.csv] [--ncbi-train assets/ncbi-disease/train] \
        [--output training/distill-data/mtsamples-ncbi-train.jsonl]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path

FORBIDDEN_SPLITS = {"devel", "dev", "test", "holdout"}


def mtsamples(path: Path) -> Iterator[tuple[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            text = (row.get("transcription") or "").strip()
            if text:
                yield f"mtsamples-{row['note_id']}", text


def ncbi_train(directory: Path) -> Iterator[tuple[str, str]]:
    split = {part.lower() for part in directory.resolve().parts}
    if split & FORBIDDEN_SPLITS or directory.name != "train":
        sys.exit(f"{directory}: only the NCBI-disease train split may be used for distillation.")
    for path in sorted(directory.glob("*.txt")):
        text = path.read_text(encoding="utf-8").strip()
        if text:
            yield f"ncbi-{path.stem}", text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--mtsamples", type=Path, default=Path("assets/mtsamples/mtsamples.csv"))
    parser.add_argument("--ncbi-train", type=Path, default=Path("assets/ncbi-disease/train"))
    parser.add_argument(
        "--output", type=Path, default=Path("training/distill-data/mtsamples-ncbi-train.jsonl")
    )
    args = parser.parse_args()
    seen: set[str] = set()
    counts = {"mtsamples": 0, "ncbi": 0, "duplicates": 0}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with args.output.open("w", encoding="utf-8") as out:
        for source, documents in (
            ("mtsamples", mtsamples(args.mtsamples)),
            ("ncbi", ncbi_train(args.ncbi_train)),
        ):
            for doc_id, text in documents:
                key = hashlib.sha1(" ".join(text.split()).encode("utf-8")).hexdigest()
                if key in seen:
                    counts["duplicates"] += 1
                    continue
                seen.add(key)
                counts[source] += 1
                out.write(json.dumps({"id": doc_id, "text": text}) + "\n")
    print(
        f"{args.output}: {counts['mtsamples']} MTSamples notes, {counts['ncbi']} NCBI-disease "
        f"train abstracts ({counts['duplicates']} duplicates dropped)."
    )


if __name__ == "__main__":
    main()
