"""Checking parsed config values against the settings' type annotations."""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from typing import Any

TYPE_NAMES = {int: "an integer", float: "a number", bool: "true or false", str: "a string"}


def typed_section(cls: type, name: str, raw: Mapping[str, Any]) -> Any:
    """Build the settings dataclass ``cls`` of section ``name`` from ``raw`` values."""
    if not isinstance(raw, Mapping):
        raise ValueError(f"[{name}] must be a section of key = value settings.")
    hints = typing.get_type_hints(cls)
    unknown = sorted(set(raw) - set(hints))
    if unknown:
        raise ValueError(
            f"Unknown setting(s) {', '.join(f'{name}.{k}' for k in unknown)}; [{name}] takes "
            f"{', '.join(hints)}."
        )
    values = {key: _coerce(f"{name}.{key}", value, hints[key]) for key, value in raw.items()}
    return cls(**values)


def _coerce(name: str, value: Any, annotation: Any) -> Any:
    """Check ``value`` against a field's type, turning lists into tuples and ints into floats."""
    options = typing.get_args(annotation) if _is_union(annotation) else (annotation,)
    if value is None:
        if type(None) in options:
            return None
        raise ValueError(f"{name} must be set (got null).")
    for option in options:
        if option is type(None):
            continue
        origin = typing.get_origin(option)
        if origin is tuple:
            (item_type, _ellipsis) = typing.get_args(option)
            items = [value] if isinstance(value, str) else value
            if isinstance(items, list | tuple) and all(_is(i, item_type) for i in items):
                return tuple(item_type(i) for i in items)
        elif _is(value, option):
            return option(value)
    expected = " or ".join(_type_name(o) for o in options)
    raise ValueError(f"{name} must be {expected}, got {value!r}.")


def _is(value: Any, expected: Any) -> bool:
    if expected is bool:
        return isinstance(value, bool)
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if expected is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, expected)


def _is_union(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (typing.Union, types.UnionType)


def _type_name(annotation: Any) -> str:
    if annotation is type(None):
        return "null"
    if typing.get_origin(annotation) is tuple:
        item = TYPE_NAMES[typing.get_args(annotation)[0]].split(" ", 1)[1]
        return f"a list of {item}s"
    return TYPE_NAMES.get(annotation, annotation.__name__)
