"""Each contender in its own worker process, driven over a pipe: its peak resident memory is
its own, and only one computes at a time.

A contender is an object built in the worker from (spec, options); the orchestrator calls its
methods by name (``worker.call("encode", 8, 128, 2.0)``) and gets their return values back.
``LocalWorker`` runs the same contender in this process (for tests: no process to start).
"""

from __future__ import annotations

import multiprocessing
import random
import time
import traceback
from pathlib import Path
from typing import Any, Protocol

from benchmarks.speed import encoders as e
from benchmarks.speed import pipelines as p
from benchmarks.speed.measure import gemm_rate, peak_rss_mb, timed
from benchmarks.speed.options import SpeedOptions, shape_key


class Machine:
    """The matmul ceilings, measured between the contenders' rounds."""

    def __init__(self, spec: None, options: SpeedOptions) -> None:
        self.shapes = options.gemm_shapes
        self.info = None

    def gemm(self) -> dict[str, float]:
        import torch

        rates = {"fp32": gemm_rate("fp32", self.shapes)}
        if torch.ops.mkldnn._is_mkldnn_bf16_supported():
            rates["bf16"] = gemm_rate("bf16", self.shapes)
        return rates


class Encoder:
    def __init__(self, spec: e.EncoderSpec, options: SpeedOptions) -> None:
        vocab = options.dims.vocab_size
        model, info = e.build_encoder(spec, options.dims)
        self.calls = {shape: e.encoder_call(model, spec, vocab, *shape) for shape in options.shapes}
        for call in self.calls.values():  # warm-up: allocations, kernel choice
            call()
            call()
        self.info: tuple[e.EncoderInfo, dict[str, float | None]] = (
            info,
            {shape_key(b, s): e.mean_updates(model, vocab, b, s) for b, s in options.shapes},
        )

    def encode(self, batch: int, seq: int, seconds: float) -> float:
        """Tokens per second."""
        elapsed, calls = timed(self.calls[(batch, seq)], seconds)
        return batch * seq * calls / elapsed


class Pipeline:
    def __init__(self, spec: p.SpeedPipeline, options: SpeedOptions) -> None:
        self.nlp = p.load_pipeline(spec, options)
        self.corpora = options.corpora
        self.options = options
        for texts in self.corpora.values():
            p.run_pipe(self.nlp, texts[:4])
        self.info = None

    def pipe(self, corpus: str, seconds: float) -> float:
        """Words per second."""
        texts = self.corpora[corpus]
        elapsed, calls = timed(lambda: p.run_pipe(self.nlp, texts), seconds)
        return p.count_words(texts) * calls / elapsed

    def f1(self) -> dict[str, float]:
        return p.evaluate_f1(self.nlp, self.options.ncbi_docbin("devel"))

    def depth(self, corpus: str) -> float | None:
        return p.act_depth_of(self.nlp, self.corpora[corpus])


class Build:
    """Builds and saves one pipeline, in a short-lived process of its own."""

    def __init__(self, spec: p.SpeedPipeline, options: SpeedOptions) -> None:
        self.info = p.build_pipeline(spec, options)


class Training:
    """nlp.update on NCBI-disease abstracts: full fine-tuning or adapters only."""

    def __init__(self, adapters_only: bool, options: SpeedOptions) -> None:
        base = Path(options.trained) if options.trained else self.random_base(options)
        self.nlp, self.optimizer, trainable, total = p.training_setup(base, adapters_only)
        examples = p.examples_for(self.nlp, options, 64)
        rng = random.Random(0)
        self.batches = [rng.sample(examples, options.train_batch) for _ in range(16)]
        p.training_step(self.nlp, self.optimizer, self.batches[0])  # warm-up (Adam state)
        self.info = (trainable, total)

    @staticmethod
    def random_base(options: SpeedOptions) -> Path:
        return p.pipeline_path(p.SpeedPipeline("minialbert-312", "minialbert"), options)

    def train(self, steps: int) -> float:
        """Seconds per update."""
        start = time.perf_counter()
        for step in range(steps):
            batch = self.batches[step % len(self.batches)]
            p.training_step(self.nlp, self.optimizer, batch)
        return (time.perf_counter() - start) / steps


CONTENDERS: dict[str, Any] = {
    "machine": Machine,
    "encoder": Encoder,
    "pipeline": Pipeline,
    "build": Build,
    "training": Training,
}


class Worker(Protocol):
    name: str
    info: Any

    def call(self, command: str, *args: Any) -> Any: ...

    def stop(self) -> float:
        """End the contender; its peak resident memory (MB)."""
        ...


def worker_main(conn: Any, kind: str, spec: Any, options: SpeedOptions) -> None:
    try:
        contender_class = CONTENDERS[kind]
        import torch

        torch.set_num_threads(options.threads)
        contender = contender_class(spec, options)
        conn.send(("ready", contender.info))
        while True:
            command, args = conn.recv()
            if command == "stop":
                conn.send(("ok", peak_rss_mb()))
                return
            conn.send(("ok", getattr(contender, command)(*args)))
    except Exception:  # report to the orchestrator instead of dying silently
        conn.send(("error", traceback.format_exc()))


class ProcessWorker:
    """One contender in its own (spawned) process."""

    def __init__(self, kind: str, name: str, spec: Any, options: SpeedOptions) -> None:
        context = multiprocessing.get_context("spawn")
        self.name = name
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=worker_main, args=(child, kind, spec, options), daemon=True
        )
        self.process.start()
        self.info = self._receive()

    def _receive(self) -> Any:
        status, payload = self.conn.recv()
        if status == "error":
            self.process.join(timeout=60)
            raise RuntimeError(f"{self.name}: worker failed:\n{payload}")
        return payload

    def call(self, command: str, *args: Any) -> Any:
        self.conn.send((command, args))
        return self._receive()

    def stop(self) -> float:
        peak: float = self.call("stop")
        self.process.join(timeout=60)
        return peak


class LocalWorker:
    """The same contender in this process: no isolation, for tests at tiny shapes."""

    def __init__(self, kind: str, name: str, spec: Any, options: SpeedOptions) -> None:
        self.name = name
        self.contender = CONTENDERS[kind](spec, options)
        self.info = self.contender.info

    def call(self, command: str, *args: Any) -> Any:
        return getattr(self.contender, command)(*args)

    def stop(self) -> float:
        return peak_rss_mb()


def rotated(items: list[Any], start: int) -> list[Any]:
    """``items`` starting at ``start``: each round starts at a different contender, so that
    drift in the machine's speed spreads over all of them."""
    start %= len(items)
    return items[start:] + items[:start]


def settle(options: SpeedOptions) -> None:
    """Let the previous contender's OpenMP threads stop spinning before the next one starts."""
    time.sleep(options.settle_seconds)
