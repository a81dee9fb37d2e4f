"""``speed.png``: encoder tokens/s and pipeline words/s as horizontal bars."""

from __future__ import annotations

from pathlib import Path

from benchmarks.speed.results import SpeedResults


def panels(results: SpeedResults) -> list[tuple[str, dict[str, float]]]:
    """(title, value per contender) for each panel."""
    found = []
    if results.encoders:
        first = next(iter(next(iter(results.encoders.values())).shapes))
        batch, seq = first.split("x")
        values = {n: e.shapes[first].tokens_per_s.median for n, e in results.encoders.items()}
        found.append((f"Encoder tokens/s (batch {batch} x {seq})", values))
    for corpus, title in (("mtsamples", "MTSamples notes"), ("ncbi", "NCBI-disease sentences")):
        if results.pipelines:
            values = {n: p.words_per_s[corpus].median for n, p in results.pipelines.items()}
            found.append((f"Pipeline words/s: {title}", values))
    return found


def colour(name: str) -> str:
    if name.startswith("minialbert"):
        return "tab:blue"
    return "tab:gray" if name.startswith("cnn") else "tab:orange"


def chart(results: SpeedResults, path: Path) -> bool:
    """Draw the panels into ``path``; False (nothing written) when there are none."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    found = panels(results)
    if not found:
        return False
    figure, axes = plt.subplots(len(found), 1, figsize=(9, 3.2 * len(found)), squeeze=False)
    for axis, (title, values) in zip(axes[:, 0], found, strict=True):
        names = list(values)[::-1]
        axis.barh(names, [values[n] for n in names], color=[colour(n) for n in names])
        axis.set_title(title, fontsize=10)
        axis.tick_params(labelsize=8)
        for y, n in enumerate(names):
            axis.text(values[n], y, f" {values[n]:,.0f}", va="center", fontsize=7)
    machine = results.machine
    figure.suptitle(f"{machine.cpu}, {machine.threads} threads, torch {machine.torch}", fontsize=9)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return True
