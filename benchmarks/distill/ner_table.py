"""The NER comparison table: devel F1 of each contender (from `spacy-minialbert evaluate`),
training time, pipeline size on disk, and the encoders' size and speed, student against teacher
(encoder tokens/s at batch 8 x 128, contenders alternated over rounds so machine drift cancels).

    python benchmarks/distill/ner_table.py training/ner-compare STUDENT_DIR TEACHER_DIR
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import torch

CONTENDERS = (
    ("distilled-student", "MiniALBERT student, distilled (teacher init)"),
    ("distilled-student-random-init", "MiniALBERT student, distilled (random init)"),
    ("undistilled-student", "same student, random weights (no distillation)"),
    ("teacher", "teacher all-MiniLM-L6-v2 (stock spacy-transformers)"),
    ("cnn-tok2vec", "spaCy CNN tok2vec"),
    (
        "demo-backbone",
        "the demo's local backbone (H 128, 4 layers, own vocabulary), random weights",
    ),
)


def encoder_speed(models: dict[str, torch.nn.Module], rounds: int = 5) -> dict[str, float]:
    """Tokens/s of each encoder's forward pass on random ids, batch 8 x 128, alternating."""
    ids = torch.randint(1000, 20000, (8, 128))
    mask = torch.ones_like(ids)
    timings: dict[str, list[float]] = {name: [] for name in models}
    with torch.inference_mode():
        for model in models.values():
            model(input_ids=ids, attention_mask=mask)  # warm-up
        for _ in range(rounds):
            for name, model in models.items():
                started = time.perf_counter()
                model(input_ids=ids, attention_mask=mask)
                timings[name].append(time.perf_counter() - started)
    return {name: ids.numel() / sorted(t)[len(t) // 2] for name, t in timings.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("runs", type=Path)
    parser.add_argument("student", type=Path)
    parser.add_argument("teacher", type=Path)
    args = parser.parse_args()
    from transformers import AutoModel

    from spacy_minialbert import MiniAlbertModel
    from spacy_minialbert.cli.quantize import directory_bytes

    print(
        f"Machine: {platform.processor() or platform.machine()}, {torch.get_num_threads()} threads"
    )
    print("| contender | devel P | devel R | devel F1 | training wall time | pipeline on disk |")
    print("|---|---|---|---|---|---|")
    for name, title in CONTENDERS:
        scores_path = args.runs / name / "metrics" / "scores.json"
        if not scores_path.is_file():
            print(f"| {title} | (not run) | | | | |")
            continue
        ents = json.loads(scores_path.read_text())["ents"]
        timing = (args.runs / f"{name}.time").read_text().strip()
        size = directory_bytes(args.runs / name / "model-best") / 1e6
        print(
            f"| {title} | {ents['precision'] * 100:.1f} | {ents['recall'] * 100:.1f} | "
            f"**{ents['f1'] * 100:.1f}** | {float(timing.split()[0]) / 60:.1f} min | "
            f"{size:.1f} MB |"
        )
    encoders = {
        "student": MiniAlbertModel.from_pretrained(str(args.student)).eval(),
        "teacher": AutoModel.from_pretrained(args.teacher).eval(),
    }
    speed = encoder_speed(encoders)
    sizes = {name: sum(p.numel() for p in model.parameters()) for name, model in encoders.items()}
    print()
    print("| encoder | parameters | fp32 weights | tokens/s (8 x 128) |")
    print("|---|---|---|---|")
    for name, n in sizes.items():
        print(f"| {name} | {n:,} | {n * 4 / 1e6:.1f} MB | {speed[name]:,.0f} |")
    print(
        f"\nstudent/teacher: {speed['student'] / speed['teacher']:.2f}x tokens/s, "
        f"{sizes['student'] / sizes['teacher']:.2f}x parameters"
    )


if __name__ == "__main__":
    main()
