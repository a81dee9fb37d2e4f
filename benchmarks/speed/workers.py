"""Each contender in its own worker process, driven over a pipe: its peak resident memory is
its own, and only one computes at a time.

A contender is an object built in the worker from (spec, options); the orchestrator calls its
methods by name (``worker.call("encode", 8, 128, 2.0)``) and gets their return values back, and
its ``info`` (if any) once it is ready. ``LocalWorker`` runs the same contender in this process
(for tests: no process to start).
"""

from __future__ import annotations

import multiprocessing
import traceback
from typing import Any

from benchmarks.speed.encoders import Encoder
from benchmarks.speed.measure import gemm_rate, peak_rss_mb
from benchmarks.speed.options import SpeedOptions
from benchmarks.speed.pipelines import Pipeline, SpeedPipeline, Training, build_pipeline


class Machine:
    """The matmul ceilings, measured between the contenders' rounds."""

    def __init__(self, spec: None, options: SpeedOptions) -> None:
        self.shapes = options.gemm_shapes

    def gemm(self) -> dict[str, float]:
        import torch

        rates = {"fp32": gemm_rate("fp32", self.shapes)}
        if torch.ops.mkldnn._is_mkldnn_bf16_supported():
            rates["bf16"] = gemm_rate("bf16", self.shapes)
        return rates


class Build:
    """Builds and saves one pipeline, in a short-lived process of its own."""

    def __init__(self, spec: SpeedPipeline, options: SpeedOptions) -> None:
        self.info = build_pipeline(spec, options)


CONTENDERS: dict[str, Any] = {
    "machine": Machine,
    "encoder": Encoder,
    "pipeline": Pipeline,
    "build": Build,
    "training": Training,
}


def worker_main(conn: Any, kind: str, spec: Any, options: SpeedOptions) -> None:
    try:
        contender_class = CONTENDERS[kind]
        import torch

        torch.set_num_threads(options.threads)
        contender = contender_class(spec, options)
        conn.send(("ready", getattr(contender, "info", None)))
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
        """End the contender; its peak resident memory (MB)."""
        peak: float = self.call("stop")
        self.process.join(timeout=60)
        return peak


class LocalWorker:
    """The same contender in this process: no isolation, for tests at tiny shapes."""

    def __init__(self, kind: str, name: str, spec: Any, options: SpeedOptions) -> None:
        self.name = name
        self.contender = CONTENDERS[kind](spec, options)
        self.info: Any = getattr(self.contender, "info", None)

    def call(self, command: str, *args: Any) -> Any:
        return getattr(self.contender, command)(*args)

    def stop(self) -> float:
        return peak_rss_mb()


Worker = ProcessWorker | LocalWorker
