"""A new backbone's shape is one BackboneShape: FreshBackbone.v1 takes its fields with their
defaults, and a command's shape options are made from them."""

from __future__ import annotations

import dataclasses
import inspect

import pytest
import typer
from typer.testing import CliRunner

from spacy_minialbert.backbone_shape import DEFAULT_SHAPE, BackboneShape
from spacy_minialbert.cli.backbone import with_shape_options
from spacy_minialbert.pipeline import fresh_backbone_v1


def test_fresh_backbone_takes_every_field_of_the_shape_with_its_default() -> None:
    parameters = inspect.signature(fresh_backbone_v1).parameters
    shape_keys = [name for name in parameters if name not in ("vocab", "lowercase", "seed")]
    assert sorted(shape_keys) == sorted(f.name for f in dataclasses.fields(BackboneShape))
    for name in shape_keys:
        assert parameters[name].default == getattr(DEFAULT_SHAPE, name), name


def test_an_impossible_shape_fails_when_the_config_is_resolved() -> None:
    with pytest.raises(ValueError, match="divisible by the number of attention heads"):
        fresh_backbone_v1("vocab.txt", hidden_size=30, num_attention_heads=4)


def test_the_shape_options_of_a_command_make_its_shape() -> None:
    app = typer.Typer()
    made: list[BackboneShape] = []

    @app.command()
    @with_shape_options
    def command(
        name: str = typer.Argument(...), shape: BackboneShape = DEFAULT_SHAPE, seed: int = 0
    ) -> None:
        made.append(shape)
        assert (name, seed) == ("x", 3)

    runner = CliRunner()
    arguments = ["x", "--hidden-size", "32", "--num-attention-heads", "2", "--no-adapters",
                 "--use-act", "--act-epsilon", "0.05", "--hidden-act", "relu",
                 "--seed", "3"]  # fmt: skip
    result = runner.invoke(app, arguments)
    assert result.exit_code == 0, result.output
    assert made == [
        dataclasses.replace(
            DEFAULT_SHAPE,
            hidden_size=32,
            num_attention_heads=2,
            use_adapter=False,
            use_act=True,
            act_epsilon=0.05,
            hidden_act="relu",
        )
    ]
    assert runner.invoke(app, ["x", "--seed", "3"]).exit_code == 0
    assert made[-1] == DEFAULT_SHAPE
    # Every field is an option, with its help.
    options = {param.name: param for param in typer.main.get_command(app).params}
    for item in dataclasses.fields(BackboneShape):
        assert options[item.name].help == item.metadata["help"], item.name
