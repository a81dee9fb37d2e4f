"""Reading a checkpoint for ``from_pretrained``, in every layout we read (ours, the published
nlpie checkpoints, Hugging Face ALBERT and ALBERT-ACT): finding its files (local directory or
Hugging Face Hub id), reading its config and its weights without executing pickled code, and
checking the weights against a model.

It builds the model through the class it is given (:mod:`.modeling` calls it from
``from_pretrained``), so the dependency goes one way only.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file
from torch import Tensor, nn
from transformers import PreTrainedModel

from .checkpoints import detect_layout
from .configuration import MiniAlbertConfig

logger = logging.getLogger(__name__)

_HUB_KWARGS = ("revision", "cache_dir", "token", "local_files_only", "force_download")
# Keyword arguments that transformers' Auto classes pass along and that mean nothing here.
_IGNORED_KWARGS = (
    "trust_remote_code", "_from_auto", "_commit_hash", "proxies", "resume_download",
    "subfolder", "code_revision", "use_safetensors", "low_cpu_mem_usage", "attn_implementation",
    "output_loading_info", "_from_pipeline", "adapter_kwargs", "device_map",
)  # fmt: skip


# In order of preference: safetensors first, pickles only when nothing else exists.
WEIGHT_FILES = (
    "model.safetensors",
    "model.safetensors.index.json",
    "pytorch_model.bin",
    "pytorch_model.bin.index.json",
)


@dataclass(frozen=True)
class CheckpointFiles:
    """The files of one checkpoint, local (downloaded if it came from the hub)."""

    source: str
    config: Path
    weights: tuple[Path, ...]


def _looks_local(name: str) -> bool:
    return name.startswith(("/", "./", "../", "~", ".\\")) or name.count("/") > 1


def _shards(index: Path) -> list[str]:
    """The weight files a sharded checkpoint's ``*.index.json`` names."""
    return sorted(set(json.loads(index.read_text())["weight_map"].values()))


def _weights_in(directory: Path) -> tuple[Path, ...] | None:
    for filename in WEIGHT_FILES:
        path = directory / filename
        if path.is_file():
            if filename.endswith(".index.json"):
                return tuple(directory / shard for shard in _shards(path))
            return (path,)
    return None


def resolve_checkpoint(name_or_path: str | Path, **hub_kwargs: Any) -> CheckpointFiles:
    """Locate ``config.json`` and the weight files of a local directory or a hub model id.

    ``hub_kwargs`` (``revision``, ``cache_dir``, ``token``, ``local_files_only``,
    ``force_download``) go to ``huggingface_hub``; nothing is downloaded for a local directory.
    """
    name = str(name_or_path)
    path = Path(name).expanduser()
    if path.is_dir():
        config = path / "config.json"
        if not config.is_file():
            raise FileNotFoundError(f"{path} has no config.json, so it is not a checkpoint.")
        weights = _weights_in(path)
        if weights is None:
            raise FileNotFoundError(
                f"{path} has no weights: expected one of {', '.join(WEIGHT_FILES)}."
            )
        return CheckpointFiles(name, config, weights)
    if path.exists():
        raise NotADirectoryError(f"{path} is a file; a checkpoint is a directory.")
    if _looks_local(name) or isinstance(name_or_path, Path):
        raise FileNotFoundError(f"No checkpoint directory at {path}.")
    return _download(name, **hub_kwargs)


def _download(repo_id: str, **hub_kwargs: Any) -> CheckpointFiles:
    from huggingface_hub import hf_hub_download
    from huggingface_hub.utils import EntryNotFoundError, HfHubHTTPError, LocalEntryNotFoundError

    kwargs = {k: v for k, v in hub_kwargs.items() if k in _HUB_KWARGS and v is not None}

    def fetch(filename: str) -> Path:
        return Path(hf_hub_download(repo_id, filename, **kwargs))

    try:
        config = fetch("config.json")
        for filename in WEIGHT_FILES:
            try:
                first = fetch(filename)
            except EntryNotFoundError:
                continue
            if filename.endswith(".index.json"):
                return CheckpointFiles(repo_id, config, tuple(fetch(s) for s in _shards(first)))
            return CheckpointFiles(repo_id, config, (first,))
    except (LocalEntryNotFoundError, HfHubHTTPError, OSError) as error:
        raise OSError(
            f"'{repo_id}' is not a local directory, and fetching it from the Hugging Face Hub "
            f"failed ({type(error).__name__}: {error}). Point to a local copy of the "
            "checkpoint, or run where the hub can be reached."
        ) from error
    raise FileNotFoundError(
        f"The hub model '{repo_id}' has no weights: expected one of {', '.join(WEIGHT_FILES)}."
    )


def read_state_dict(files: CheckpointFiles) -> dict[str, Tensor]:
    """All tensors of a checkpoint; pickled files load with ``weights_only=True``."""
    state: dict[str, Tensor] = {}
    for path in files.weights:
        if path.suffix == ".safetensors":
            state.update(load_file(str(path), device="cpu"))
        else:
            state.update(torch.load(path, map_location="cpu", weights_only=True))
    return state


def read_config(files: CheckpointFiles) -> dict[str, Any]:
    try:
        raw = json.loads(files.config.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{files.config} is not valid JSON: {error}") from error
    if not isinstance(raw, dict):
        raise ValueError(f"{files.config} must hold a JSON object.")
    return raw


def load_pretrained(
    model_class: type[PreTrainedModel],
    name_or_path: str,
    *,
    config: MiniAlbertConfig | None = None,
    torch_dtype: torch.dtype | str | None = None,
    **kwargs: Any,
) -> PreTrainedModel:
    """``model_class.from_pretrained`` for a checkpoint of any supported layout.

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
    model = model_class(config, **model_kwargs)
    # Canonical keys are MiniAlbertModel's; a head model holds it under `base_model_prefix`.
    prefix = "" if model.base_model is model else f"{model.base_model_prefix}."
    own = {
        prefix + key if key.startswith(("encoder.", "pooler.")) else key: value
        for key, value in state.items()
    }
    load_checked(model, own, files.source, encoder_prefix=f"{prefix}encoder.")
    if torch_dtype is not None and torch_dtype != "auto":
        dtype = getattr(torch, torch_dtype) if isinstance(torch_dtype, str) else torch_dtype
        # transformers types `PreTrainedModel.to` too narrowly for a dtype argument.
        model = model.to(dtype)  # type: ignore[arg-type]
    model.eval()
    return model


def load_checked(
    model: nn.Module,
    state: Mapping[str, Tensor],
    source: str,
    *,
    encoder_prefix: str,
) -> None:
    """Load ``state`` (already in the model's own keys) and fail loudly on what cannot be right.

    Missing encoder weights (``encoder_prefix``) and shape mismatches raise ``ValueError``
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
    missing_encoder = [key for key in missing if key.startswith(encoder_prefix)]
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
