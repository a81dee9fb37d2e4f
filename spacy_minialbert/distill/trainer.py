"""The distillation loop: masked batches through teacher and student, the weighted loss,
optimiser steps, metrics, checkpoints and the progress bar."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn
from torch.optim import Optimizer
from torch.optim.lr_scheduler import LRScheduler

from . import ddp
from .checkpoint import random_states, save_checkpoint
from .config import DistillConfig
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
from .metrics import PLOT_FILE, MetricsLog, RunningMeans, plot_losses
from .student import StudentOutput
from .teacher import Teacher, TeacherOutput
from .windows import WindowStream, collate

logger = logging.getLogger(__name__)

StepCallback = Callable[[int, Mapping[str, float]], None]


@dataclass
class DistillProgress:
    """Counters that a checkpoint carries across a resume."""

    step: int = 0
    tokens: int = 0
    elapsed: float = 0.0


class Distiller:
    """Runs optimiser steps from ``progress.step`` to ``training.max_steps``.

    ``student`` is the module the forward pass goes through (a ``DistillationStudent``, wrapped
    in ``DistributedDataParallel`` when there are several processes); ``model`` is the bare
    ``MiniAlbertForMaskedLM`` whose weights are checkpointed.
    """

    def __init__(
        self,
        *,
        config: DistillConfig,
        teacher: Teacher,
        student: nn.Module,
        model: nn.Module,
        optimizer: Optimizer,
        scheduler: LRScheduler,
        stream: WindowStream,
        tokenizer: Any,
        layer_map: LayerMap,
        device: torch.device,
        processes: ddp.Processes,
        output_dir: Path,
        progress: DistillProgress,
    ) -> None:
        self.config = config
        self.teacher = teacher
        self.student = student
        self.model = model
        self.optimizer = optimizer
        self.scheduler = scheduler
        self.stream = stream
        self.layer_map = layer_map
        self.device = device
        self.processes = processes
        self.output_dir = output_dir
        self.progress = progress
        self.metrics = MetricsLog(output_dir)
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

    def train(self, on_step: StepCallback | None = None) -> dict[str, float]:
        """Train to ``max_steps``; returns the means logged last."""
        training = self.config.training
        bar = self._progress_bar()
        means = RunningMeans()
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
                means.add(values)
                step = self.progress.step
                if step % training.log_every == 0 or step == training.max_steps:
                    seconds = max(time.perf_counter() - interval_start, 1e-9)
                    last = self._log(means.pop(), interval_tokens / seconds)
                    bar.set_postfix(loss=f"{last['loss']:.4f}", tok_s=f"{last['tokens_per_s']:.0f}")
                    interval_tokens, interval_start = 0, time.perf_counter()
                every = training.checkpoint_every
                if (every and step % every == 0) or step == training.max_steps:
                    self.save_checkpoint()
                bar.update(1)
                if on_step is not None:
                    on_step(step, values)
        finally:
            bar.close()
        return last

    def _progress_bar(self) -> Any:
        from tqdm.auto import tqdm

        return tqdm(
            total=self.config.training.max_steps,
            initial=self.progress.step,
            desc="distil",
            unit="step",
            dynamic_ncols=True,
            mininterval=1.0,
            disable=not (self.config.system.progress and self.processes.is_main),
        )

    def _optimiser_step(self, step: int) -> tuple[dict[str, float], int]:
        """One optimiser step over ``accumulate_gradients`` micro-batches; returns the mean
        loss terms over all processes and the real tokens seen by all of them."""
        training = self.config.training
        self.student.train()
        n_micro = training.accumulate_gradients
        sums = torch.zeros(len(TERMS) + 2, dtype=torch.float64)
        tokens = 0
        for micro in range(n_micro):
            batch = self._batch(step, micro)
            tokens += int(batch.attention_mask.sum())
            last = micro == n_micro - 1
            with self._sync(last), self._autocast():
                teacher_out = self.teacher(
                    batch.input_ids, batch.attention_mask, batch.masked, self._need_attentions
                )
                student_out = self.student(
                    batch.input_ids, batch.attention_mask, batch.masked, self._need_attentions
                )
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
        stats = ddp.sum_across(stats.to(self._reduce_device), self.processes).cpu()
        world = self.processes.world_size
        names = ("loss", *TERMS, "mean_updates")
        values = {name: float(stats[i]) / world for i, name in enumerate(names)}
        self._drop_inactive(values)
        return values, int(stats[-1])

    def _drop_inactive(self, values: dict[str, float]) -> None:
        if not self.teacher.has_mlm_head:
            values.pop("logits")
        if not self.config.student.use_act:
            values.pop("ponder")
            values.pop("mean_updates")

    @property
    def _reduce_device(self) -> torch.device:
        # NCCL reduces CUDA tensors only; gloo takes CPU ones.
        return self.device if self.device.type == "cuda" else torch.device("cpu")

    @property
    def _need_attentions(self) -> bool:
        return self.weights["attention"] > 0

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
        context: contextlib.AbstractContextManager[Any] = no_sync()
        return context

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
