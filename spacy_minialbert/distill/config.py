"""The distillation settings: typed sections, validated where they are built, with messages
that name the setting and its value, read from a spaCy-style ``.cfg`` file.

The file format, variable interpolation (``${paths.data}``), dotted overrides
(``--training.max_steps 100``) and validation are those of ``spacy train`` (via ``confection``).
Sections or keys the file leaves out take the defaults of the settings dataclasses, so a config
only needs what differs. The pydantic schemas confection checks sections against are made from
those dataclasses, so each setting's type and default is written once. Numbers, booleans and
strings are strict (``"7"`` is not an integer, ``7.5`` is not truncated to 7); lists become
tuples. Confection's errors are rewritten to name the setting and its value.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import typing
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from confection import Config, ConfigValidationError, registry

# Confection validates with pydantic's v1 API (pydantic.v1 under pydantic 2, as spaCy does).
from pydantic.v1 import BaseConfig, BaseModel, Extra, StrictBool, StrictInt, StrictStr, create_model

INIT_METHODS = ("random", "teacher")


@dataclass(frozen=True)
class SystemSettings:
    """Seed, device (``auto``: CUDA when available), CPU threads (0: torch's default), numeric
    precision and the progress bar."""

    seed: int = 0
    device: str = "auto"
    threads: int = 0
    precision: str = "fp32"
    progress: bool = True

    def __post_init__(self) -> None:
        _choice("system.precision", self.precision, ("fp32", "bf16"))
        _at_least("system.threads", self.threads, 0)
        if not (self.device in ("auto", "cpu", "cuda") or self.device.startswith("cuda:")):
            raise ValueError(
                f"Unknown device '{self.device}' (system.device); expected 'auto', 'cpu', "
                "'cuda' or 'cuda:N'."
            )


@dataclass(frozen=True)
class TeacherSettings:
    """The BERT-family teacher: a local directory or a Hugging Face Hub id."""

    name: str = ""

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("No teacher given: set teacher.name (a local directory or hub id).")


@dataclass(frozen=True)
class StudentSettings:
    """The MiniALBERT student: the fields of :class:`~spacy_minialbert.backbone_shape.
    BackboneShape` (a test keeps them the same), with this section's own defaults. ``None``
    takes the teacher's value; the hidden width and the number of heads must equal the
    teacher's, because the losses compare hidden states and attention maps directly."""

    embedding_size: int = 128
    hidden_size: int | None = None
    num_attention_heads: int | None = None
    num_hidden_layers: int = 6
    intermediate_size: int | None = None
    hidden_act: str | None = None
    use_adapter: bool = True
    reduction_factor: int = 16
    hidden_dropout_prob: float = 0.1
    attention_probs_dropout_prob: float = 0.1
    max_position_embeddings: int | None = None
    use_act: bool = False
    act_epsilon: float = 0.01

    def __post_init__(self) -> None:
        _at_least("student.embedding_size", self.embedding_size, 1)
        _at_least("student.num_hidden_layers", self.num_hidden_layers, 1)
        _at_least("student.reduction_factor", self.reduction_factor, 1)


@dataclass(frozen=True)
class InitSettings:
    """``random`` (the reference) or ``teacher``: the shared layer copied from teacher layer
    ``teacher_layer`` (1-based; ``None``: the middle one), embeddings by truncated SVD of the
    teacher's word embeddings, the masked-LM head from the teacher's."""

    method: str = "random"
    teacher_layer: int | None = None

    def __post_init__(self) -> None:
        if self.method not in INIT_METHODS:
            raise ValueError(
                f"Unknown initialisation '{self.method}' (initialization.method); expected "
                f"one of {', '.join(repr(m) for m in INIT_METHODS)}."
            )
        if self.teacher_layer is not None:
            _at_least("initialization.teacher_layer", self.teacher_layer, 1)


@dataclass(frozen=True)
class DataSettings:
    """Input files and how they become fixed-length windows of the teacher's tokens.
    ``text_column``: the JSON key or CSV column of the text (None: ``text``, NOTEEVENTS'
    ``TEXT``); ``keep_iserror``: keep notes flagged ``ISERROR`` = 1 (the names ``annotate``
    and ``convert`` use; :func:`renamed_data_settings` takes the old ones)."""

    paths: tuple[str, ...] = ()
    format: str = "auto"
    text_column: str | None = None
    keep_iserror: bool = False
    placeholders: str = "unk"
    window: int = 256
    stride: int = 128
    max_windows_per_document: int = 0
    min_tokens: int = 1
    shuffle_buffer: int = 10000

    def __post_init__(self) -> None:
        if not self.paths:
            raise ValueError("No input files: set data.paths (a list of paths or globs).")
        _choice("data.format", self.format, ("auto", "text", "jsonl", "mimic", "mimic-iv"))
        _choice("data.placeholders", self.placeholders, ("unk", "split"))
        _at_least("data.window", self.window, 8)
        if not 1 <= self.stride <= self.window:
            raise ValueError(
                f"The window stride (data.stride = {self.stride}) must lie between 1 and the "
                f"window length (data.window = {self.window})."
            )
        _at_least("data.max_windows_per_document", self.max_windows_per_document, 0)
        _at_least("data.min_tokens", self.min_tokens, 1)
        _at_least("data.shuffle_buffer", self.shuffle_buffer, 1)


@dataclass(frozen=True)
class MaskingSettings:
    """Dynamic masking: ``probability`` of the real tokens are predicted; of those,
    ``mask_fraction`` become [MASK], ``random_fraction`` a random token, the rest stay."""

    probability: float = 0.15
    mask_fraction: float = 0.8
    random_fraction: float = 0.1

    def __post_init__(self) -> None:
        if not 0.0 < self.probability < 1.0:
            raise ValueError(
                f"masking.probability must lie strictly between 0 and 1, got {self.probability}."
            )
        if min(self.mask_fraction, self.random_fraction) < 0 or (
            self.mask_fraction + self.random_fraction > 1.0
        ):
            raise ValueError(
                f"masking.mask_fraction ({self.mask_fraction}) and masking.random_fraction "
                f"({self.random_fraction}) must be non-negative and sum to at most 1."
            )


@dataclass(frozen=True)
class LossSettings:
    """``mlm_weight*L_mlm + attention_weight*L_att + hidden_weight*L_hid + logit_weight*L_logits``
    plus ``ponder_weight`` (tau) times the ACT ponder cost when the student has ``use_act``.
    ``teacher_layers`` (1-based, one per recursion) replaces the default map round(r*L/R)."""

    mlm_weight: float = 1.0
    attention_weight: float = 3.0
    hidden_weight: float = 3.0
    logit_weight: float = 5.0
    temperature: float = 1.0
    ponder_weight: float = 1e-3
    teacher_layers: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        for name in ("mlm_weight", "attention_weight", "hidden_weight", "logit_weight"):
            if getattr(self, name) < 0:
                raise ValueError(f"loss.{name} must not be negative, got {getattr(self, name)}.")
        if self.temperature <= 0:
            raise ValueError(f"loss.temperature must be positive, got {self.temperature}.")
        if self.ponder_weight < 0:
            raise ValueError(f"loss.ponder_weight must not be negative, got {self.ponder_weight}.")


@dataclass(frozen=True)
class OptimizerSettings:
    """AdamW (no weight decay on biases and LayerNorms), linear warm-up then linear decay to
    zero at ``training.max_steps``, gradient-norm clipping (0: none)."""

    learning_rate: float = 5e-4
    weight_decay: float = 1e-4
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    grad_clip: float = 1.0
    warmup_steps: int = 5000

    def __post_init__(self) -> None:
        if self.learning_rate <= 0:
            raise ValueError(f"optimizer.learning_rate must be positive, got {self.learning_rate}.")
        _at_least("optimizer.warmup_steps", self.warmup_steps, 0)
        if self.grad_clip < 0:
            raise ValueError(f"optimizer.grad_clip must not be negative, got {self.grad_clip}.")


@dataclass(frozen=True)
class TrainingSettings:
    """Length of the run. ``batch_size`` counts windows per process and micro-batch: one
    optimiser step sees ``batch_size * accumulate_gradients * processes`` windows."""

    max_steps: int = 10000
    batch_size: int = 48
    accumulate_gradients: int = 1
    log_every: int = 50
    checkpoint_every: int = 1000

    def __post_init__(self) -> None:
        for name in ("max_steps", "batch_size", "accumulate_gradients", "log_every"):
            _at_least(f"training.{name}", getattr(self, name), 1)
        _at_least("training.checkpoint_every", self.checkpoint_every, 0)


@dataclass(frozen=True)
class DistillConfig:
    """Every setting of one distillation run, by section."""

    teacher: TeacherSettings
    data: DataSettings
    student: StudentSettings = field(default_factory=StudentSettings)
    initialization: InitSettings = field(default_factory=InitSettings)
    masking: MaskingSettings = field(default_factory=MaskingSettings)
    loss: LossSettings = field(default_factory=LossSettings)
    optimizer: OptimizerSettings = field(default_factory=OptimizerSettings)
    training: TrainingSettings = field(default_factory=TrainingSettings)
    system: SystemSettings = field(default_factory=SystemSettings)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> DistillConfig:
        """Build from parsed sections, each checked against its settings' types; ``[paths]``
        holds free variables and is ignored."""
        raw = {**raw, "data": renamed_data_settings(raw.get("data") or {})}
        try:
            resolved = registry.resolve(raw, schema=_schema(), validate=True)
        except ConfigValidationError as error:
            raise ValueError(_message(raw, error)) from None
        return cls(**{name: _SECTIONS[name](**resolved[name]) for name in _SECTIONS})

    def to_dict(self) -> dict[str, dict[str, Any]]:
        """Plain JSON-ready values, section by section."""
        return json.loads(json.dumps(dataclasses.asdict(self)))


# Each section's name and settings class, in order.
_SECTIONS: dict[str, Any] = typing.get_type_hints(DistillConfig)


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
        try:
            overrides[key.replace("-", "_")] = json.loads(value)
        except json.JSONDecodeError:
            overrides[key.replace("-", "_")] = value
        index += 1
    return overrides


def load_config(path: str | Path, overrides: Mapping[str, Any] | None = None) -> DistillConfig:
    """Read a ``.cfg`` file, fill in defaults, apply dotted ``overrides`` and validate."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No config file at {path}.")
    # Defaults first, so overrides may name keys the file leaves out.
    defaults: dict[str, dict[str, Any]] = {"paths": {}}
    for name, settings in _SECTIONS.items():
        defaults[name] = {
            item.name: list(item.default) if isinstance(item.default, tuple) else item.default
            for item in dataclasses.fields(settings)
        }
    try:
        written = Config().from_disk(path, interpolate=False)
        merged = Config(defaults).merge(written)
        resolved = Config().from_str(merged.to_str(), overrides=dict(overrides or {}))
        return DistillConfig.from_dict(resolved)
    except ValueError as error:  # the file (and the overrides) broke the rule the error names
        raise ValueError(f"{path}: {error}") from error


# Old names of [data] settings: each option has one name in every command now.
_OLD_TEXT_DEFAULTS = {"text_field": "text", "csv_text_column": "TEXT"}


def renamed_data_settings(raw: Any, *, warn: bool = True) -> Any:
    """``[data]`` with the old names of settings replaced by the new (a warning for each, unless
    ``warn`` is False: a saved checkpoint's settings): ``skip_error_rows = X`` is
    ``keep_iserror = not X``; ``text_field`` (JSONL) and ``csv_text_column`` (CSV) are one
    ``text_column``, their old defaults (``text``, ``TEXT``) being its default."""
    if not isinstance(raw, Mapping):
        return raw  # not a section: the type check says so
    data = dict(raw)
    # An old name, where given, sets the new one (which the defaults have filled in already).
    for key in [key for key in ("skip_error_rows", *_OLD_TEXT_DEFAULTS) if key in data and warn]:
        new = "keep_iserror = not that value" if key == "skip_error_rows" else "text_column"
        warnings.warn(
            f"data.{key} is deprecated; set data.{new} instead.", FutureWarning, stacklevel=2
        )
    if "skip_error_rows" in data:
        skip = data.pop("skip_error_rows")
        if not isinstance(skip, bool):
            raise ValueError(f"data.skip_error_rows must be true or false, got {skip!r}.")
        data["keep_iserror"] = not skip
    columns = {data.pop(key) for key in list(_OLD_TEXT_DEFAULTS) if key in data}
    columns -= set(_OLD_TEXT_DEFAULTS.values())
    if len(columns) > 1:
        raise ValueError(
            "data.text_field and data.csv_text_column differ; they are one setting now: set "
            "data.text_column."
        )
    if columns:
        data["text_column"] = columns.pop()
    return data


def _choice(name: str, value: str, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise ValueError(
            f"Unknown value '{value}' for {name}; expected one of "
            f"{', '.join(repr(a) for a in allowed)}."
        )


def _at_least(name: str, value: int, minimum: int) -> None:
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}.")


# Validation through confection: the schemas and the rewriting of its errors.
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


@functools.cache
def _schema() -> type[BaseModel]:
    """One schema per section, and ``[paths]`` for free variables."""
    sections: dict[str, Any] = {"paths": (dict[str, Any], {})}
    for name, settings in _SECTIONS.items():
        hints = typing.get_type_hints(settings)
        fields: dict[str, Any] = {
            item.name: (strict(hints[item.name]), item.default)
            for item in dataclasses.fields(settings)
        }
        schema = create_model(settings.__name__ + "Schema", __config__=Forbid, **fields)
        sections[name] = (schema, {})
    return create_model("DistillConfigSchema", __config__=Forbid, **sections)


def _message(raw: Mapping[str, Any], error: ConfigValidationError) -> str:
    """The first of confection's errors, naming the setting and what it holds."""
    section = error.parent
    unknown = sorted(str(e["loc"][0]) for e in error.errors if e.get("type") == "value_error.extra")
    if not section:  # the top level: only unknown sections can fail there
        return (
            f"Unknown config section(s) {', '.join(f'[{s}]' for s in unknown)}; expected "
            f"{', '.join(f'[{name}]' for name in _SECTIONS)} (and [paths] for variables)."
        )
    settings = typing.get_type_hints(_SECTIONS[section])
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
