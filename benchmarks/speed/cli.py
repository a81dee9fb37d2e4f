"""``python -m benchmarks.speed``: run the sections asked for, save after each, print the
tables last."""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import sys
import time
from pathlib import Path

from benchmarks.speed import __doc__ as DESCRIPTION
from benchmarks.speed.chart import chart
from benchmarks.speed.measure import load_average
from benchmarks.speed.options import SpeedOptions
from benchmarks.speed.report import table
from benchmarks.speed.results import MachineInfo, SpeedResults
from benchmarks.speed.sections import (
    corpora_for,
    corpus_sizes,
    run_encoders,
    run_packaging,
    run_pipelines,
    run_training,
)
from benchmarks.speed.targets import targets

ISA = {"avx2", "avx512f", "avx512_bf16", "avx512_vnni", "amx_bf16", "amx_int8", "avx_vnni"}
RESULTS = Path(__file__).resolve().parent.parent / "results"


def machine_info(threads: int) -> MachineInfo:
    import torch

    model = "unknown"
    flags: set[str] = set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name") and model == "unknown":
                model = line.split(":", 1)[1].strip()
            if line.startswith("flags") and not flags:
                flags = set(line.split(":", 1)[1].split())
    except OSError:  # not Linux: the CPU stays "unknown"
        pass
    return MachineInfo(
        cpu=model,
        logical_cpus=os.cpu_count(),
        threads=threads,
        isa=sorted(flags & ISA),
        python=platform.python_version(),
        torch=torch.__version__,
        platform=platform.platform(),
        load_average_start=load_average(),
    )


def parse_args(argv: list[str] | None = None) -> tuple[SpeedOptions, set[str], Path]:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.speed", description=(DESCRIPTION or "").split("\n\n")[0]
    )
    parser.add_argument("--pipeline", help="Trained 312 NER pipeline (F1 per option).")
    parser.add_argument("--out", default=str(RESULTS))
    parser.add_argument(
        "--sections",
        default="encoders,pipelines,training",
        help="Comma-separated: encoders, pipelines, training, package.",
    )
    parser.add_argument("--package", action="store_true", help="Also build wheels (sizes).")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5, help="Encoder rounds.")
    parser.add_argument("--seconds", type=float, default=2.0, help="Per encoder measurement.")
    parser.add_argument("--pipeline-rounds", type=int, default=3)
    parser.add_argument("--pipe-seconds", type=float, default=2.0)
    parser.add_argument("--words", type=int, default=10000, help="Words per corpus sample.")
    parser.add_argument("--train-rounds", type=int, default=3)
    parser.add_argument("--train-steps", type=int, default=3)
    parser.add_argument("--train-batch", type=int, default=4, help="Abstracts per update.")
    parser.add_argument("--act-depth", type=float, default=4.0)
    parser.add_argument("--encoders", default="", help="Only these (comma-separated names).")
    parser.add_argument("--pipelines", default="", help="Only these (comma-separated names).")
    args = parser.parse_args(argv)
    sections = set(args.sections.split(","))
    if args.package:
        sections.add("package")
    names = {field.name for field in dataclasses.fields(SpeedOptions)}
    options = SpeedOptions(**{k: v for k, v in vars(args).items() if k in names})
    options.trained = args.pipeline
    options.encoders = [n for n in args.encoders.split(",") if n]
    options.pipelines = [n for n in args.pipelines.split(",") if n]
    return options, sections, Path(args.out)


def run(options: SpeedOptions, sections: set[str], out: Path, command: str) -> SpeedResults:
    """Measure ``sections``, writing ``speed.json`` into ``out`` after each (a failure keeps
    what was measured) and ``speed.png`` at the end."""
    recorded = {k: v for k, v in dataclasses.asdict(options).items() if k != "corpora"}
    results = SpeedResults(
        command=command,
        options=recorded,
        machine=machine_info(options.threads),
        started=time.strftime("%Y-%m-%d %H:%M:%S"),
    )
    if "pipelines" in sections and not options.corpora:
        options.corpora = corpora_for(options.words)
    print(f"load average {load_average()}", flush=True)
    out.mkdir(parents=True, exist_ok=True)

    def save() -> None:
        results.machine.load_average_end = load_average()
        results.targets = targets(results)
        (out / "speed.json").write_text(results.to_json())

    for section in ("encoders", "pipelines", "training", "package"):
        if section not in sections:
            continue
        results.load_average_before[section] = load_average()
        if section == "encoders":
            results.encoders = run_encoders(options, results.machine)
        elif section == "pipelines":
            results.corpora = corpus_sizes(options)
            results.pipelines = run_pipelines(options)
        elif section == "training":
            results.training = run_training(options)
        else:
            results.packages = run_packaging(options)
        save()
    save()
    chart(results, out / "speed.png")
    return results


def main(argv: list[str] | None = None) -> None:
    options, sections, out = parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    command = " ".join(["python -m benchmarks.speed", *sys.argv[1:]])
    results = run(options, sections, out, command)
    print(f"\nCommand: {command}\nResults: {out / 'speed.json'}, {out / 'speed.png'}\n")
    print(table(results))
