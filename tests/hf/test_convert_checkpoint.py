"""`spacy-minialbert convert-checkpoint`: published layouts into ours."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from typer.testing import CliRunner

from spacy_minialbert import MiniAlbertForMaskedLM, MiniAlbertModel
from spacy_minialbert.cli import app
from spacy_minialbert.cli import commands as _commands  # noqa: F401  (registers commands)

IDS = torch.tensor([[2, 15, 37, 8, 91, 44, 3]])


def test_published_checkpoint_converts_with_tokenizer(
    published_backbone: Path, tmp_path: Path
) -> None:
    result = CliRunner().invoke(
        app, ["convert-checkpoint", str(published_backbone), str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    assert "nlpie layout" in result.output and "MiniAlbertForMaskedLM" in result.output
    out = tmp_path / "out"
    config = json.loads((out / "config.json").read_text())
    assert config["model_type"] == "minialbert"
    assert (out / "model.safetensors").is_file() and not (out / "pytorch_model.bin").exists()
    tokenizer_config = json.loads((out / "tokenizer_config.json").read_text())
    assert tokenizer_config["tokenizer_class"].startswith("BertTokenizer")
    assert (out / "vocab.txt").read_text() == (published_backbone / "vocab.txt").read_text()
    before = MiniAlbertForMaskedLM.from_pretrained(str(published_backbone))
    after = MiniAlbertForMaskedLM.from_pretrained(str(out))
    assert torch.equal(before(IDS).logits, after(IDS).logits)


def test_albert_act_checkpoint_converts(conformance_dir: Path, tmp_path: Path) -> None:
    source = conformance_dir / "albert_act" / "tiny_albert_act"
    result = CliRunner().invoke(app, ["convert-checkpoint", str(source), str(tmp_path / "act")])
    assert result.exit_code == 0, result.output
    before = MiniAlbertModel.from_pretrained(str(source))(IDS)
    after = MiniAlbertModel.from_pretrained(str(tmp_path / "act"))(IDS)
    assert torch.equal(before.last_hidden_state, after.last_hidden_state)
    assert torch.equal(before.updates, after.updates)


def test_refuses_to_overwrite(published_backbone: Path, tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("x")
    result = CliRunner().invoke(
        app, ["convert-checkpoint", str(published_backbone), str(tmp_path / "out")]
    )
    assert result.exit_code != 0
    assert isinstance(result.exception, FileExistsError)


def test_encoder_only_in_half_precision(published_backbone: Path, tmp_path: Path) -> None:
    full, small = tmp_path / "full", tmp_path / "small"
    assert (
        CliRunner()
        .invoke(app, ["convert-checkpoint", str(published_backbone), str(full)])
        .exit_code
        == 0
    )
    result = CliRunner().invoke(
        app,
        ["convert-checkpoint", str(published_backbone), str(small), "--encoder-only", "--half"],
    )
    assert result.exit_code == 0, result.output
    assert "MiniAlbertModel (float16 storage)" in result.output
    # The masked-LM head is gone and what is left is stored in 16 bits.
    assert (small / "model.safetensors").stat().st_size < 0.5 * (
        full / "model.safetensors"
    ).stat().st_size
    model = MiniAlbertModel.from_pretrained(str(small))
    assert next(model.parameters()).dtype == torch.float32
    reference = MiniAlbertModel.from_pretrained(str(full))
    assert torch.allclose(model(IDS).last_hidden_state, reference(IDS).last_hidden_state, atol=2e-2)
