"""``distill()``: one distillation run from a config, new or resumed, to a finished student.

The loop sends masked batches through teacher and student, weights the loss terms, steps the
optimiser, logs metrics, writes checkpoints and draws the progress bar; the finished student is a
directory that ``MiniAlbertModel.from_pretrained`` loads as it is.
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import torch
from torch import Tensor, nn

from ..hf import MiniAlbertForMaskedLM
from . import ddp
from .checkpoint import (
    CHECKPOINT_DIR,
    checkpoint_path,
    config_changes,
    load_checkpoint,
    random_states,
    restore_random_states,
    save_checkpoint,
)
from .config import DistillConfig, renamed_data_settings
from .initialization import initialise_from_teacher
from .losses import (
    TERMS,
    LayerMap,
    attention_loss,
    hidden_loss,
    logit_loss,
    mlm_loss,
    ponder_cost,
)
from .masking import MaskedBatch, batch_generator, mask_tokens
from .metrics import METRICS_FILE, PLOT_FILE, MetricsLog, plot_losses
from .optim import build_optimizer, linear_schedule
from .sources import DocumentSource, expand_paths
from .student import DistillationStudent, StudentOutput, count_parameters, student_config
from .teacher import Teacher, TeacherOutput, load_teacher
from .windows import Windower, WindowStream, collate

logger = logging.getLogger(__name__)

PROVENANCE_FILE = "distillation.json"

StepCallback = Callable[[int, Mapping[str, float]], None]


@dataclass(frozen=True)
class DistillResult:
    """Where the student is and how its training ended."""

    output_dir: Path
    steps: int
    resumed_from: int | None
    final: dict[str, float]


@dataclass
class DistillProgress:
    """Counters that a checkpoint carries across a resume."""

    step: int = 0
    tokens: int = 0
    elapsed: float = 0.0


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
        resuming = _prepare_output(output_dir, resume, overwrite, processes)
        distiller = Distiller(config, output_dir, processes, device, resuming)
        start_step = distiller.progress.step
        # A resumed run with no steps left logs nothing: its last logged means are the final ones.
        final = distiller.train(on_step) or dict((distiller.metrics.read() or [{}])[-1])
        if processes.is_main:
            distiller.write_student(final)
        ddp.barrier(processes)
        steps = distiller.progress.step
        return DistillResult(output_dir, steps, start_step if resuming else None, final)
    finally:
        torch.set_num_threads(threads)
        ddp.stop(processes)


def _prepare_output(
    output_dir: Path, resume: bool, overwrite: bool, processes: ddp.Processes
) -> bool:
    """Decide between a fresh start and a resume; returns whether to resume."""
    found = checkpoint_path(output_dir).is_file()
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


class Distiller:
    """Builds a run from its config (restoring the checkpoint in ``output_dir`` when
    ``resuming``) and runs optimiser steps from ``progress.step`` to ``training.max_steps``.

    ``student`` is the module the forward pass goes through (a ``DistillationStudent``, wrapped
    in ``DistributedDataParallel`` when there are several processes); ``model`` is the bare
    ``MiniAlbertForMaskedLM`` whose weights are checkpointed.
    """

    def __init__(
        self,
        config: DistillConfig,
        output_dir: Path,
        processes: ddp.Processes,
        device: torch.device,
        resuming: bool,
    ) -> None:
        self.config = config
        self.output_dir = output_dir
        self.processes = processes
        self.device = device
        seed = config.system.seed
        torch.manual_seed(seed + processes.rank)
        random.seed(seed + processes.rank)

        teacher, tokenizer = load_teacher(config.teacher.name)
        self.teacher, self.tokenizer = teacher, tokenizer
        model = MiniAlbertForMaskedLM(
            student_config(config.student, teacher.config, tokenizer, config.data.window)
        )
        self.model = model
        n_recursions = model.config.num_hidden_layers
        if config.loss.teacher_layers is not None:
            layers = config.loss.teacher_layers
            self.layer_map = LayerMap.explicit(layers, teacher.n_layers, n_recursions)
        else:
            self.layer_map = LayerMap.default(teacher.n_layers, n_recursions)
        self.initialisation = _initialise(config, model, teacher)
        data = config.data
        self.files = expand_paths(data.paths, data.format)
        windower = Windower(
            tokenizer, data.window, data.stride, data.max_windows_per_document, data.min_tokens,
            data.placeholders,
        )  # fmt: skip
        self.stream = WindowStream(
            DocumentSource(self.files, data.text_column, data.keep_iserror), windower,
            data.shuffle_buffer, seed, processes.rank, processes.world_size,
        )  # fmt: skip
        self._log_setup()

        teacher.model.to(device)
        cast(nn.Module, model).to(device)
        self.student: nn.Module = DistillationStudent(model)
        self.optimizer = build_optimizer(model, config.optimizer)
        training = config.training
        self.scheduler = linear_schedule(
            self.optimizer, config.optimizer.warmup_steps, training.max_steps
        )
        self.progress = DistillProgress()
        self.metrics = MetricsLog(output_dir)
        checkpoint = load_checkpoint(output_dir) if resuming else None
        if checkpoint is not None:
            self._restore(checkpoint)
            if processes.is_main:
                self.metrics.truncate_after(self.progress.step)
        if processes.distributed:
            from torch.nn.parallel import DistributedDataParallel

            # Under ACT a recursion (and its adapters) may go unused when every token halted.
            self.student = DistributedDataParallel(
                self.student,
                device_ids=[device] if device.type == "cuda" else None,
                find_unused_parameters=config.student.use_act,
            )
        if checkpoint is not None:
            # Last, so that nothing built above draws from the generators after the restore.
            restore_random_states(checkpoint["random"][processes.rank])

        self.pad_id = int(tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0)
        self.mask_id = int(tokenizer.mask_token_id)
        self.vocab_size = len(tokenizer)
        self.special_ids = torch.tensor(sorted(set(tokenizer.all_special_ids)), dtype=torch.long)
        loss = config.loss
        self.weights = {
            "mlm": loss.mlm_weight,
            "attention": loss.attention_weight,
            "hidden": loss.hidden_weight,
            # Without a teacher head there are no teacher logits: the term is off.
            "logits": loss.logit_weight if teacher.has_mlm_head else 0.0,
            "ponder": loss.ponder_weight if config.student.use_act else 0.0,
        }

    def _log_setup(self) -> None:
        teacher, model, training = self.teacher, self.model, self.config.training
        per_step = training.batch_size * training.accumulate_gradients * self.processes.world_size
        logger.info(
            "Teacher %s: %d layers, %s parameters, masked-LM head: %s",
            teacher.name, teacher.n_layers, f"{count_parameters(teacher.model):,}",
            "yes" if teacher.has_mlm_head else "no",
        )  # fmt: skip
        logger.info(
            "Student: %s parameters (encoder %s); recursion r learns from teacher layers %s",
            f"{count_parameters(model):,}", f"{count_parameters(model.minialbert):,}",
            list(self.layer_map.teacher_layers),
        )  # fmt: skip
        logger.info(
            "%d input file(s); %d process(es) on %s; %d windows of up to %d tokens per step",
            len(self.files), self.processes.world_size, self.device, per_step,
            self.config.data.window,
        )  # fmt: skip

    def _restore(self, checkpoint: dict[str, Any]) -> None:
        """Load weights, optimiser, schedule and data position; check the settings match."""
        saved = dict(checkpoint["config"])
        # A checkpoint written before [data]'s settings were renamed resumes under the new names.
        saved["data"] = renamed_data_settings(saved.get("data") or {}, warn=False)
        changes = config_changes(saved, self.config.to_dict())
        if changes:
            raise ValueError(
                f"The checkpoint in {self.output_dir} was written with other settings:\n  "
                + "\n  ".join(changes)
                + "\nUse the same settings to resume, or --overwrite to start afresh."
            )
        if checkpoint["world_size"] != self.stream.world_size:
            raise ValueError(
                f"The checkpoint was written by {checkpoint['world_size']} process(es); resume "
                f"with the same number (now {self.stream.world_size})."
            )
        self.model.load_state_dict(checkpoint["model"])
        self.optimizer.load_state_dict(checkpoint["optimizer"])
        self.scheduler.load_state_dict(checkpoint["scheduler"])
        self.stream.load_state_dict(checkpoint["data"][self.stream.rank])
        logger.info("Resuming from the checkpoint at step %d.", checkpoint["step"])
        self.progress = DistillProgress(
            checkpoint["step"], checkpoint["tokens"], checkpoint["elapsed"]
        )

    def train(self, on_step: StepCallback | None = None) -> dict[str, float]:
        """Train to ``max_steps``; returns the means logged last."""
        from tqdm.auto import tqdm

        training = self.config.training
        bar = tqdm(
            total=training.max_steps,
            initial=self.progress.step,
            desc="distil",
            unit="step",
            dynamic_ncols=True,
            mininterval=1.0,
            disable=not (self.config.system.progress and self.processes.is_main),
        )
        pending: list[dict[str, float]] = []  # each step's values since the last log line
        last: dict[str, float] = {}
        interval_tokens, interval_start = 0, time.perf_counter()
        tick = interval_start
        try:
            while self.progress.step < training.max_steps:
                values, tokens = self._optimiser_step(self.progress.step)
                self.progress.step += 1
                self.progress.tokens += tokens
                # Wall time of the loop, checkpoint writes included; carried across resumes.
                now = time.perf_counter()
                self.progress.elapsed += now - tick
                tick = now
                interval_tokens += tokens
                pending.append(values)
                step = self.progress.step
                if step % training.log_every == 0 or step == training.max_steps:
                    seconds = max(time.perf_counter() - interval_start, 1e-9)
                    means = {k: sum(v[k] for v in pending) / len(pending) for k in pending[0]}
                    last = self._log(means, interval_tokens / seconds)
                    bar.set_postfix(loss=f"{last['loss']:.4f}", tok_s=f"{last['tokens_per_s']:.0f}")
                    pending, interval_tokens, interval_start = [], 0, time.perf_counter()
                every = training.checkpoint_every
                if (every and step % every == 0) or step == training.max_steps:
                    self.save_checkpoint()
                bar.update(1)
                if on_step is not None:
                    on_step(step, values)
        finally:
            bar.close()
        return last

    def _optimiser_step(self, step: int) -> tuple[dict[str, float], int]:
        """One optimiser step over ``accumulate_gradients`` micro-batches; returns the mean
        loss terms over all processes and the real tokens seen by all of them."""
        self.student.train()
        n_micro = self.config.training.accumulate_gradients
        attentions = self.weights["attention"] > 0
        sums = torch.zeros(len(TERMS) + 2, dtype=torch.float64)
        tokens = 0
        for micro in range(n_micro):
            batch = self._batch(step, micro)
            tokens += int(batch.attention_mask.sum())
            with self._sync(micro == n_micro - 1), self._autocast():
                inputs = (batch.input_ids, batch.attention_mask, batch.masked, attentions)
                teacher_out = self.teacher(*inputs)
                student_out = self.student(*inputs)
                terms = self._terms(student_out, teacher_out, batch)
                total = sum(self.weights[k] * v for k, v in terms.items())
                assert isinstance(total, Tensor)
                (total / n_micro).backward()
            sums[0] += float(total.detach())
            for index, key in enumerate(TERMS, start=1):
                if key in terms:
                    sums[index] += float(terms[key].detach())
            if student_out.updates is not None:
                real = batch.attention_mask.bool()
                sums[-1] += float(student_out.updates[real].float().mean())
        clip = self.config.optimizer.grad_clip
        if clip > 0:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), clip)
        self.optimizer.step()
        self.scheduler.step()
        self.optimizer.zero_grad(set_to_none=True)
        stats = torch.cat([sums / n_micro, torch.tensor([float(tokens)], dtype=torch.float64)])
        # NCCL reduces CUDA tensors only; gloo takes CPU ones.
        reduce_on = self.device if self.device.type == "cuda" else torch.device("cpu")
        stats = ddp.sum_across(stats.to(reduce_on), self.processes).cpu()
        world = self.processes.world_size
        names = ("loss", *TERMS, "mean_updates")
        values = {name: float(stats[i]) / world for i, name in enumerate(names)}
        if not self.teacher.has_mlm_head:
            values.pop("logits")
        if not self.config.student.use_act:
            values.pop("ponder")
            values.pop("mean_updates")
        return values, int(stats[-1])

    def _batch(self, step: int, micro: int) -> MaskedBatch:
        windows = self.stream.next_batch(self.config.training.batch_size)
        input_ids, attention_mask = collate(windows, self.pad_id)
        masking = self.config.masking
        generator = batch_generator(self.config.system.seed, self.processes.rank, step, micro)
        batch = mask_tokens(
            input_ids,
            attention_mask,
            self.special_ids,
            self.mask_id,
            self.vocab_size,
            generator,
            probability=masking.probability,
            mask_fraction=masking.mask_fraction,
            random_fraction=masking.random_fraction,
        )
        return batch.to(self.device)

    def _terms(
        self, student: StudentOutput, teacher: TeacherOutput, batch: MaskedBatch
    ) -> dict[str, Tensor]:
        """The unweighted loss terms that have a non-zero weight."""
        mask = batch.attention_mask
        terms = {"mlm": mlm_loss(student.masked_logits, batch.labels[batch.masked])}
        layers = self.layer_map.teacher_layers
        if self.weights["hidden"] > 0:
            # Under ACT the loop stops once every token has halted; later states are frozen,
            # i.e. equal to the last one computed.
            last = len(student.hidden_states) - 1
            s_states = [student.hidden_states[min(r, last)] for r in range(1, len(layers) + 1)]
            t_states = [teacher.hidden_states[layer] for layer in layers]
            terms["hidden"] = hidden_loss(s_states, t_states, mask)
        if self.weights["attention"] > 0:
            # Recursions that did not run (everything halted) have no map to compare.
            pairs = list(zip(student.attentions, layers, strict=False))
            terms["attention"] = attention_loss(
                [s_map for s_map, _ in pairs], [teacher.attentions[t - 1] for _, t in pairs], mask
            )
        if self.weights["logits"] > 0 and teacher.masked_logits is not None:
            terms["logits"] = logit_loss(
                student.masked_logits, teacher.masked_logits, self.config.loss.temperature
            )
        if self.weights["ponder"] > 0 and student.updates is not None:
            assert student.remainders is not None
            terms["ponder"] = ponder_cost(student.updates, student.remainders, mask)
        return terms

    def _sync(self, last_micro_batch: bool) -> contextlib.AbstractContextManager[Any]:
        # Gradients are only averaged across processes on the last micro-batch of a step.
        no_sync = getattr(self.student, "no_sync", None)
        if no_sync is None or last_micro_batch:
            return contextlib.nullcontext()
        return cast(contextlib.AbstractContextManager[Any], no_sync())

    def _autocast(self) -> contextlib.AbstractContextManager[Any]:
        enabled = self.config.system.precision == "bf16"
        return torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=enabled)

    def _log(self, means: dict[str, float], tokens_per_s: float) -> dict[str, float]:
        record: dict[str, Any] = {
            "step": self.progress.step,
            **{k: round(v, 6) for k, v in means.items()},
            "lr": self.scheduler.get_last_lr()[0],
            "tokens_per_s": round(tokens_per_s, 1),
            "tokens": self.progress.tokens,
            "epoch": self.stream.epoch,
            "elapsed_s": round(self.progress.elapsed, 2),
        }
        if self.processes.is_main:
            self.metrics.write(record)
        return record

    def save_checkpoint(self) -> None:
        """Gather every process's random and data state; the main process writes."""
        local = {"random": random_states(), "data": self.stream.state_dict()}
        gathered = ddp.gather_to_main(local, self.processes)
        if self.processes.is_main:
            save_checkpoint(
                self.output_dir,
                {
                    "step": self.progress.step,
                    "tokens": self.progress.tokens,
                    "elapsed": self.progress.elapsed,
                    "world_size": self.processes.world_size,
                    "config": self.config.to_dict(),
                    "model": self.model.state_dict(),
                    "optimizer": self.optimizer.state_dict(),
                    "scheduler": self.scheduler.state_dict(),
                    "random": [item["random"] for item in gathered],
                    "data": [item["data"] for item in gathered],
                },
            )
            plot_losses(self.metrics.read(), self.output_dir / PLOT_FILE)
        ddp.barrier(self.processes)

    def write_student(self, final: Mapping[str, float]) -> None:
        """``model.safetensors`` + ``config.json`` (``model_type: minialbert``), the teacher's
        tokenizer files, and ``distillation.json``: what made this student (teacher, data,
        settings, and how training ended). ``loss.png`` was drawn with the final checkpoint."""
        from .. import __version__ as package_version

        teacher, model, progress = self.teacher, self.model, self.progress
        tokens, elapsed = progress.tokens, progress.elapsed
        record = {
            "teacher": teacher.name,
            "teacher_has_mlm_head": teacher.has_mlm_head,
            "teacher_layers": list(self.layer_map.teacher_layers),
            "data_files": [str(f.path) for f in self.files],
            "steps": progress.step,
            "tokens": tokens,
            "wall_time_s": round(elapsed, 1),
            "tokens_per_s": round(tokens / elapsed, 1) if elapsed > 0 else None,
            "processes": self.processes.world_size,
            "device": self.device.type,
            "final_losses": dict(final),
            "initialisation": list(self.initialisation),
            "parameters": {
                "student_total": count_parameters(model),
                "student_encoder": count_parameters(model.minialbert),
                "teacher_total": count_parameters(teacher.model),
                "teacher_encoder": count_parameters(teacher.encoder),
            },
            "config": self.config.to_dict(),
            "versions": {"spacy_minialbert": package_version, "torch": torch.__version__},
        }
        self.output_dir.mkdir(parents=True, exist_ok=True)
        model.cpu().save_pretrained(self.output_dir, safe_serialization=True)
        self.tokenizer.save_pretrained(self.output_dir)
        text = json.dumps(record, indent=2, sort_keys=False)
        (self.output_dir / PROVENANCE_FILE).write_text(text + "\n", encoding="utf-8")
        logger.info("Student written to %s after %d steps.", self.output_dir, progress.step)
