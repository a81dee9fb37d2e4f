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
    numbers = [f for f in dataclasses.fields(SpeedOptions) if "help" in f.metadata]
    for f in numbers:
        flag = "--" + f.name.replace("_", "-")
        parser.add_argument(flag, type=type(f.default), default=f.default, help=f.metadata["help"])
    parser.add_argument("--encoders", default="", help="Only these (comma-separated names).")
    parser.add_argument("--pipelines", default="", help="Only these (comma-separated names).")
    args = parser.parse_args(argv)
    sections = set(args.sections.split(","))
    if args.package:
        sections.add("package")
    options = SpeedOptions(
        **{f.name: getattr(args, f.name) for f in numbers},
        trained=args.pipeline,
        encoders=[n for n in args.encoders.split(",") if n],
        pipelines=[n for n in args.pipelines.split(",") if n],
    )
    return options, sections, Path(args.out)


def main(argv: list[str] | None = None) -> None:
    """``speed.json`` is written after each section (a failure keeps what was measured)."""
    options, sections, out = parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    command = " ".join(["python -m benchmarks.speed", *sys.argv[1:]])
    recorded = {k: v for k, v in dataclasses.asdict(options).items() if k != "corpora"}
    results = SpeedResults(
        command, recorded, machine_info(options.threads), time.strftime("%Y-%m-%d %H:%M:%S")
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
    print(f"\nCommand: {command}\nResults: {out / 'speed.json'}, {out / 'speed.png'}\n")
    print(table(results))
