"""The control of the comparison: a MiniALBERT with exactly the distilled student's config and
tokenizer, but random weights (no distillation).

    python benchmarks/distill/random_student.py STUDENT_DIR OUTPUT_DIR [--seed 0]
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import torch

from spacy_minialbert import MiniAlbertConfig, MiniAlbertModel

TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "vocab.txt",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("student", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    config = MiniAlbertConfig.from_pretrained(args.student)
    torch.manual_seed(args.seed)
    model = MiniAlbertModel(config)
    args.output.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(args.output, safe_serialization=True)
    for name in TOKENIZER_FILES:
        if (args.student / name).is_file():
            shutil.copy(args.student / name, args.output / name)
    n_parameters = sum(p.numel() for p in model.parameters())
    print(f"Random student ({n_parameters:,} parameters) in {args.output}")


if __name__ == "__main__":
    main()
