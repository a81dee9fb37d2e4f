"""Peak memory of ``spacy-minialbert annotate`` against the number of notes: it must be flat.

For each count (200 and 5,000 by default) a JSON Lines input of MTSamples transcriptions is
written, and ``spacy-minialbert annotate MODEL INPUT OUTPUT`` runs on it in a fresh process; its
peak resident set size is read from the kernel when it ends (``wait4``: the largest of the run
and any worker process it waited for). MTSamples holds 2,357 distinct notes, so the notes are
repeated, and every note gets a suffix with strings seen nowhere else (an accession number, a
ward code) so that the vocabulary keeps meeting new strings, as on a real corpus of millions of
notes; the 200-note run gets the same suffixes.

    python -m benchmarks.memory en_minialbert_clinical_context
    python -m benchmarks.memory training/demo/model-best --notes 200 1000 --note-chars 1500

Prints one line per count and the ratio of the largest to the smallest peak; ``--json`` also
writes them to a file. Extra arguments after ``--`` go to ``annotate`` (e.g. ``--n-process 2``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from benchmarks.data import CLI, mtsamples_notes, write_notes


@dataclass(frozen=True)
class MemoryRun:
    notes: int
    written: int
    characters: int
    seconds: float
    peak_rss_mb: float


def measure(model: str, count: int, note_chars: int | None, extra: list[str]) -> MemoryRun:
    """One annotate run over ``count`` notes in a fresh process: its peak RSS and time."""
    texts = mtsamples_notes()
    notes = []
    for index in range(count):
        suffix = f"\n\nAccession QX{index:06d}A, ward W{index}B, round {index // len(texts)}."
        notes.append((f"note-{index}", texts[index % len(texts)][:note_chars] + suffix))
    with tempfile.TemporaryDirectory(prefix="annotate-memory-") as folder:
        source, output = Path(folder) / "notes.jsonl", Path(folder) / "out.jsonl"
        write_notes(source, notes)
        command = [*CLI, "annotate", model, str(source), str(output), "--no-progress", *extra]
        started = time.monotonic()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        # wait4 gives the resources of this child (and of the workers it waited for) alone.
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.monotonic() - started
        log = process.stdout.read().decode("utf-8", "replace") if process.stdout else ""
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"annotate failed on {count} notes:\n{log}")
        written = sum(1 for _ in output.open(encoding="utf-8"))
    characters = sum(len(text) for _, text in notes)
    # Linux reports ru_maxrss in KiB.
    return MemoryRun(
        count, written, characters, round(seconds, 1), round(usage.ru_maxrss / 1024, 1)
    )


def peak_ratio(runs: list[MemoryRun]) -> float:
    """The largest peak over the smallest: 1.0 is perfectly flat in the number of notes."""
    peaks = [run.peak_rss_mb for run in runs]
    return max(peaks) / min(peaks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model", help="pipeline package name or directory")
    parser.add_argument("--notes", type=int, nargs="+", default=[200, 5000])
    parser.add_argument(
        "--note-chars", type=int, default=None, help="cut each note to this many characters"
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    parser.add_argument("extra", nargs="*", help="after --: more arguments for annotate")
    arguments = parser.parse_args()
    results = []
    for count in arguments.notes:
        result = measure(arguments.model, count, arguments.note_chars, arguments.extra)
        results.append(result)
        print(
            f"{result.notes:>6,} notes  {result.characters:>12,} chars  "
            f"{result.seconds:>8.1f} s  peak RSS {result.peak_rss_mb:>8.1f} MB",
            flush=True,
        )
    ratio = peak_ratio(results)
    print(f"largest / smallest peak RSS: {ratio:.3f} (flat within 10%: {ratio <= 1.10})")
    if arguments.json is not None:
        runs = [asdict(result) for result in results]
        summary = {"model": arguments.model, "extra": arguments.extra, "runs": runs}
        arguments.json.write_text(json.dumps({**summary, "ratio": round(ratio, 3)}, indent=2))


if __name__ == "__main__":
    main()
