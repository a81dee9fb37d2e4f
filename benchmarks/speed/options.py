"""What one speed run measures and at which sizes: the command's options as one value that
travels to every worker process."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.data import CACHE, NCBI
from benchmarks.prepare import convert_ncbi
from benchmarks.speed.encoders import EncoderDims
from benchmarks.speed.measure import GEMM_SHAPES


@dataclass
class SpeedOptions:
    threads: int = 2
    rounds: int = 5  # encoder rounds
    seconds: float = 2.0  # per encoder measurement
    pipeline_rounds: int = 3
    pipe_seconds: float = 2.0
    words: int = 10000  # words per corpus sample
    train_rounds: int = 3
    train_steps: int = 3
    train_batch: int = 4  # abstracts per update
    act_depth: float = 4.0
    settle_seconds: float = 0.3  # between contenders: their OpenMP threads stop spinning
    trained: str | None = None  # the trained 312 NER pipeline its variants derive from
    encoders: list[str] = field(default_factory=list)  # only these (all when empty)
    pipelines: list[str] = field(default_factory=list)
    dims: EncoderDims = field(default_factory=EncoderDims)
    shapes: tuple[tuple[int, int], ...] = ((8, 128), (1, 512))  # (batch, sequence length)
    gemm_shapes: tuple[tuple[int, int, int], ...] = GEMM_SHAPES
    cache: Path = CACHE  # built pipelines, converted corpora, random backbones
    ncbi: Path = NCBI  # NCBI-disease brat files: train/ (initialisation, training), devel/ (F1)
    backbone: Path | None = None  # the random pipelines' backbone (None: the 312 one in cache)
    corpora: dict[str, list[str]] = field(default_factory=dict)  # texts the pipelines run on

    def ncbi_docbin(self, split: str) -> Path:
        return convert_ncbi(split, self.cache, self.ncbi)


def shape_key(batch: int, seq: int) -> str:
    return f"{batch}x{seq}"
