"""Reading the distillation config from a spaCy-style ``.cfg`` file.

The file format, variable interpolation (``${paths.data}``), dotted overrides
(``--training.max_steps 100``) and validation are those of ``spacy train`` (via ``confection``,
see :mod:`.config_schema`). Sections or keys the file leaves out take the defaults of
:mod:`.config`, so a config only needs what differs.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from collections.abc import Mapping, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any

from .config import DistillConfig


def parse_overrides(args: Sequence[str]) -> dict[str, Any]:
    """``["--training.max_steps", "10", "--data.paths=[\\"a.txt\\"]"]`` -> dotted overrides.

    Values are read as JSON where they parse (numbers, booleans, lists, ``null``), else kept as
    strings, as ``spacy train`` does; a bare flag means ``true``. (spaCy's own parser is private,
    in ``spacy.cli._util``, and ends the process on a bad argument; confection has none.)
    """
    overrides: dict[str, Any] = {}
    index = 0
    while index < len(args):
        option = args[index]
        if not option.startswith("--") or "." not in option:
            raise ValueError(
                f"Unexpected argument '{option}': config overrides look like --section.key value."
            )
        key, has_value, value = option[2:].partition("=")
        if not has_value:
            if index + 1 < len(args) and not args[index + 1].startswith("--"):
                index += 1
                value = args[index]
            else:
                value = "true"
        overrides[key.replace("-", "_")] = _json_or_string(value)
        index += 1
    return overrides


def load_config(path: str | Path, overrides: Mapping[str, Any] | None = None) -> DistillConfig:
    """Read a ``.cfg`` file, fill in defaults, apply dotted ``overrides`` and validate."""
    from confection import Config

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No config file at {path}.")
    try:
        written = Config().from_disk(path, interpolate=False)
        # Defaults first, so overrides may name keys the file leaves out.
        merged = Config(_default_sections()).merge(written)
        resolved = Config().from_str(merged.to_str(), overrides=dict(overrides or {}))
        return DistillConfig.from_dict(resolved)
    except ValueError as error:  # the file (and the overrides) broke the rule the error names
        raise ValueError(f"{path}: {error}") from error


def _default_sections() -> dict[str, dict[str, Any]]:
    sections: dict[str, dict[str, Any]] = {"paths": {}}
    for section in fields(DistillConfig):
        section_type = typing.get_type_hints(DistillConfig)[section.name]
        values: dict[str, Any] = {}
        for item in fields(section_type):
            default = item.default
            if default is dataclasses.MISSING:
                continue
            values[item.name] = list(default) if isinstance(default, tuple) else default
        sections[section.name] = values
    return sections


def _json_or_string(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text
