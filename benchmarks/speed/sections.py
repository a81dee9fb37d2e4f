"""The speed run's sections: the contenders, measured round by round, each round starting at a
different contender so that drift in the machine's speed spreads over all of them."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import time
import zipfile
from collections import defaultdict
from collections.abc import Callable
from statistics import median
from typing import Any

from benchmarks.data import ROOT, mtsamples_notes, ncbi_sentences, take_words
from benchmarks.speed.encoders import EncoderSpec, macs_per_token, shape_key
from benchmarks.speed.options import SpeedOptions
from benchmarks.speed.pipelines import SpeedPipeline, count_words, pipeline_path
from benchmarks.speed.results import (
    CorpusSize,
    EncoderResult,
    EncoderShapeResult,
    MachineInfo,
    PackageResult,
    PipelineResult,
    Rate,
    TrainingResult,
)
from benchmarks.speed.workers import ProcessWorker, Worker
from spacy_minialbert.cli.quantize import directory_bytes

ENCODERS = [
    EncoderSpec("minialbert-312", "minialbert"),
    EncoderSpec("minialbert-312 bf16", "minialbert", precision="bf16"),
    EncoderSpec("minialbert-312 int8", "minialbert", precision="int8"),
    EncoderSpec("minialbert-312 ACT", "minialbert", act_depth=4.0),
    EncoderSpec("bert-base", "bert", layers=12),
    EncoderSpec("bert-base bf16", "bert", precision="bf16", layers=12),
    EncoderSpec("bert-base int8", "bert", precision="int8", layers=12),
    EncoderSpec("bert-6L", "bert", layers=6),
]
PIPELINES = [
    SpeedPipeline("minialbert-312", "minialbert", "fp32", trained=True),
    SpeedPipeline("minialbert-312 int8", "minialbert", "int8", trained=True),
    SpeedPipeline("minialbert-312 bf16", "minialbert", "bf16", trained=True),
    SpeedPipeline("minialbert-312 fp16-storage", "minialbert", "fp16-storage", trained=True),
    SpeedPipeline("minialbert-312 ACT", "minialbert", "act"),
    SpeedPipeline("bert-base (spacy-transformers)", "bert", "fp32", layers=12),
    SpeedPipeline("bert-base int8 (spacy-transformers)", "bert", "int8", layers=12),
    SpeedPipeline("bert-6L (spacy-transformers)", "bert", "fp32", layers=6),
    SpeedPipeline("cnn tok2vec+ner", "cnn"),
]

MakeWorker = Callable[[str, str, Any, SpeedOptions], Worker]


def alternate(
    workers: list[Worker],
    rounds: int,
    calls: dict[str, tuple[Any, ...]],
    options: SpeedOptions,
    section: str | None = None,
    each_round: Callable[[], None] = lambda: None,
) -> dict[tuple[str, str], list[float]]:
    """Each of ``calls`` (a command and its arguments, by key) on every worker, ``rounds``
    times; the values per (worker name, key). Each round starts at a different worker."""
    values: dict[tuple[str, str], list[float]] = defaultdict(list)
    for round_index in range(rounds):
        each_round()
        start = round_index % len(workers)
        for key, (command, *args) in calls.items():
            for worker in workers[start:] + workers[:start]:
                # Let the previous contender's OpenMP threads stop spinning first.
                time.sleep(options.settle_seconds)
                values[worker.name, key].append(worker.call(command, *args))
        if section:
            print(f"  {section}: round {round_index + 1}/{rounds} done", flush=True)
    return values


def run_encoders(
    options: SpeedOptions, machine: MachineInfo, make: MakeWorker = ProcessWorker
) -> dict[str, EncoderResult]:
    """Tokens/s of each encoder at each shape, and the matmul ceilings measured every round
    (into ``machine``)."""
    specs = [spec for spec in ENCODERS if not options.encoders or spec.name in options.encoders]
    ceiling = make("machine", "machine", None, options)
    workers = [make("encoder", spec.name, spec, options) for spec in specs]
    gemm: dict[str, list[float]] = defaultdict(list)

    def measure_ceiling() -> None:
        for dtype, rate in ceiling.call("gemm").items():
            gemm[dtype].append(rate)

    calls = {shape_key(b, s): ("encode", b, s, options.seconds) for b, s in options.shapes}
    rates = alternate(workers, options.rounds, calls, options, "encoders", measure_ceiling)
    measure_ceiling()
    machine.gemm_gflops = {dtype: Rate.of(values) for dtype, values in gemm.items()}
    encoders = {}
    for spec, worker in zip(specs, workers, strict=True):
        shapes = {}
        for batch, seq in options.shapes:
            values = rates[spec.name, shape_key(batch, seq)]
            macs = macs_per_token(spec, options.dims, seq)
            tokens = Rate.of(values)
            gflops = fraction = None
            if spec.act_depth is None:
                gflops = 2 * macs * tokens.median / 1e9
                # Each round's rate against the ceiling measured at the start of that round.
                fraction = median(
                    [2 * macs * t / 1e9 / g for t, g in zip(values, gemm["fp32"], strict=False)]
                )
            shapes[shape_key(batch, seq)] = EncoderShapeResult(tokens, macs, gflops, fraction)
        # info: parameters, ACT bias, mean recursions per shape
        encoders[spec.name] = EncoderResult(spec, *worker.info, shapes, worker.stop())
    ceiling.stop()
    return encoders


def corpora_for(words: int) -> dict[str, list[str]]:
    """MTSamples notes and NCBI-disease devel sentences, shuffled, about ``words`` each."""
    rng = random.Random(0)
    notes = mtsamples_notes()
    rng.shuffle(notes)
    sentences = ncbi_sentences("devel")
    rng.shuffle(sentences)
    return {"mtsamples": take_words(notes, words), "ncbi": take_words(sentences, words)}


def corpus_sizes(options: SpeedOptions) -> dict[str, CorpusSize]:
    return {
        name: CorpusSize(len(texts), count_words(texts)) for name, texts in options.corpora.items()
    }


def run_pipelines(
    options: SpeedOptions, make: MakeWorker = ProcessWorker
) -> dict[str, PipelineResult]:
    """Words/s of ``nlp.pipe`` over each corpus, size on disk, peak memory and (variants of
    the trained pipeline) NER scores."""
    specs = [spec for spec in PIPELINES if not options.pipelines or spec.name in options.pipelines]
    for spec in specs:  # built one at a time, each in a short-lived process
        if not (pipeline_path(spec, options) / "config.cfg").is_file():
            print(f"  building {spec.name}", flush=True)
            make("build", spec.name, spec, options).stop()
    workers = [make("pipeline", spec.name, spec, options) for spec in specs]
    calls = {corpus: ("pipe", corpus, options.pipe_seconds) for corpus in options.corpora}
    rates = alternate(workers, options.pipeline_rounds, calls, options, "pipelines")
    pipelines = {}
    for spec, worker in zip(specs, workers, strict=True):
        ner = worker.call("f1") if spec.trained and options.trained else None
        depth = None
        if spec.variant == "act":
            depth = {corpus: worker.call("depth", corpus) for corpus in options.corpora}
        path = pipeline_path(spec, options)
        pipelines[spec.name] = PipelineResult(
            spec=spec,
            words_per_s={c: Rate.of(rates[spec.name, c]) for c in options.corpora},
            ner=ner,
            act_mean_recursions=depth,
            path=str(path),
            saved_mb=directory_bytes(path) / 1e6,
            transformer_mb=directory_bytes(path / "transformer") / 1e6,
            peak_rss_mb=worker.stop(),
        )
    return pipelines


def run_training(
    options: SpeedOptions, make: MakeWorker = ProcessWorker
) -> dict[str, TrainingResult]:
    """Seconds per ``nlp.update``: full fine-tuning against adapters only."""
    modes = ("full", "adapters-only")
    workers = [make("training", mode, mode == "adapters-only", options) for mode in modes]
    times = alternate(
        workers, options.train_rounds, {"train": ("train", options.train_steps)}, options
    )
    return {
        worker.name: TrainingResult(
            *worker.info, Rate.of(times[worker.name, "train"]), options.train_batch, worker.stop()
        )
        for worker in workers
    }


# Loads a packaged pipeline by name in a fresh interpreter (run in the repository root) that
# imports nothing of ours first: spaCy must find the architecture through the entry point.
FRESH_BY_NAME = """
import json, sys
from pathlib import Path
import spacy
nlp = spacy.load(sys.argv[1])
from benchmarks.speed.pipelines import evaluate_f1
print(json.dumps(evaluate_f1(nlp, Path(sys.argv[2]))))
"""


def run_packaging(options: SpeedOptions) -> dict[str, PackageResult]:
    """``spacy package`` the 312 pipeline (fp32 and int8), install each wheel into a private
    directory, and load it by name in a fresh process (NER F1 on NCBI devel when trained)."""
    packages = options.cache / "packages"
    sizes = {}
    for spec in PIPELINES[:2]:
        name = "minialbert_" + spec.variant
        output = packages / spec.variant
        if output.exists():
            shutil.rmtree(output)
        output.mkdir(parents=True)
        source = pipeline_path(spec, options)
        subprocess.run(
            [sys.executable, "-m", "spacy", "package", str(source), str(output), "--name", name,
             "--version", "0.0.0", "--build", "wheel", "--force"],
            check=True, capture_output=True,
        )  # fmt: skip
        wheel = next(output.rglob("*.whl"))
        with zipfile.ZipFile(wheel) as archive:
            installed = sum(info.file_size for info in archive.infolist())
        site = output / "site"
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target",
             str(site), str(wheel)],
            check=True, capture_output=True,
        )  # fmt: skip
        env = {**os.environ, "PYTHONPATH": str(site)}
        loaded = subprocess.run(
            [sys.executable, "-c", FRESH_BY_NAME, f"en_{name}", str(options.ncbi_docbin("devel"))],
            capture_output=True, text=True, env=env, check=False, cwd=ROOT,
        )  # fmt: skip
        ok = loaded.returncode == 0
        sizes[spec.name] = PackageResult(
            wheel_mb=wheel.stat().st_size / 1e6,
            installed_mb=installed / 1e6,
            installed_mib=installed / 2**20,
            loads_by_name_in_fresh_process=ok,
            ner_by_name=json.loads(loaded.stdout.strip().splitlines()[-1]) if ok else None,
            error=None if ok else loaded.stderr[-2000:],
        )
    return sizes
