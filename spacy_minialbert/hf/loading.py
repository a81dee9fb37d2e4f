"""``from_pretrained`` for every layout we read: ours, the published nlpie checkpoints,
Hugging Face ALBERT and ALBERT-ACT.

This module reads a checkpoint (config and weights, in canonical keys) and checks weights against
a model; it never builds one. The model classes (:mod:`.modeling`) build themselves from what it
reads, so the dependency goes one way only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor, nn

from .checkpoints import detect_layout
from .configuration import MiniAlbertConfig
from .files import read_config, read_state_dict, resolve_checkpoint

logger = logging.getLogger(__name__)

_HUB_KWARGS = ("revision", "cache_dir", "token", "local_files_only", "force_download")
# Keyword arguments that transformers' Auto classes pass along and that mean nothing here.
_IGNORED_KWARGS = (
    "trust_remote_code", "_from_auto", "_commit_hash", "proxies", "resume_download",
    "subfolder", "code_revision", "use_safetensors", "low_cpu_mem_usage", "attn_implementation",
    "output_loading_info", "_from_pipeline", "adapter_kwargs", "device_map",
)  # fmt: skip


@dataclass
class Checkpoint:
    """A checkpoint read for ``from_pretrained``: the config to build the model from, the
    weights under canonical (``MiniAlbertModel``-relative) keys, where they came from, the
    model's own constructor arguments and the dtype asked for."""

    config: MiniAlbertConfig
    state: dict[str, Tensor]
    source: str
    model_kwargs: dict[str, Any] = field(default_factory=dict)
    torch_dtype: torch.dtype | None = None


def read_checkpoint(
    name_or_path: str,
    *,
    config: MiniAlbertConfig | None = None,
    torch_dtype: torch.dtype | str | None = None,
    **kwargs: Any,
) -> Checkpoint:
    """Read a checkpoint of any supported layout.

    ``add_pooling_layer`` goes to the model (``MiniAlbertModel`` only); remaining ``kwargs``
    override config fields (``num_labels=5``, ``hidden_dropout_prob=0.2``).
    """
    hub_kwargs = {k: kwargs.pop(k) for k in _HUB_KWARGS if k in kwargs}
    model_kwargs = {k: kwargs.pop(k) for k in ("add_pooling_layer",) if k in kwargs}
    for key in _IGNORED_KWARGS:
        kwargs.pop(key, None)
    files = resolve_checkpoint(name_or_path, **hub_kwargs)
    raw = read_config(files)
    layout = detect_layout(raw, str(files.config))
    if config is None:
        config = layout.to_config(raw, **kwargs)
    else:
        for key, value in kwargs.items():
            setattr(config, key, value)
    config.name_or_path = str(name_or_path)
    state, unknown = layout.rename(read_state_dict(files))
    if unknown:
        logger.warning(
            "%s: %d weight(s) match nothing in a %s checkpoint and were not loaded: %s",
            files.source, len(unknown), layout.name, ", ".join(sorted(unknown)[:20]),
        )  # fmt: skip
    dtype = None
    if torch_dtype is not None and torch_dtype != "auto":
        dtype = getattr(torch, torch_dtype) if isinstance(torch_dtype, str) else torch_dtype
    return Checkpoint(config, state, files.source, model_kwargs, dtype)


def load_checked(
    model: nn.Module,
    state: Mapping[str, Tensor],
    source: str,
    *,
    is_encoder_key: Callable[[str], bool],
) -> None:
    """Load ``state`` (already in the model's own keys) and fail loudly on what cannot be right.

    Missing encoder weights (``is_encoder_key``) and shape mismatches raise ``ValueError``
    naming the keys; missing head or pooler weights are initialised fresh and logged; extra
    weights (a pooler the model has no use for, another task's head) are accepted and logged.
    """
    expected = model.state_dict()
    mismatched = [
        f"{key}: checkpoint {tuple(tensor.shape)}, model {tuple(expected[key].shape)}"
        for key, tensor in state.items()
        if key in expected and tuple(tensor.shape) != tuple(expected[key].shape)
    ]
    if mismatched:
        raise ValueError(
            f"{source}: {len(mismatched)} weight(s) have the wrong shape for this config:\n  "
            + "\n  ".join(mismatched)
        )
    missing = [key for key in expected if key not in state]
    missing_encoder = [key for key in missing if is_encoder_key(key)]
    if missing_encoder:
        raise ValueError(
            f"{source} lacks {len(missing_encoder)} encoder weight(s) that "
            f"{type(model).__name__} needs: {', '.join(missing_encoder)}"
        )
    if missing:
        logger.warning(
            "%s: newly initialised (not in the checkpoint): %s", source, ", ".join(missing)
        )
    extra = [key for key in state if key not in expected]
    if extra:
        logger.info("%s: unused weights: %s", source, ", ".join(extra))
    model.load_state_dict({k: v for k, v in state.items() if k in expected}, strict=False)
