"""AdamW without weight decay on biases and LayerNorms, and the linear warm-up/decay schedule."""

from __future__ import annotations

from torch import nn
from torch.optim import AdamW
from torch.optim.lr_scheduler import LambdaLR

from .config import OptimizerSettings


def parameter_groups(model: nn.Module, weight_decay: float) -> list[dict[str, object]]:
    """Two AdamW groups: weight matrices and embedding tables decay; biases and LayerNorm
    parameters do not (decaying a normalisation gain towards 0 only hurts)."""
    decay: list[nn.Parameter] = []
    no_decay: list[nn.Parameter] = []
    for module in model.modules():
        for name, parameter in module.named_parameters(recurse=False):
            if not parameter.requires_grad:
                continue
            if isinstance(module, nn.LayerNorm) or name == "bias":
                no_decay.append(parameter)
            else:
                decay.append(parameter)
    return [
        {"params": decay, "weight_decay": weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]


def build_optimizer(model: nn.Module, settings: OptimizerSettings) -> AdamW:
    return AdamW(
        parameter_groups(model, settings.weight_decay),
        lr=settings.learning_rate,
        betas=(settings.beta1, settings.beta2),
        eps=settings.eps,
    )


def linear_schedule(optimizer: AdamW, warmup_steps: int, max_steps: int) -> LambdaLR:
    """Linear warm-up from 0 over ``warmup_steps``, then linear decay to 0 at ``max_steps``
    (the schedule of the reference's ``lr_scheduler_type="linear"``)."""

    def factor(step: int) -> float:
        if step < warmup_steps:
            return step / warmup_steps
        return max(0.0, (max_steps - step) / max(1, max_steps - warmup_steps))

    return LambdaLR(optimizer, factor)
