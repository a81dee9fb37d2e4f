from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch


@pytest.fixture(scope="session")
def conformance_dir(data_dir: Path) -> Path:
    return data_dir / "conformance"


@pytest.fixture(scope="session")
def expected(conformance_dir: Path) -> dict[str, Any]:
    return json.loads((conformance_dir / "expected.json").read_text())


@pytest.fixture(scope="session")
def inputs(expected: dict[str, Any]) -> dict[str, torch.Tensor]:
    return {key: torch.tensor(value) for key, value in expected["inputs"].items()}
