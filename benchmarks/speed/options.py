"""What one speed run measures and at which sizes: the command's options as one value that
travels to every worker process."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.data import CACHE, NCBI
from benchmarks.prepare import convert_ncbi
from benchmarks.speed.encoders import EncoderDims
from benchmarks.speed.measure import GEMM_SHAPES


def number(default: float, help: str | None = None) -> Any:
    """A field that is also a number option of the command (``--pipe-seconds``: pipe_seconds)."""
    return field(default=default, metadata={"help": help})


@dataclass
class SpeedOptions:
    threads: int = number(2)
    rounds: int = number(5, "Encoder rounds.")
    seconds: float = number(2.0, "Per encoder measurement.")
    pipeline_rounds: int = number(3)
    pipe_seconds: float = number(2.0)
    words: int = number(10000, "Words per corpus sample.")
    train_rounds: int = number(3)
    train_steps: int = number(3)
    train_batch: int = number(4, "Abstracts per update.")
    act_depth: float = number(4.0)
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
