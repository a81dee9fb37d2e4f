"""Spark engine against the local command: the same MTSamples notes, the same int8 pipeline.

    .venv/bin/python -m benchmarks.spark                 # 2,000 notes (run it alone)
    .venv/bin/python -m benchmarks.spark --notes 100     # a quick check that it works

Runs, one after the other, each in its own subprocess:

1. ``spacy-minialbert annotate`` with 1 process (PyTorch limited to 1 thread) and with
   ``--n-process 2`` (1 thread each);
2. ``spacy-minialbert annotate-spark`` with ``--master local[1]`` and ``local[2]`` (one task per
   core, ``spark.task.cpus=1``, so 1 PyTorch thread per task).

For each: words/s by the run's own clock (the ``seconds`` of its summary: the local command's
run, the Spark job from reading the input to the last commit, pipeline loading in the workers
included) and end to end (process start to exit: Python imports, JVM start), notes/hour, and
the peak resident memory of the whole process tree (sampled from /proc every 0.2 s: the JVM and
every Python worker together). The Spark overhead is Spark's words/s against the local
command's at equal cores. From the per-core rate of ``local[2]``, the time MIMIC-IV-Note and 10
million notes would take on 16, 64 and 256 cores, assuming throughput grows linearly with
cores (Spark tasks share nothing; the input read and the commits are small next to the model).

The pipeline: ``--model`` (default ``en_minialbert_clinical_context``, the medspaCy variant of
the demo pipeline), made int8 with ``spacy-minialbert quantize`` unless ``--no-quantize``.
Prints a Markdown table and writes it (and the raw figures as JSON) with ``--output``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from benchmarks.data import CLI, mtsamples_notes, write_notes, write_report

# MIMIC-IV-Note v2.2: discharge summaries and radiology reports, with the lengths assumed here.
WORKLOADS = [
    ("MIMIC-IV-Note discharge (331,794 x ~1,500 words)", 331_794 * 1_500),
    ("MIMIC-IV-Note radiology (2,321,355 x ~200 words)", 2_321_355 * 200),
]
CORES = (16, 64, 256)


@dataclass
class Run:
    name: str
    cores: int
    notes: int
    words: int
    seconds: float
    wall_seconds: float
    peak_rss_mb: float

    @property
    def words_per_second(self) -> float:
        return self.words / self.seconds

    @property
    def notes_per_hour(self) -> float:
        return self.notes / self.seconds * 3600


def _tree_rss(root: int) -> int:
    """The summed RSS of a process and all its descendants, from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):  # the process ended meanwhile
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree = {root}
    while children := {pid for pid, ppid in parents.items() if ppid in tree} - tree:
        tree |= children
    total = 0
    page = os.sysconf("SC_PAGE_SIZE")
    for pid in tree:
        with contextlib.suppress(OSError):
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * page
    return total


