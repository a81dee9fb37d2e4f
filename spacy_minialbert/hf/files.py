"""Finding a checkpoint's files (local directory or Hugging Face Hub id) and reading its weights
without executing pickled code."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file
from torch import Tensor

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

    @property
    def directory(self) -> Path:
        return self.config.parent


def _looks_local(name: str) -> bool:
    return name.startswith(("/", "./", "../", "~", ".\\")) or name.count("/") > 1


def _weights_in(directory: Path) -> tuple[Path, ...] | None:
    for filename in WEIGHT_FILES:
        path = directory / filename
        if path.is_file():
            if filename.endswith(".index.json"):
                shards = sorted(set(json.loads(path.read_text())["weight_map"].values()))
                return tuple(directory / shard for shard in shards)
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

    allowed = {"revision", "cache_dir", "token", "local_files_only", "force_download"}
    kwargs = {k: v for k, v in hub_kwargs.items() if k in allowed and v is not None}

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
                shards = sorted(set(json.loads(first.read_text())["weight_map"].values()))
                return CheckpointFiles(repo_id, config, tuple(fetch(s) for s in shards))
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
