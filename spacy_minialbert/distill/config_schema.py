"""Validating the distillation config with confection, as ``spacy train`` validates its own.

The pydantic schemas confection checks sections against are made from the settings
dataclasses of :mod:`.config`, so each setting's type and default is written once. Numbers,
booleans and strings are strict (``"7"`` is not an integer, ``7.5`` is not truncated to 7);
lists become tuples. Confection's errors are rewritten to name the setting and its value.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from typing import Any

from confection import ConfigValidationError, registry

# Confection validates with pydantic's v1 API (pydantic.v1 under pydantic 2, as spaCy does).
from pydantic.v1 import BaseConfig, BaseModel, Extra, StrictBool, StrictInt, StrictStr, create_model

TYPE_NAMES = {int: "an integer", float: "a number", bool: "true or false", str: "a string"}


class Number(float):
    """An int or a float (never a bool or a numeric string), as a float."""

    @classmethod
    def __get_validators__(cls) -> typing.Iterator[typing.Callable[[Any], float]]:
        yield cls.validate

    @classmethod
    def validate(cls, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError("not a number")
        return float(value)


class Strings(tuple[str, ...]):
    """A list of strings, or one string standing for a list of one."""

    @classmethod
    def __get_validators__(cls) -> typing.Iterator[typing.Callable[[Any], tuple[str, ...]]]:
        yield cls.validate

    @classmethod
    def validate(cls, value: Any) -> tuple[str, ...]:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
            raise TypeError("not a list of strings")
        return tuple(items)


STRICT: dict[Any, Any] = {int: StrictInt, float: Number, bool: StrictBool, str: StrictStr}


def strict(annotation: Any) -> Any:
    """The pydantic type that checks values of a settings field's ``annotation``."""
    if annotation in STRICT:
        return STRICT[annotation]
    if annotation == tuple[str, ...]:
        return Strings
    if typing.get_origin(annotation) is tuple:
        return tuple[strict(typing.get_args(annotation)[0]), ...]  # type: ignore[misc]
    options = [option for option in typing.get_args(annotation) if option is not type(None)]
    if len(options) == 1:  # X | None
        return strict(options[0]) | None
    raise TypeError(f"No schema for settings of type {annotation!r}")


class Forbid(BaseConfig):
    extra = Extra.forbid


def section_schema(settings: type) -> type[BaseModel]:
    hints = typing.get_type_hints(settings)
    fields: dict[str, Any] = {}
    for item in dataclasses.fields(settings):
        default = item.default if item.default is not dataclasses.MISSING else ...
        fields[item.name] = (strict(hints[item.name]), default)
    return create_model(settings.__name__ + "Schema", __config__=Forbid, **fields)


def config_schema(config_class: type) -> type[BaseModel]:
    """One schema per section, and ``[paths]`` for free variables."""
    hints = typing.get_type_hints(config_class)
    sections: dict[str, Any] = {"paths": (dict[str, Any], {})}
    for section in dataclasses.fields(config_class):
        sections[section.name] = (section_schema(hints[section.name]), {})
    return create_model(config_class.__name__ + "Schema", __config__=Forbid, **sections)


def resolve_sections(
    config_class: type, raw: Mapping[str, Any], schema: type[BaseModel]
) -> dict[str, Any]:
    """Each section of ``raw`` checked against ``schema`` and built as its settings class."""
    try:
        resolved = registry.resolve(dict(raw), schema=schema, validate=True)
    except ConfigValidationError as error:
        raise ValueError(_message(config_class, raw, error)) from None
    hints = typing.get_type_hints(config_class)
    return {
        section.name: hints[section.name](**resolved[section.name])
        for section in dataclasses.fields(config_class)
    }


def _message(config_class: type, raw: Mapping[str, Any], error: ConfigValidationError) -> str:
    """The first of confection's errors, naming the setting and what it holds."""
    section = error.parent
    hints = typing.get_type_hints(config_class)
    if not section:  # the top level: only unknown sections can fail there
        unknown = sorted(
            str(e["loc"][0]) for e in error.errors if e.get("type") == "value_error.extra"
        )
        return (
            f"Unknown config section(s) {', '.join(f'[{s}]' for s in unknown)}; expected "
            f"{', '.join(f'[{f.name}]' for f in dataclasses.fields(config_class))} (and [paths] "
            "for variables)."
        )
    settings = typing.get_type_hints(hints[section])
    unknown = sorted(str(e["loc"][0]) for e in error.errors if e.get("type") == "value_error.extra")
    if unknown:
        return (
            f"Unknown setting(s) {', '.join(f'{section}.{k}' for k in unknown)}; [{section}] "
            f"takes {', '.join(settings)}."
        )
    key = str(next(iter(error.errors))["loc"][0])
    value = raw.get(section, {}).get(key)
    if value is None:
        return f"{section}.{key} must be set (got null)."
    return f"{section}.{key} must be {_type_name(settings[key])}, got {value!r}."


def _type_name(annotation: Any) -> str:
    options = typing.get_args(annotation) if typing.get_origin(annotation) is not tuple else ()
    if options:
        return " or ".join(_type_name(option) for option in options)
    if annotation is type(None):
        return "null"
    if typing.get_origin(annotation) is tuple:
        item = TYPE_NAMES[typing.get_args(annotation)[0]].split(" ", 1)[1]
        return f"a list of {item}s"
    return TYPE_NAMES.get(annotation, getattr(annotation, "__name__", str(annotation)))
