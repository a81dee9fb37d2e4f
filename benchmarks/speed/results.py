"""What one speed run found, section by section, as written to ``speed.json``."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from statistics import median
from typing import Any

from benchmarks.speed.encoders import EncoderSpec
from benchmarks.speed.measure import spread
from benchmarks.speed.pipelines import SpeedPipeline


@dataclass
class Rate:
    """One quantity measured once per round: the median over rounds and how far they spread."""

    median: float
    spread: float
    rounds: list[float]

    @classmethod
    def of(cls, rounds: list[float]) -> Rate:
        return cls(median(rounds), spread(rounds), list(rounds))


@dataclass
class EncoderShapeResult:
    tokens_per_s: Rate
    macs_per_token: float
    gflops: float | None  # None for ACT: its work per token is not fixed
    fraction_of_fp32_ceiling: float | None  # each round against that round's ceiling


@dataclass
class EncoderResult:
    spec: EncoderSpec
    parameters: int
    act_bias: float | None
    mean_updates: dict[str, float | None]  # per shape; ACT only
    shapes: dict[str, EncoderShapeResult]  # keyed "8x128" (batch x sequence length)
    peak_rss_mb: float


@dataclass
class CorpusSize:
    texts: int
    words: int


@dataclass
class PipelineResult:
    spec: SpeedPipeline
    words_per_s: dict[str, Rate]  # per corpus
    ner: dict[str, float] | None  # ents_p, ents_r, ents_f on NCBI devel (trained variants)
    act_mean_recursions: dict[str, float | None] | None  # per corpus (ACT variant)
    path: str
    saved_mb: float
    transformer_mb: float
    peak_rss_mb: float


@dataclass
class TrainingResult:
    trainable: int
    total: int
    seconds_per_step: Rate
    batch_docs: int
    peak_rss_mb: float

    @property
    def trainable_share(self) -> float:
        return self.trainable / self.total


@dataclass
class PackageResult:
    wheel_mb: float
    installed_mb: float
    installed_mib: float
    loads_by_name_in_fresh_process: bool
    ner_by_name: dict[str, float] | None
    error: str | None  # the fresh process's stderr when it could not load


@dataclass
class Target:
    target: str
    value: float | None
    goal: float
    unit: str
    lower_is_better: bool

    @property
    def met(self) -> bool | None:
        if self.value is None:
            return None
        return self.value <= self.goal if self.lower_is_better else self.value >= self.goal


@dataclass
class MachineInfo:
    cpu: str
    logical_cpus: int | None
    threads: int
    isa: list[str]
    python: str
    torch: str
    platform: str
    load_average_start: list[float]
    load_average_end: list[float] | None = None
    gemm_gflops: dict[str, Rate] = field(default_factory=dict)  # per dtype


@dataclass
class SpeedResults:
    command: str
    options: dict[str, Any]
    machine: MachineInfo
    started: str
    load_average_before: dict[str, list[float]] = field(default_factory=dict)  # per section
    corpora: dict[str, CorpusSize] = field(default_factory=dict)
    encoders: dict[str, EncoderResult] = field(default_factory=dict)
    pipelines: dict[str, PipelineResult] = field(default_factory=dict)
    training: dict[str, TrainingResult] = field(default_factory=dict)
    packages: dict[str, PackageResult] = field(default_factory=dict)
    targets: list[Target] = field(default_factory=list)

    def to_json(self) -> str:
        data = dataclasses.asdict(self)
        for mode, result in self.training.items():
            data["training"][mode]["trainable_share"] = result.trainable_share
        data["targets"] = [{**dataclasses.asdict(t), "met": t.met} for t in self.targets]
        return json.dumps(data, indent=2, default=str) + "\n"
