"""Inference fast paths for the encoder's linear layers.

Nothing here changes what the model computes, only how, and only when no gradient is being
recorded (``torch.inference_mode`` or ``torch.no_grad``); training runs the plain modules.

* :func:`fuse_linears` concatenates projections that read the same input (query, key and
  value) into one wider matrix product, which runs closer to the CPU's peak than three narrow
  ones.
* :func:`linear` runs an ``nn.Linear`` on CPU through oneDNN with the weight reordered once
  into oneDNN's blocked layout and the bias and activation fused into the product, instead of
  MKL's ``addmm`` (which first copies the bias into the output) followed by a separate pass for
  the activation. Under bfloat16 autocast it keeps a bfloat16 copy of the weight instead of
  casting it on every call.

Derived weights are cached per module for one forward pass of the encoder (which calls
:func:`begin_pass`), and also rebuilt within a pass if a weight visibly changes; the state dict
never sees them. They cannot live longer: weights can change between passes without any trace
PyTorch can see. thinc's optimiser (``spacy train``) writes parameters through ``.data``, which
keeps both their data pointer and their version counter, so a longer-lived cache would score
spaCy's in-training evaluations (and pick ``model-best``) with stale weights. Rebuilding once per
pass costs O(weights), against O(tokens x weights x recursions) for the pass itself.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor, nn

# Private oneDNN ops (present in the torch versions we support, but not part of its public API):
# without them every linear runs the plain module.
_HAS_ONEDNN_LINEAR = hasattr(torch.ops.mkldnn, "_linear_pointwise") and hasattr(
    torch.ops.mkldnn, "_reorder_linear_weight"
)

_packed: weakref.WeakKeyDictionary[nn.Module, tuple[tuple[Any, ...], Tensor, Tensor | None]] = (
    weakref.WeakKeyDictionary()
)


# The forward pass derived weights belong to (see the module docstring).
_pass = 0


def begin_pass() -> None:
    """Start a forward pass: derived weights from earlier passes are rebuilt when next used."""
    global _pass
    _pass += 1


def signature(module: nn.Module) -> tuple[Any, ...]:
    """What identifies a module's current weights within this forward pass: a new pass, or a
    visible change (an in-place update, a ``load_state_dict``, a move to another device or
    dtype) changes the signature."""
    own = getattr(module, "signature", None)
    if callable(own):
        return (id(module), _pass, *own())
    parts: list[Any] = [id(module), _pass]
    for tensor in (getattr(module, "weight", None), getattr(module, "bias", None)):
        if not isinstance(tensor, Tensor):
            parts.append(None)
            continue
        try:
            version = tensor._version
        except RuntimeError:  # inference tensors keep no version counter
            version = -1
        parts.append((tensor.data_ptr(), version, tensor.dtype, tensor.device))
    return tuple(parts)


def fuse_linears(modules: Sequence[nn.Module]) -> nn.Module | None:
    """One projection computing ``modules`` side by side (outputs concatenated), or ``None``
    when they cannot be fused.

    Plain ``nn.Linear`` layers are concatenated along the output dimension; other projection
    types fuse through their own ``concatenate`` class method (int8 linears, for instance).
    """
    first = modules[0]
    if all(type(module) is nn.Linear for module in modules):
        linears = [module for module in modules if isinstance(module, nn.Linear)]
        if any(linear.bias is None for linear in linears):
            return None
        weight = torch.cat([linear.weight.detach() for linear in linears])
        bias = torch.cat([linear.bias.detach() for linear in linears if linear.bias is not None])
        fused = nn.Linear(
            weight.shape[1], weight.shape[0], device=weight.device, dtype=weight.dtype
        )
        fused.weight = nn.Parameter(weight, requires_grad=False)
        fused.bias = nn.Parameter(bias, requires_grad=False)
        return fused
    concatenate = getattr(type(first), "concatenate", None)
    if callable(concatenate) and all(type(module) is type(first) for module in modules):
        fused_module: nn.Module = concatenate(modules)
        return fused_module
    return None


def _onednn_dtype(module: nn.Module, hidden: Tensor) -> torch.dtype | None:
    """The dtype oneDNN should compute ``module(hidden)`` in, or ``None`` for the plain path."""
    if (
        torch.is_grad_enabled()
        or type(module) is not nn.Linear
        or hidden.device.type != "cpu"
        or not _HAS_ONEDNN_LINEAR
        or not torch.backends.mkldnn.is_available()
    ):
        return None
    if torch.is_autocast_enabled("cpu"):
        dtype = torch.get_autocast_dtype("cpu")
        return dtype if dtype == torch.bfloat16 else None
    if hidden.dtype in (torch.float32, torch.bfloat16) and module.weight.dtype == hidden.dtype:
        return hidden.dtype
    return None


def _packed_weight(module: nn.Linear, dtype: torch.dtype) -> tuple[Tensor, Tensor | None]:
    key = (signature(module), dtype)
    cached = _packed.get(module)
    if cached is None or cached[0] != key:
        with torch.no_grad():
            weight = module.weight.detach().to(dtype)
            packed = torch.ops.mkldnn._reorder_linear_weight(weight, None)
            bias = None if module.bias is None else module.bias.detach().to(dtype)
        cached = (key, packed, bias)
        _packed[module] = cached
    return cached[1], cached[2]


def linear(module: nn.Module, hidden: Tensor, activation: nn.Module | None = None) -> Tensor:
    """``activation(module(hidden))``, through oneDNN with the activation fused when possible.

    *Shape:* ``hidden`` ``[..., in_features]``; returns ``[..., out_features]``.
    """
    dtype = _onednn_dtype(module, hidden)
    fused = _fusable(activation)
    if dtype is None or (activation is not None and fused is None):
        output = module(hidden)
        return output if activation is None else activation(output)
    assert isinstance(module, nn.Linear)
    weight, bias = _packed_weight(module, dtype)
    attribute, algorithm = fused or ("none", "")
    return torch.ops.mkldnn._linear_pointwise(
        hidden.to(dtype).contiguous(), weight, bias, attribute, [], algorithm
    )


def _fusable(activation: nn.Module | None) -> tuple[str, str] | None:
    """The oneDNN post-op ``(attribute, algorithm)`` fusing ``activation``, if it has one."""
    if isinstance(activation, nn.GELU) and activation.approximate in ("none", "tanh"):
        return ("gelu", activation.approximate)
    return ("relu", "") if isinstance(activation, nn.ReLU) else None
