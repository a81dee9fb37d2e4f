"""Training checkpoints from which a killed run resumes exactly.

One file, ``OUTPUT_DIR/checkpoint/training_state.pt``, written to a temporary name and renamed
(atomic on POSIX), so a kill during the write leaves the previous checkpoint intact. It holds the
student's weights, optimiser and scheduler states, each process's random states and data
position, the step and token counts, and the config it was written with. Only tensors and plain
values: it loads with ``torch.load(weights_only=True)``.
"""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any

import torch

CHECKPOINT_DIR = "checkpoint"
STATE_FILE = "training_state.pt"
FORMAT_VERSION = 1
# Settings a resumed run may change: they do not alter what is computed step by step.
RESUMABLE_CHANGES = {
    "training.max_steps",
    "training.log_every",
    "training.checkpoint_every",
    "system.progress",
    "system.device",
    "system.threads",
}


def checkpoint_path(output_dir: Path) -> Path:
    return output_dir / CHECKPOINT_DIR / STATE_FILE


def random_states() -> dict[str, Any]:
    """This process's random generators (dropout draws from torch's)."""
    version, internal, gauss = random.getstate()
    return {
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "python": [version, list(internal), gauss],
    }


def restore_random_states(states: dict[str, Any]) -> None:
    torch.set_rng_state(states["torch"])
    if states["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(states["cuda"])
    version, internal, gauss = states["python"]
    random.setstate((version, tuple(internal), gauss))


def save_checkpoint(output_dir: Path, state: dict[str, Any]) -> None:
    """Write ``state`` (plus the format version) atomically."""
    path = checkpoint_path(output_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    torch.save({"format": FORMAT_VERSION, **state}, partial)
    os.replace(partial, path)


def load_checkpoint(output_dir: Path) -> dict[str, Any]:
    path = checkpoint_path(output_dir)
    state: dict[str, Any] = torch.load(path, map_location="cpu", weights_only=True)
    if state.get("format") != FORMAT_VERSION:
        raise ValueError(
            f"{path} has checkpoint format {state.get('format')}; this version reads "
            f"{FORMAT_VERSION}."
        )
    return state


def config_changes(saved: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """Dotted keys whose values differ between two config dicts, except those a resumed run
    may change."""
    changed = []
    for section in sorted(set(saved) | set(current)):
        old, new = saved.get(section, {}), current.get(section, {})
        for key in sorted(set(old) | set(new)):
            name = f"{section}.{key}"
            if name not in RESUMABLE_CHANGES and old.get(key) != new.get(key):
                changed.append(f"{name}: {old.get(key)!r} -> {new.get(key)!r}")
    return changed
