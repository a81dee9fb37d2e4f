"""Summarise distillation runs as a Markdown table: steps, wall time, tokens/s, first and final
losses, parameter counts and sizes on disk against the teacher's.

    python benchmarks/distill/summarize.py OUTPUT_DIR [OUTPUT_DIR ...] --teacher TEACHER_DIR
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

TERMS = ("loss", "mlm", "attention", "hidden", "logits")


def megabytes(path: Path) -> str:
    return f"{path.stat().st_size / 1e6:.1f} MB" if path.is_file() else "-"


def row(output: Path) -> dict[str, Any]:
    provenance = json.loads((output / "distillation.json").read_text(encoding="utf-8"))
    lines = (output / "metrics.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    first, final = records[0], provenance["final_losses"]
    return {
        "run": output.name,
        "init": provenance["config"]["initialization"]["method"],
        "steps": provenance["steps"],
        "tokens": provenance["tokens"],
        "wall": f"{provenance['wall_time_s'] / 60:.1f} min",
        "tokens/s": provenance["tokens_per_s"],
        **{
            f"{term} (first -> final)": f"{first[term]:.3f} -> {final[term]:.3f}"
            for term in TERMS
            if term in final
        },
        "student params (encoder / with MLM head)": (
            f"{provenance['parameters']['student_encoder']:,} / "
            f"{provenance['parameters']['student_total']:,}"
        ),
        "teacher params": f"{provenance['parameters']['teacher_total']:,}",
        "model.safetensors (encoder + MLM head)": megabytes(output / "model.safetensors"),
        "encoder alone, fp32": f"{provenance['parameters']['student_encoder'] * 4 / 1e6:.1f} MB",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("outputs", nargs="+", type=Path)
    parser.add_argument("--teacher", type=Path, required=True)
    args = parser.parse_args()
    rows = [row(output) for output in args.outputs]
    keys = list(dict.fromkeys(key for r in rows for key in r))
    print("| " + " | ".join(["", *[r["run"] for r in rows]]) + " |")
    print("|" + "---|" * (len(rows) + 1))
    for key in keys[1:]:
        print("| " + " | ".join([key, *[str(r.get(key, "-")) for r in rows]]) + " |")
    teacher_file = megabytes(args.teacher / "model.safetensors")
    print(f"\nTeacher {args.teacher}: model.safetensors {teacher_file}")


if __name__ == "__main__":
    main()
