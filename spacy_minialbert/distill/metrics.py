"""Training metrics: a JSONL file and a loss plot."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

METRICS_FILE = "metrics.jsonl"
PLOT_FILE = "loss.png"


class MetricsLog:
    """Appends one JSON object per log line to ``metrics.jsonl``."""

    def __init__(self, output_dir: Path) -> None:
        self.path = output_dir / METRICS_FILE

    def truncate_after(self, step: int) -> None:
        """Drop lines logged after ``step``: a killed run may have logged past its last
        checkpoint, and the resumed run logs those steps again."""
        if self.path.is_file():
            kept = [record for record in self.read() if record["step"] <= step]
            self.path.write_text("".join(json.dumps(r) + "\n" for r in kept), encoding="utf-8")

    def write(self, record: Mapping[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")

    def read(self) -> list[dict[str, Any]]:
        if not self.path.is_file():
            return []
        lines = self.path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]


def plot_losses(records: list[dict[str, Any]], path: Path) -> None:
    """The weighted total and each unweighted term (top, log scale) and the learning rate
    (bottom), by step."""
    if not records:
        return
    import matplotlib

    matplotlib.use("Agg")  # files only; no display on a training machine
    import matplotlib.pyplot as plt

    steps = [r["step"] for r in records]
    figure, (losses, rates) = plt.subplots(2, 1, figsize=(8, 6), sharex=True, height_ratios=(3, 1))
    for key in ("loss", "mlm", "attention", "hidden", "logits", "ponder"):
        values = [r.get(key) for r in records]
        if any(isinstance(v, int | float) and v > 0 for v in values):
            pairs = [(s, v) for s, v in zip(steps, values, strict=True) if v is not None]
            losses.plot(*zip(*pairs, strict=True), label=key, linewidth=2 if key == "loss" else 1)
    losses.set_yscale("log")
    losses.set_ylabel("total (weighted) and terms")
    # Above the axes: inside, it would cover the curves whatever their shape.
    losses.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=6, fontsize="small")
    losses.grid(alpha=0.3)
    rates.plot(steps, [r["lr"] for r in records], color="grey")
    rates.set_ylabel("learning rate")
    rates.set_xlabel("step")
    # Fixed margins: tight_layout measures every tick label and costs about a second.
    figure.subplots_adjust(left=0.1, right=0.97, top=0.93, bottom=0.09, hspace=0.08)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)
