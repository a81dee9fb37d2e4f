"""Counting every input record once: written, skipped or failed, by reason."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from ..notes.records import Rejected
from .provenance import InputIdentity


@dataclass
class Summary:
    """The tally of a run. ``read == written + skipped + failed`` always holds (``check``)."""

    input: str
    output: str
    errors: str
    read: int = 0
    written: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    words: int = 0
    seconds: float = 0.0
    resumed_from: int = 0
    removed_partial_line: bool = False
    input_identity: InputIdentity | None = None

    def add_written(self, count: int, words: int) -> None:
        self.written += count
        self.words += words

    def add_rejected(self, rejected: Rejected) -> None:
        tally = self.skipped if rejected.outcome == "skipped" else self.failed
        tally[rejected.reason] += 1

    @property
    def n_skipped(self) -> int:
        return sum(self.skipped.values())

    @property
    def n_failed(self) -> int:
        return sum(self.failed.values())

    def check(self) -> None:
        """Raise if a record went missing from the tally (a bug, never the input's fault)."""
        accounted = self.written + self.n_skipped + self.n_failed
        if accounted != self.read:
            raise RuntimeError(
                f"annotate lost track of records: read {self.read}, but written {self.written} + "
                f"skipped {self.n_skipped} + failed {self.n_failed} = {accounted}"
            )

    def to_json(self) -> dict[str, Any]:
        return {
            "input": self.input,
            "input_identity": asdict(self.input_identity) if self.input_identity else None,
            "output": self.output,
            "errors": self.errors,
            "read": self.read,
            "written": self.written,
            "skipped": self.n_skipped,
            "skipped_by_reason": dict(sorted(self.skipped.items())),
            "failed": self.n_failed,
            "failed_by_reason": dict(sorted(self.failed.items())),
            "already_in_output_before_run": self.resumed_from,
            "removed_partial_last_line": self.removed_partial_line,
            "words": self.words,
            "seconds": round(self.seconds, 2),
        }

    def format(self) -> str:
        """A few lines for the terminal."""
        rate = self.words / self.seconds if self.seconds > 0 else 0.0

        def reasons(counter: Counter[str]) -> str:
            listed = ", ".join(f"{r}: {n}" for r, n in sorted(counter.items()))
            return f"  ({listed})" if counter else ""

        lines = [
            f"{self.input} -> {self.output}  ({self.seconds:.1f} s, {rate:,.0f} words/s)",
            f"  read      {self.read:>10,}",
            f"  written   {self.written:>10,}",
            f"  skipped   {self.n_skipped:>10,}{reasons(self.skipped)}",
            f"  failed    {self.n_failed:>10,}{reasons(self.failed)}",
        ]
        if self.n_failed:
            lines.append(f"  failed records and reasons (all runs): {self.errors}")
        if self.removed_partial_line:
            lines.append("  removed a cut-off last line left by an interrupted run")
        return "\n".join(lines)
