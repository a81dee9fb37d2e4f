from __future__ import annotations

from typing import Any

import torch


def as_tensor(entry: dict[str, Any]) -> torch.Tensor:
    """A `{"shape": ..., "data": ...}` entry of the conformance files as a float tensor."""
    return torch.tensor(entry["data"], dtype=torch.float32).reshape(entry["shape"])
