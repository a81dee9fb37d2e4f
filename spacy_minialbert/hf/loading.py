"""``from_pretrained`` for every layout we read: ours, the published nlpie checkpoints,
Hugging Face ALBERT and ALBERT-ACT."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import torch
from torch import Tensor

from .checkpoints import detect_layout
from .configuration import MiniAlbertConfig
from .files import read_config, read_state_dict, resolve_checkpoint

if TYPE_CHECKING:
    from .modeling import MiniAlbertPreTrainedModel

logger = logging.getLogger(__name__)
ModelT = TypeVar("ModelT", bound="MiniAlbertPreTrainedModel")

_HUB_KWARGS = ("revision", "cache_dir", "token", "local_files_only", "force_download")
# Keyword arguments that transformers' Auto classes pass along and that mean nothing here.
_IGNORED_KWARGS = (
    "trust_remote_code", "_from_auto", "_commit_hash", "proxies", "resume_download",
    "subfolder", "code_revision", "use_safetensors", "low_cpu_mem_usage", "attn_implementation",
    "output_loading_info", "_from_pipeline", "adapter_kwargs", "device_map",
)  # fmt: skip


def load_pretrained(
    cls: type[ModelT],
    name_or_path: str,
    *,
    config: MiniAlbertConfig | None = None,
    torch_dtype: torch.dtype | str | None = None,
    **kwargs: Any,
) -> ModelT:
    """Build ``cls`` from a checkpoint of any supported layout and load its weights.

    ``add_pooling_layer`` goes to the model (``MiniAlbertModel`` only); remaining ``kwargs``
    override config fields (``num_labels=5``, ``hidden_dropout_prob=0.2``).
    Encoder weights the model needs but the checkpoint lacks are an error; head weights it lacks
    are freshly initialised, as in ``transformers``.
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
    model = cls(config, **model_kwargs)
    state, unknown = layout.rename(read_state_dict(files))
    if unknown:
        logger.warning(
            "%s: %d weight(s) match nothing in a %s checkpoint and were not loaded: %s",
            files.source, len(unknown), layout.name, ", ".join(sorted(unknown)[:20]),
        )  # fmt: skip
    load_checked(model, {model.own_key(k): v for k, v in state.items()}, files.source)
    if torch_dtype is not None and torch_dtype != "auto":
        dtype = getattr(torch, torch_dtype) if isinstance(torch_dtype, str) else torch_dtype
        # transformers types `PreTrainedModel.to` too narrowly for a dtype argument.
        model = model.to(dtype)  # type: ignore[arg-type]
    model.eval()
    return model


def load_checked(
    model: MiniAlbertPreTrainedModel, state: Mapping[str, Tensor], source: str
) -> None:
    """Load ``state`` (already in the model's own keys) and fail loudly on what cannot be right.

    Missing encoder weights and shape mismatches raise ``ValueError`` naming the keys; missing
    head or pooler weights are initialised fresh and logged; extra weights (a pooler the model
    has no use for, another task's head) are accepted and logged.
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
    missing_encoder = [key for key in missing if model.is_encoder_key(key)]
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
