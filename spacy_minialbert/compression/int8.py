"""Int8 dynamic quantization of linear layers for CPU inference.

Weights are quantized once, symmetrically per output channel (``w ~= scale[o] * q[o, i]``,
``q`` in int8); activations are quantized on the fly, per call, by PyTorch's dynamic quantized
linear kernel (FBGEMM/oneDNN, which use VNNI instructions where the CPU has them). The module
keeps plain tensors as its state (int8 weight, float scales, float bias), so a quantized model
serialises to safetensors and loads without pickles; the kernel's packed weight is rebuilt
lazily on first use.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..modeling import fastpath

# Quantize what carries the arithmetic; a linear this small (e.g. a halting unit with one
# output) costs more to quantize on the fly than it saves.
MIN_FEATURES = 8


@functools.cache
def cpu_has_vnni() -> bool:
    """Whether this CPU multiplies int8 with int32 accumulation (AVX512-VNNI, AVX-VNNI, AMX)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    for line in text.splitlines():
        if line.startswith("flags"):
            return bool(
                {"avx512_vnni", "avx_vnni", "amx_int8"} & set(line.split(":", 1)[1].split())
            )
    return False


class Int8DynamicLinear(nn.Module):
    """A linear layer with an int8 weight and dynamically quantized int8 activations.

    On CPU it runs ``torch.ops.quantized.linear_dynamic``; elsewhere (a quantized pipeline
    loaded onto a GPU) it falls back to a dequantized weight, so the pipeline still runs.
    ``reduce_range`` quantizes activations to 7 bits, which FBGEMM needs on CPUs without VNNI
    to avoid int16 saturation (PyTorch's default); ``None`` (the default) uses full 8-bit
    activations, which are more accurate, exactly when the CPU running it has VNNI. It is a
    run-time choice, not part of the saved state.
    """

    weight: Tensor
    weight_scale: Tensor
    bias: Tensor | None

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        reduce_range: bool | None = None,
    ) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.reduce_range = reduce_range
        self.register_buffer("weight", torch.zeros(out_features, in_features, dtype=torch.int8))
        self.register_buffer("weight_scale", torch.ones(out_features, dtype=torch.float32))
        self.register_buffer("bias", torch.zeros(out_features) if bias else None)
        self._packed: tuple[tuple[Any, ...], Any] | None = None

    @classmethod
    def from_linear(cls, linear: nn.Linear, reduce_range: bool | None = None) -> Int8DynamicLinear:
        """Quantize ``linear``'s weight per output channel (symmetric, scale = max|w| / 127)."""
        weight = linear.weight.detach().float().cpu()
        scale = weight.abs().amax(dim=1).clamp(min=1e-12) / 127.0
        quantized = cls(
            linear.in_features, linear.out_features, linear.bias is not None, reduce_range
        )
        quantized.weight.copy_(torch.round(weight / scale[:, None]).clamp(-127, 127))
        quantized.weight_scale.copy_(scale)
        if linear.bias is not None:
            assert quantized.bias is not None
            quantized.bias.copy_(linear.bias.detach().float().cpu())
        return quantized.to(linear.weight.device)

    @classmethod
    def concatenate(cls, modules: Sequence[Int8DynamicLinear]) -> Int8DynamicLinear:
        """One layer computing ``modules`` side by side (e.g. fused query/key/value). Exact:
        each output channel keeps its own scale."""
        first = modules[0]
        has_bias = all(module.bias is not None for module in modules)
        fused = cls(
            first.in_features,
            sum(module.out_features for module in modules),
            has_bias,
            first.reduce_range,
        ).to(first.weight.device)
        with torch.no_grad():
            fused.weight.copy_(torch.cat([module.weight for module in modules]))
            fused.weight_scale.copy_(torch.cat([module.weight_scale for module in modules]))
            if has_bias:
                assert fused.bias is not None
                fused.bias.copy_(torch.cat([module.bias for module in modules]))  # type: ignore[misc]
        return fused

    def signature(self) -> tuple[Any, ...]:
        """Identifies the current weights (see ``modeling.fastpath.signature``)."""
        return tuple(
            None if tensor is None else (tensor.data_ptr(), tensor.device)
            for tensor in (self.weight, self.weight_scale, self.bias)
        )

    def _packed_params(self) -> Any:
        # Per forward pass, like every derived weight (see modeling.fastpath).
        key = (torch.backends.quantized.engine, *fastpath.signature(self))
        if self._packed is None or self._packed[0] != key:
            with warnings.catch_warnings():
                # The packed weight needs a quantized tensor, whose creation PyTorch marks
                # deprecated (in favour of torchao); nothing else packs for this kernel.
                warnings.filterwarnings("ignore", message=".*quantized tensor creation.*")
                qweight = torch._make_per_channel_quantized_tensor(
                    self.weight,
                    self.weight_scale.double(),
                    torch.zeros(self.out_features, dtype=torch.long),
                    0,
                )
                packed = torch.ops.quantized.linear_prepack(qweight, self.bias)
            self._packed = (key, packed)
        return self._packed[1]

    def forward(self, hidden: Tensor) -> Tensor:
        """*Shape:* ``hidden`` ``[..., in_features]``; returns ``[..., out_features]``."""
        if hidden.device.type != "cpu":
            weight = (self.weight.float() * self.weight_scale[:, None]).to(hidden.dtype)
            bias = None if self.bias is None else self.bias.to(hidden.dtype)
            return F.linear(hidden, weight, bias)
        if hidden.dtype != torch.float32:
            hidden = hidden.float()
        reduce_range = not cpu_has_vnni() if self.reduce_range is None else self.reduce_range
        return torch.ops.quantized.linear_dynamic(hidden, self._packed_params(), reduce_range)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}, reduce_range={self.reduce_range}"
        )


def quantize_linears(model: nn.Module, reduce_range: bool | None = None) -> list[str]:
    """Replace every ``nn.Linear`` layer of ``model`` large enough to gain from int8 (at least
    ``MIN_FEATURES`` inputs and outputs) in place by :class:`Int8DynamicLinear`; returns the
    qualified names of the replaced layers."""
    replaced: list[str] = []
    for name, module in list(model.named_modules()):
        if (
            type(module) is not nn.Linear
            or min(module.in_features, module.out_features) < MIN_FEATURES
        ):
            continue
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        setattr(parent, child, Int8DynamicLinear.from_linear(module, reduce_range))
        replaced.append(name)
    return replaced


def install_int8_linears(
    model: nn.Module, names: Sequence[str], reduce_range: bool | None = None
) -> None:
    """Put empty :class:`Int8DynamicLinear` layers at ``names`` (to load a quantized state dict
    into a freshly built float model)."""
    for name in names:
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        linear = getattr(parent, child)
        if not isinstance(linear, nn.Linear):
            raise ValueError(f"Cannot quantize '{name}': it is a {type(linear).__name__}.")
        replacement = Int8DynamicLinear(
            linear.in_features, linear.out_features, linear.bias is not None, reduce_range
        )
        setattr(parent, child, replacement.to(linear.weight.device))


def int8_linear_names(model: nn.Module) -> list[str]:
    """The qualified names of ``model``'s int8 linear layers (empty: not quantized)."""
    return [name for name, module in model.named_modules() if isinstance(module, Int8DynamicLinear)]
