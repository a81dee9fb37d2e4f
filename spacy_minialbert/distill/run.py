"""``distill()``: one distillation run from a config, new or resumed, to a finished student."""

from __future__ import annotations

import logging
import random
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import torch
from torch import nn

from ..hf import MiniAlbertForMaskedLM
from . import ddp
from .checkpoint import (
    CHECKPOINT_DIR,
    config_changes,
    has_checkpoint,
    load_checkpoint,
    restore_random_states,
)
from .config import DistillConfig, renamed_data_settings
from .export import PROVENANCE_FILE, provenance, write_student
from .initialization import initialise_from_teacher
from .losses import LayerMap
from .metrics import METRICS_FILE, PLOT_FILE, MetricsLog
from .optim import build_optimizer, linear_schedule
from .sources import DocumentSource, expand_paths
from .student import DistillationStudent, count_parameters, student_config
from .teacher import Teacher, load_teacher
from .trainer import Distiller, DistillProgress, StepCallback
from .windows import Windower, WindowStream

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DistillResult:
    """Where the student is and how its training ended."""

    output_dir: Path
    steps: int
    resumed_from: int | None
    final: dict[str, float]


def distill(
    config: DistillConfig,
    output_dir: str | Path,
    *,
    resume: bool = False,
    overwrite: bool = False,
    on_step: StepCallback | None = None,
) -> DistillResult:
    """Distil a MiniALBERT student from ``config.teacher`` into ``output_dir``.

    A checkpoint in ``output_dir`` is resumed automatically (``resume=True`` insists on one);
    ``overwrite=True`` discards it and starts afresh. ``on_step(step, values)`` runs after every
    optimiser step. Under ``torchrun`` every process calls this; only the first one writes.
    """
    output_dir = Path(output_dir)
    threads = torch.get_num_threads()
    processes, device = ddp.start(config.system.device)
    try:
        if config.system.threads:
            torch.set_num_threads(config.system.threads)
        return _run(config, output_dir, processes, device, resume, overwrite, on_step)
    finally:
        torch.set_num_threads(threads)
        ddp.stop(processes)


def _run(
    config: DistillConfig,
    output_dir: Path,
    processes: ddp.Processes,
    device: torch.device,
    resume: bool,
    overwrite: bool,
    on_step: StepCallback | None,
) -> DistillResult:
    resuming = _prepare_output(output_dir, resume, overwrite, processes)
    seed = config.system.seed
    torch.manual_seed(seed + processes.rank)
    random.seed(seed + processes.rank)

    teacher, tokenizer = load_teacher(config.teacher.name)
    model = MiniAlbertForMaskedLM(
        student_config(config.student, teacher.config, tokenizer, config.data.window)
    )
    layer_map = _layer_map(config, teacher, model.config.num_hidden_layers)
    initialisation = _initialise(config, model, teacher)
    files = expand_paths(config.data.paths, config.data.format)
    stream = _stream(config, files, tokenizer, processes)
    _log_setup(config, teacher, model, layer_map, files, processes, device)

    teacher.to(device)
    cast(nn.Module, model).to(device)
    student: nn.Module = DistillationStudent(model)
    optimizer = build_optimizer(model, config.optimizer)
    scheduler = linear_schedule(optimizer, config.optimizer.warmup_steps, config.training.max_steps)
    progress = DistillProgress()
    checkpoint = load_checkpoint(output_dir) if resuming else None
    if checkpoint is not None:
        progress = _restore(checkpoint, config, output_dir, model, optimizer, scheduler, stream)
        if processes.is_main:
            MetricsLog(output_dir).truncate_after(progress.step)
    if processes.distributed:
        from torch.nn.parallel import DistributedDataParallel

        # Under ACT a recursion (and its adapters) may go unused when every token halted.
        student = DistributedDataParallel(
            student,
            device_ids=[device] if device.type == "cuda" else None,
            find_unused_parameters=config.student.use_act,
        )
    if checkpoint is not None:
        # Last, so that nothing built above draws from the generators after the restore.
        restore_random_states(checkpoint["random"][processes.rank])
        del checkpoint

    distiller = Distiller(
        config=config, teacher=teacher, student=student, model=model, optimizer=optimizer,
        scheduler=scheduler, stream=stream, tokenizer=tokenizer, layer_map=layer_map,
        device=device, processes=processes, output_dir=output_dir, progress=progress,
    )  # fmt: skip
    start_step = progress.step
    final = distiller.train(on_step)
    if not final:
        final = _last_logged(output_dir)
    if processes.is_main:
        record = provenance(
            config=config.to_dict(), teacher=teacher, model=model, files=files,
            teacher_layers=layer_map.teacher_layers, steps=progress.step, tokens=progress.tokens,
            elapsed=progress.elapsed, world_size=processes.world_size, device=device,
            final=final, initialisation=initialisation,
        )  # fmt: skip
        # (loss.png was drawn with the final checkpoint.)
        write_student(output_dir, model.cpu(), tokenizer, record)
        logger.info("Student written to %s after %d steps.", output_dir, progress.step)
    ddp.barrier(processes)
    return DistillResult(output_dir, progress.step, start_step if resuming else None, final)


