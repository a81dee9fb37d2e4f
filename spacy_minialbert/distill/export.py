"""The finished student: a directory that ``MiniAlbertModel.from_pretrained`` loads as it is."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import torch

from ..hf import MiniAlbertForMaskedLM
from .sources import InputFile
from .student import count_parameters
from .teacher import Teacher

PROVENANCE_FILE = "distillation.json"


def write_student(
    output_dir: Path,
    model: MiniAlbertForMaskedLM,
    tokenizer: Any,
    provenance: Mapping[str, Any],
) -> None:
    """``model.safetensors`` + ``config.json`` (``model_type: minialbert``), the teacher's
    tokenizer files, and ``distillation.json``."""
    output_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(output_dir, safe_serialization=True)
    tokenizer.save_pretrained(output_dir)
    text = json.dumps(provenance, indent=2, sort_keys=False)
    (output_dir / PROVENANCE_FILE).write_text(text + "\n", encoding="utf-8")


def provenance(
    *,
    config: Mapping[str, Any],
    teacher: Teacher,
    model: MiniAlbertForMaskedLM,
    files: Sequence[InputFile],
    teacher_layers: Sequence[int],
    steps: int,
    tokens: int,
    elapsed: float,
    world_size: int,
    device: torch.device,
    final: Mapping[str, float],
    initialisation: Sequence[str],
) -> dict[str, Any]:
    """What made this student: teacher, data, settings, and how training ended."""
    from .. import __version__ as package_version

    encoder = model.minialbert
    return {
        "teacher": teacher.name,
        "teacher_has_mlm_head": teacher.has_mlm_head,
        "teacher_layers": list(teacher_layers),
        "data_files": [str(f.path) for f in files],
        "steps": steps,
        "tokens": tokens,
        "wall_time_s": round(elapsed, 1),
        "tokens_per_s": round(tokens / elapsed, 1) if elapsed > 0 else None,
        "processes": world_size,
        "device": device.type,
        "final_losses": dict(final),
        "initialisation": list(initialisation),
        "parameters": {
            "student_total": count_parameters(model),
            "student_encoder": count_parameters(encoder),
            "teacher_total": count_parameters(teacher.model),
            "teacher_encoder": count_parameters(teacher.encoder),
        },
        "config": dict(config),
        "versions": {
            "spacy_minialbert": package_version,
            "torch": torch.__version__,
        },
    }
