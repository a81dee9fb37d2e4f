"""The distillation config: shipped files, defaults, overrides and the errors for bad values."""

from __future__ import annotations

import dataclasses
import typing
from pathlib import Path

import pytest
from confection import Config

from spacy_minialbert.distill import DistillConfig, load_config, parse_overrides

from .conftest import REPO, TINY_CONFIG

DEFAULT_CONFIG = REPO / "configs" / "distill" / "default.cfg"
SHIPPED = sorted((REPO / "configs" / "distill").glob("*.cfg"))
REQUIRED = {"paths.teacher": "some/teacher", "paths.data": ["notes/*.txt"]}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "distill.cfg"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_config_loads(path: Path) -> None:
    config = load_config(path, REQUIRED if "${paths.teacher}" in path.read_text() else {})
    assert isinstance(config, DistillConfig)
    assert DistillConfig.from_dict(config.to_dict()) == config


def test_default_config_spells_out_every_setting() -> None:
    written = Config().from_disk(DEFAULT_CONFIG, interpolate=False)
    hints = typing.get_type_hints(DistillConfig)
    for section in dataclasses.fields(DistillConfig):
        keys = {f.name for f in dataclasses.fields(hints[section.name])}
        assert set(written[section.name]) == keys, section.name


def test_default_config_matches_the_reference_recipe() -> None:
    config = load_config(DEFAULT_CONFIG, REQUIRED)
    loss, optimizer = config.loss, config.optimizer
    assert (loss.mlm_weight, loss.attention_weight, loss.hidden_weight, loss.logit_weight) == (
        1.0,
        3.0,
        3.0,
        5.0,
    )
    assert (optimizer.learning_rate, optimizer.weight_decay, optimizer.warmup_steps) == (
        5e-4,
        1e-4,
        5000,
    )
    assert (config.data.window, config.data.stride) == (256, 128)
    assert config.masking.probability == 0.15
    assert config.initialization.method == "random"


def test_overrides_reach_variables_and_keys_the_file_leaves_out() -> None:
    overrides = {**REQUIRED, "training.max_steps": 7, "masking.probability": 0.2}
    config = load_config(TINY_CONFIG, overrides)
    assert config.teacher.name == "some/teacher"
    assert config.data.paths == ("notes/*.txt",)
    assert config.training.max_steps == 7
    assert config.masking.probability == 0.2  # [masking] is not in tiny.cfg


def test_parse_overrides_reads_json_values_like_spacy() -> None:
    args = [
        "--training.max_steps",
        "10",
        '--data.paths=["a.txt", "b/*.jsonl"]',
        "--system.progress",
        "--teacher.name",
        "bert-base-uncased",
    ]
    assert parse_overrides(args) == {
        "training.max_steps": 10,
        "data.paths": ["a.txt", "b/*.jsonl"],
        "system.progress": True,
        "teacher.name": "bert-base-uncased",
    }
    with pytest.raises(ValueError, match=r"overrides look like --section\.key value"):
        parse_overrides(["stray"])


def test_a_single_path_string_is_accepted() -> None:
    config = load_config(TINY_CONFIG, {**REQUIRED, "paths.data": "notes/*.txt"})
    assert config.data.paths == ("notes/*.txt",)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"initialization.method": "pretrained"},
            "Unknown initialisation 'pretrained' (initialization.method); expected one of "
            "'random', 'teacher'.",
        ),
        ({"training.max_stepz": 3}, "Unknown setting(s) training.max_stepz; [training] takes"),
        ({"training.max_steps": "many"}, "training.max_steps must be an integer, got 'many'."),
        ({"training.batch_size": 0}, "training.batch_size must be at least 1, got 0."),
        ({"data.stride": 64}, "The window stride (data.stride = 64) must lie between 1 and"),
        ({"data.format": "xml"}, "Unknown value 'xml' for data.format"),
        ({"paths.teacher": None}, "teacher.name must be set (got null)."),
        (
            {"loss.teacher_layers": [2, "x"]},
            "loss.teacher_layers must be a list of integers or null",
        ),
        ({"paths.data": []}, "No input files: set data.paths"),
        ({"system.device": "tpu"}, "Unknown device 'tpu' (system.device)"),
        ({"masking.mask_fraction": 0.95}, "must be non-negative and sum to at most 1"),
    ],
)
def test_bad_settings_are_named(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError) as error:
        load_config(TINY_CONFIG, {**REQUIRED, **overrides})
    assert message in str(error.value)


def test_unknown_sections_are_named(tmp_path: Path) -> None:
    path = write(tmp_path, '[teacher]\nname = "t"\n\n[trainign]\nmax_steps = 3\n')
    with pytest.raises(ValueError, match=r"Unknown config section\(s\) \[trainign\]"):
        load_config(path, {"data.paths": ["x.txt"]})


def test_missing_config_file_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="No config file at"):
        load_config(tmp_path / "nope.cfg")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"training.max_steps": 7.5}, "training.max_steps must be an integer, got 7.5."),
        ({"training.max_steps": True}, "training.max_steps must be an integer, got True."),
        ({"optimizer.learning_rate": "fast"}, "optimizer.learning_rate must be a number"),
        ({"optimizer.learning_rate": "0.1"}, "optimizer.learning_rate must be a number"),
        ({"system.progress": "yes"}, "system.progress must be true or false, got 'yes'."),
        ({"teacher.name": 3}, "teacher.name must be a string, got 3."),
        ({"data.paths": ["a.txt", 3]}, "data.paths must be a list of strings, got ['a.txt', 3]."),
        ({"student.hidden_size": "wide"}, "student.hidden_size must be an integer or null"),
    ],
)
def test_values_are_checked_strictly_through_confection(
    overrides: dict[str, object], message: str
) -> None:
    """Nothing is converted behind the user's back: no truncated floats, no numbers in
    strings, no 1 for true."""
    with pytest.raises(ValueError) as error:
        load_config(TINY_CONFIG, {**REQUIRED, **overrides})
    assert message in str(error.value)
    assert str(TINY_CONFIG) in str(error.value)


def test_integers_are_numbers_and_lists_are_tuples() -> None:
    config = load_config(
        TINY_CONFIG, {**REQUIRED, "loss.temperature": 2, "loss.teacher_layers": [1, 2]}
    )
    assert config.loss.temperature == 2.0 and isinstance(config.loss.temperature, float)
    assert config.loss.teacher_layers == (1, 2)


def test_an_override_of_an_unknown_section_is_named() -> None:
    with pytest.raises(
        ValueError, match=r"(?s)Error parsing config overrides.*trainign -> max_steps"
    ):
        load_config(TINY_CONFIG, {**REQUIRED, "trainign.max_steps": 3})


def test_command_line_overrides_reach_the_config() -> None:
    args = ["--training.max_steps", "12", "--loss.teacher_layers=[2, 4]", "--system.progress"]
    overrides = parse_overrides(["--paths.teacher", "t", "--paths.data", '["x.txt"]', *args])
    config = load_config(TINY_CONFIG, overrides)
    assert (config.teacher.name, config.data.paths) == ("t", ("x.txt",))
    assert (config.training.max_steps, config.loss.teacher_layers) == (12, (2, 4))
    assert config.system.progress is True  # tiny.cfg says false