def _prepare_output(
    output_dir: Path, resume: bool, overwrite: bool, processes: ddp.Processes
) -> bool:
    """Decide between a fresh start and a resume; returns whether to resume."""
    found = has_checkpoint(output_dir)
    if overwrite:
        if resume:
            raise ValueError("--resume and --overwrite contradict each other: pick one.")
        ddp.barrier(processes)
        if processes.is_main:
            shutil.rmtree(output_dir / CHECKPOINT_DIR, ignore_errors=True)
            for name in (METRICS_FILE, PLOT_FILE, PROVENANCE_FILE):
                (output_dir / name).unlink(missing_ok=True)
        ddp.barrier(processes)
        return False
    if resume and not found:
        raise FileNotFoundError(f"No checkpoint to resume from in {output_dir}.")
    if not found and output_dir.is_dir() and any(output_dir.iterdir()):
        raise ValueError(
            f"{output_dir} is not empty and holds no checkpoint to resume; pass --overwrite "
            "to write into it anyway, or choose another directory."
        )
    return found


def _layer_map(config: DistillConfig, teacher: Teacher, n_recursions: int) -> LayerMap:
    if config.loss.teacher_layers is not None:
        return LayerMap.explicit(config.loss.teacher_layers, teacher.n_layers, n_recursions)
    return LayerMap.default(teacher.n_layers, n_recursions)


def _initialise(config: DistillConfig, model: MiniAlbertForMaskedLM, teacher: Teacher) -> list[str]:
    if not teacher.has_mlm_head and config.loss.logit_weight > 0:
        logger.warning(
            "The teacher %s has no masked-LM head, so the logit term is off "
            "(loss.logit_weight = %s is treated as 0).",
            teacher.name,
            config.loss.logit_weight,
        )
    if config.initialization.method == "random":
        return ["random (the model's own initialisation)"]
    done = initialise_from_teacher(model, teacher, config.initialization.teacher_layer)
    for line in done:
        logger.info("Initialised from the teacher: %s", line)
    return done


def _stream(
    config: DistillConfig, files: list[Any], tokenizer: Any, processes: ddp.Processes
) -> WindowStream:
    data = config.data
    source = DocumentSource(files, data.text_column, data.keep_iserror)
    windower = Windower(
        tokenizer, data.window, data.stride, data.max_windows_per_document, data.min_tokens,
        data.placeholders,
    )  # fmt: skip
    return WindowStream(
        source, windower, data.shuffle_buffer, config.system.seed, processes.rank,
        processes.world_size,
    )  # fmt: skip


def _restore(
    checkpoint: dict[str, Any],
    config: DistillConfig,
    output_dir: Path,
    model: MiniAlbertForMaskedLM,
    optimizer: torch.optim.Optimizer,
    scheduler: Any,
    stream: WindowStream,
) -> DistillProgress:
    """Load weights, optimiser, schedule and data position; check the settings match."""
    saved = dict(checkpoint["config"])
    # A checkpoint written before [data]'s settings were renamed resumes under the new names.
    saved["data"] = renamed_data_settings(saved.get("data") or {}, warn=False)
    changes = config_changes(saved, config.to_dict())
    if changes:
        raise ValueError(
            f"The checkpoint in {output_dir} was written with other settings:\n  "
            + "\n  ".join(changes)
            + "\nUse the same settings to resume, or --overwrite to start afresh."
        )
    if checkpoint["world_size"] != stream.world_size:
        raise ValueError(
            f"The checkpoint was written by {checkpoint['world_size']} process(es); resume "
            f"with the same number (now {stream.world_size})."
        )
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    scheduler.load_state_dict(checkpoint["scheduler"])
    stream.load_state_dict(checkpoint["data"][stream.rank])
    logger.info("Resuming from the checkpoint at step %d.", checkpoint["step"])
    return DistillProgress(checkpoint["step"], checkpoint["tokens"], checkpoint["elapsed"])


def _last_logged(output_dir: Path) -> dict[str, float]:
    records = MetricsLog(output_dir).read()
    return dict(records[-1]) if records else {}


def _log_setup(
    config: DistillConfig,
    teacher: Teacher,
    model: MiniAlbertForMaskedLM,
    layer_map: LayerMap,
    files: list[Any],
    processes: ddp.Processes,
    device: torch.device,
) -> None:
    training = config.training
    per_step = training.batch_size * training.accumulate_gradients * processes.world_size
    logger.info(
        "Teacher %s: %d layers, %s parameters, masked-LM head: %s",
        teacher.name, teacher.n_layers, f"{count_parameters(teacher.model):,}",
        "yes" if teacher.has_mlm_head else "no",
    )  # fmt: skip
    logger.info(
        "Student: %s parameters (encoder %s); recursion r learns from teacher layers %s",
        f"{count_parameters(model):,}", f"{count_parameters(model.minialbert):,}",
        list(layer_map.teacher_layers),
    )  # fmt: skip
    logger.info(
        "%d input file(s); %d process(es) on %s; %d windows of up to %d tokens per step",
        len(files), processes.world_size, device, per_step, config.data.window,
    )  # fmt: skip
