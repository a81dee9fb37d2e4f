"""Device choice and multi-process data parallelism (``torchrun`` + DistributedDataParallel).

Under ``torchrun`` the environment carries ``RANK``, ``WORLD_SIZE`` and ``LOCAL_RANK``; the
process group uses NCCL on GPUs and gloo on CPUs. Without it everything here is a no-op, so the
same code runs a single process.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class Processes:
    """This process's place among the training processes."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def resolve_device(setting: str, local_rank: int = 0) -> torch.device:
    """``auto``: the process's GPU when CUDA is available, else the CPU."""
    if setting == "auto":
        setting = "cuda" if torch.cuda.is_available() else "cpu"
    if setting.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ValueError(f"system.device = '{setting}', but CUDA is not available here.")
        if setting == "cuda":
            setting = f"cuda:{local_rank}"
    return torch.device(setting)


def start(device_setting: str) -> tuple[Processes, torch.device]:
    """Join the process group when launched by ``torchrun``; pick the device."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size == 1:
        return Processes(), resolve_device(device_setting)
    processes = Processes(
        rank=int(os.environ["RANK"]),
        world_size=world_size,
        local_rank=int(os.environ.get("LOCAL_RANK", "0")),
    )
    device = resolve_device(device_setting, processes.local_rank)
    if device.type == "cuda":
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
    return processes, device


def stop(processes: Processes) -> None:
    if processes.distributed and dist.is_initialized():
        dist.destroy_process_group()


def sum_across(values: torch.Tensor, processes: Processes) -> torch.Tensor:
    """Element-wise sum over processes (the tensor itself when alone)."""
    if processes.distributed:
        values = values.clone()
        dist.all_reduce(values, op=dist.ReduceOp.SUM)
    return values


def gather_to_main(value: Any, processes: Processes) -> list[Any]:
    """Every process's ``value``, on the main process (others get an empty list)."""
    if not processes.distributed:
        return [value]
    gathered: list[Any] = [None] * processes.world_size if processes.is_main else []
    dist.gather_object(value, gathered if processes.is_main else None, dst=0)
    return gathered


def barrier(processes: Processes) -> None:
    if processes.distributed:
        dist.barrier()
