"""End to end: distil tiny students on the CPU, resume killed runs exactly, load the results."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
import torch
from safetensors.torch import load_file

from spacy_minialbert import MiniAlbertModel
from spacy_minialbert.distill import distill, load_config
from spacy_minialbert.distill.checkpoint import load_checkpoint

from .conftest import TINY_CONFIG, run, tiny_overrides


class Killed(Exception):
    """Stands in for a kill signal arriving after some step."""


def kill_after(step: int) -> Any:
    def callback(current: int, values: Any) -> None:
        if current == step:
            raise Killed

    return callback


def metrics(output: Path) -> list[dict[str, Any]]:
    lines = (output / "metrics.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def test_the_loss_falls(distilled: Path) -> None:
    records = metrics(distilled)
    assert [r["step"] for r in records] == list(range(1, 31))
    first = sum(r["loss"] for r in records[:3]) / 3
    last = sum(r["loss"] for r in records[-3:]) / 3
    assert last < 0.8 * first, (first, last)
    for key in ("mlm", "attention", "hidden", "logits", "lr", "tokens_per_s"):
        assert key in records[-1]
    assert "ponder" not in records[-1], "no ACT, no ponder term"


def test_the_output_loads_as_a_minialbert_with_provenance(
    distilled: Path, teacher_dir: Path
) -> None:
    from transformers import AutoTokenizer

    model = MiniAlbertModel.from_pretrained(str(distilled))
    assert isinstance(model, MiniAlbertModel)
    config = json.loads((distilled / "config.json").read_text())
    assert config["model_type"] == "minialbert"
    assert (config["hidden_size"], config["num_hidden_layers"], config["embedding_size"]) == (
        32,
        2,
        16,
    )
    weights = load_file(distilled / "model.safetensors")
    assert any(key.startswith("mlm_head.") for key in weights)
    tokenizer = AutoTokenizer.from_pretrained(str(distilled))
    assert tokenizer.get_vocab() == AutoTokenizer.from_pretrained(str(teacher_dir)).get_vocab()
    batch = tokenizer(["the patient was seen in the clinic ."], return_tensors="pt")
    with torch.no_grad():
        hidden = model(**batch).last_hidden_state
    assert hidden.shape == (1, batch["input_ids"].shape[1], 32)

    provenance = json.loads((distilled / "distillation.json").read_text())
    assert provenance["teacher"] == str(teacher_dir)
    assert len(provenance["data_files"]) == 3
    assert provenance["steps"] == 30 and provenance["teacher_layers"] == [2, 4]
    assert provenance["final_losses"]["step"] == 30
    assert provenance["config"]["student"]["num_hidden_layers"] == 2
    counts = provenance["parameters"]
    assert counts["student_encoder"] < counts["teacher_encoder"]
    assert (distilled / "loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_killed_run_resumes_exactly(tmp_path: Path, teacher_dir: Path, corpus_dir: Path) -> None:
    data = [str(corpus_dir / "notes.txt")]
    settings = {"training.max_steps": 8, "training.checkpoint_every": 3, "training.batch_size": 4}
    straight = tmp_path / "straight"
    run(straight, teacher_dir, data, **settings)

    interrupted = tmp_path / "interrupted"
    config = load_config(TINY_CONFIG, tiny_overrides(teacher_dir, data, **settings))
    with pytest.raises(Killed):
        distill(config, interrupted, on_step=kill_after(5))
    assert load_checkpoint(interrupted)["step"] == 3
    assert [r["step"] for r in metrics(interrupted)] == [1, 2, 3, 4, 5]

    result = run(interrupted, teacher_dir, data, **settings)
    assert (result.resumed_from, result.steps) == (3, 8)
    assert metrics(interrupted) == [
        {**a, "tokens_per_s": b["tokens_per_s"], "elapsed_s": b["elapsed_s"]}
        for a, b in zip(metrics(straight), metrics(interrupted), strict=True)
    ], "the same losses, step for step (timings aside)"
    expected = load_file(straight / "model.safetensors")
    actual = load_file(interrupted / "model.safetensors")
    assert expected.keys() == actual.keys()
    for key, tensor in expected.items():
        assert torch.equal(tensor, actual[key]), key


def test_a_finished_run_can_be_extended_but_not_changed(
    tmp_path: Path, teacher_dir: Path, corpus_dir: Path
) -> None:
    data = [str(corpus_dir / "notes.txt")]
    output = tmp_path / "student"
    run(output, teacher_dir, data, **{"training.max_steps": 2})
    result = run(output, teacher_dir, data, **{"training.max_steps": 4})
    assert (result.resumed_from, result.steps) == (2, 4)
    with pytest.raises(ValueError, match=r"other settings:\n  data.window: 32 -> 24"):
        run(output, teacher_dir, data, **{"training.max_steps": 5, "data.window": 24})
    config = load_config(TINY_CONFIG, tiny_overrides(teacher_dir, data))
    result = distill(config, output, overwrite=True)
    assert result.resumed_from is None and result.steps == 30


def test_output_dir_rules(tmp_path: Path, teacher_dir: Path, corpus_dir: Path) -> None:
    data = [str(corpus_dir / "notes.txt")]
    with pytest.raises(FileNotFoundError, match="No checkpoint to resume from"):
        run(tmp_path / "new", teacher_dir, data, resume=True)
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "notes.md").write_text("mine")
    with pytest.raises(ValueError, match="is not empty and holds no checkpoint"):
        run(tmp_path / "used", teacher_dir, data)


def test_a_teacher_without_mlm_head_turns_the_logit_term_off(
    tmp_path: Path,
    headless_teacher_dir: Path,
    corpus_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    output = tmp_path / "student"
    with caplog.at_level(logging.WARNING, logger="spacy_minialbert.distill"):
        run(
            output,
            headless_teacher_dir,
            [str(corpus_dir / "notes.txt")],
            **{"training.max_steps": 3},
        )
    assert "has no masked-LM head, so the logit term is off" in caplog.text
    assert "loss.logit_weight = 5.0 is treated as 0" in caplog.text
    records = metrics(output)
    assert "logits" not in records[-1] and records[-1]["mlm"] > 0
    provenance = json.loads((output / "distillation.json").read_text())
    assert provenance["teacher_has_mlm_head"] is False
    MiniAlbertModel.from_pretrained(str(output))


def test_an_act_student_pays_the_ponder_cost(
    tmp_path: Path, teacher_dir: Path, corpus_dir: Path
) -> None:
    output = tmp_path / "student"
    act = {"training.max_steps": 4, "student.use_act": True, "student.num_hidden_layers": 3}
    run(output, teacher_dir, [str(corpus_dir / "notes.txt")], **act)
    last = metrics(output)[-1]
    assert last["ponder"] > 0 and 1.0 <= last["mean_updates"] <= 3.0
    model = MiniAlbertModel.from_pretrained(str(output))
    assert model.config.use_act
    with torch.no_grad():
        updates = model(torch.tensor([[2, 10, 11, 12, 3]])).updates
    assert updates is not None and updates.shape == (1, 5)


def test_teacher_initialisation_starts_closer_to_the_teacher(
    tmp_path: Path, teacher_dir: Path, corpus_dir: Path
) -> None:
    data = [str(corpus_dir / "notes.txt")]
    first_steps = {}
    for method in ("random", "teacher"):
        output = tmp_path / method
        run(output, teacher_dir, data, **{"training.max_steps": 2, "initialization.method": method})
        first_steps[method] = metrics(output)[0]
        provenance = json.loads((output / "distillation.json").read_text())
        assert provenance["initialisation"][0].startswith(
            "random" if method == "random" else "shared layer: teacher layer 2"
        )
    assert first_steps["teacher"]["hidden"] < first_steps["random"]["hidden"]


def test_gradient_accumulation_reads_every_micro_batch(
    tmp_path: Path, teacher_dir: Path, corpus_dir: Path
) -> None:
    output = tmp_path / "student"
    run(
        output,
        teacher_dir,
        [str(corpus_dir / "notes.txt")],
        **{"training.max_steps": 2, "training.batch_size": 3, "training.accumulate_gradients": 2},
    )
    assert load_checkpoint(output)["data"][0]["windows_served"] == 2 * 2 * 3


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"student.hidden_size": 64},
            "The student's hidden width (student.hidden_size = 64) must equal the teacher's "
            "hidden size (32)",
        ),
        (
            {"student.num_attention_heads": 8},
            "The student's head count (student.num_attention_heads = 8) must equal the "
            "teacher's (4)",
        ),
        (
            {"data.window": 128, "data.stride": 64},
            "The window (data.window = 128) is longer than the student's 64 positions",
        ),
        (
            {"initialization.method": "teacher", "initialization.teacher_layer": 9},
            "initialization.teacher_layer = 9, but the teacher has layers 1..4.",
        ),
        ({"loss.teacher_layers": [1, 2, 3]}, "loss.teacher_layers names 3 layer(s)"),
    ],
)
def test_settings_that_contradict_the_teacher_are_named(
    tmp_path: Path,
    teacher_dir: Path,
    corpus_dir: Path,
    overrides: dict[str, Any],
    message: str,
) -> None:
    with pytest.raises(ValueError) as error:
        run(tmp_path / "student", teacher_dir, [str(corpus_dir / "notes.txt")], **overrides)
    assert message in str(error.value)