def _run(name: str, cores: int, command: list[str], env: dict[str, str], summary: Path,
         limit: float) -> Run:  # fmt: skip
    print(f"[{name}] {' '.join(command)}", file=sys.stderr, flush=True)
    started = time.monotonic()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)  # fmt: skip
    peak, done = 0, threading.Event()

    def sample() -> None:  # every 0.2 s until the process ends
        nonlocal peak
        while not done.wait(0.2):
            peak = max(peak, _tree_rss(process.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        output, _ = process.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise SystemExit(f"[{name}] did not finish in {limit:.0f} s") from None
    wall = time.monotonic() - started
    done.set()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"[{name}] failed ({process.returncode}):\n{output[-4000:]}")
    data = json.loads(summary.read_text())
    return Run(name, cores, data["written"], data["words"], data["seconds"], wall, peak / 2**20)


def measure(args: argparse.Namespace, work: Path) -> list[Run]:
    texts = mtsamples_notes()[: args.notes]
    if len(texts) < args.notes:
        raise SystemExit(f"MTSamples has {len(texts)} distinct notes, fewer than {args.notes}")
    notes = work / "notes.jsonl"
    write_notes(notes, ((str(i), text) for i, text in enumerate(texts)))
    model = args.model
    if args.quantize:
        model = str(work / "int8")
        subprocess.run([*CLI, "quantize", args.model, model], check=True, stdout=subprocess.DEVNULL)
    spark_env = dict(os.environ, PYTHONUNBUFFERED="1")
    local_env = dict(spark_env, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    runs = []
    for processes in (1, 2):
        out = work / f"local-{processes}.jsonl"
        command = [*CLI, "annotate", model, str(notes), str(out), "--no-progress",
                   "--n-process", str(processes), "--batch-size", str(args.batch_size)]  # fmt: skip
        summary = out.with_name(f"local-{processes}.summary.json")
        runs.append(_run(f"annotate, {processes} process{'es' if processes > 1 else ''}",
                         processes, command, local_env, summary, args.time_limit))  # fmt: skip
    for cores in (1, 2):
        out = work / f"spark-{cores}"
        command = [*CLI, "annotate-spark", model, str(notes), str(out),
                   "--master", f"local[{cores}]", "--batch-size", str(args.batch_size),
                   "--conf", "spark.ui.enabled=false", "--conf", "spark.task.cpus=1",
                   "--conf", f"spark.driver.memory={args.driver_memory}"]  # fmt: skip
        runs.append(_run(f"annotate-spark, local[{cores}]", cores, command, spark_env,
                         out / "summary.json", args.time_limit))  # fmt: skip
    return runs


def _duration(seconds: float) -> str:
    hours = seconds / 3600
    return f"{hours:,.1f} h" if hours < 48 else f"{hours / 24:,.1f} days"


def report(runs: list[Run], args: argparse.Namespace) -> str:
    by_name = {run.name: run for run in runs}
    lines = [
        f"{runs[0].notes:,} MTSamples notes, `{args.model}`"
        f"{' int8' if args.quantize else ''}, batch size {args.batch_size}; "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs visible.",
        "",
        "| run | cores | words/s | notes/hour | end to end (s) | peak memory (MB) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        lines.append(
            f"| {run.name} | {run.cores} | {run.words_per_second:,.0f} | "
            f"{run.notes_per_hour:,.0f} | {run.wall_seconds:,.1f} | {run.peak_rss_mb:,.0f} |"
        )
    lines.append("")
    for cores in (1, 2):
        local = by_name[f"annotate, {cores} process{'es' if cores > 1 else ''}"]
        spark = by_name[f"annotate-spark, local[{cores}]"]
        share = spark.words_per_second / local.words_per_second
        lines.append(
            f"- Spark at {cores} core{'s' if cores > 1 else ''}: {share:.0%} of the local "
            f"command's words/s (overhead {1 - share:.0%}); end to end "
            f"{spark.wall_seconds / local.wall_seconds:.2f}x the local command's time."
        )
    spark2 = by_name["annotate-spark, local[2]"]
    per_core = spark2.words_per_second / 2
    words_per_note = spark2.words / spark2.notes
    lines += [
        "",
        f"Projection from Spark `local[2]`: {per_core:,.0f} words/s per core, throughput linear "
        "in cores (the rate includes this run's fixed start-up: JVM, planning, pipeline loading, "
        "which a long job spreads thinner, so the times are upper bounds). MIMIC-IV-Note "
        "lengths are assumptions (about 1,500 words per discharge summary, 200 per radiology "
        "report); the 10 million notes are taken to be like these "
        f"MTSamples notes ({words_per_note:,.0f} words each).",
        "",
        "| workload | words | " + " | ".join(f"{c} cores" for c in CORES) + " |",
        "|---|---:|" + "---:|" * len(CORES),
    ]
    workloads = [
        *WORKLOADS,
        ("MIMIC-IV-Note, both", sum(words for _, words in WORKLOADS)),
        (f"10 million notes (~{words_per_note:,.0f} words)", int(10_000_000 * words_per_note)),
    ]
    for name, words in workloads:
        cells = " | ".join(_duration(words / (per_core * cores)) for cores in CORES)
        lines.append(f"| {name} | {words / 1e6:,.0f} M | {cells} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="en_minialbert_clinical_context")
    parser.add_argument("--no-quantize", dest="quantize", action="store_false")
    parser.add_argument("--notes", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--driver-memory", default="2g")
    parser.add_argument("--time-limit", type=float, default=3600, help="Seconds per run.")
    parser.add_argument("--output", type=Path, help="Write the Markdown table here (+ .json).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="spark-bench-") as directory:
        runs = measure(args, Path(directory))
    table = report(runs, args)
    print(table)
    if args.output is not None:
        write_report(args, table, runs=[asdict(run) for run in runs])


if __name__ == "__main__":
    main()
