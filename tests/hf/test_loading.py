"""Loading every supported layout, and clear errors for what cannot be loaded."""

from __future__ import annotations

import json
import pickle
import re
import shutil
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file
from transformers import (
    AutoConfig,
    AutoModel,
    AutoModelForMaskedLM,
    AutoModelForSequenceClassification,
    AutoModelForTokenClassification,
)

from spacy_minialbert import (
    MiniAlbertConfig,
    MiniAlbertForMaskedLM,
    MiniAlbertForSequenceClassification,
    MiniAlbertForTokenClassification,
    MiniAlbertModel,
)


@pytest.fixture
def published(conformance_dir: Path, tmp_path: Path) -> Path:
    """A writable copy of the tiny checkpoint in the published (nlpie) layout."""
    target = tmp_path / "published"
    shutil.copytree(conformance_dir / "tiny_minialbert", target)
    return target


def drop_weights(directory: Path, pattern: str) -> None:
    (directory / "pytorch_model.bin").unlink()
    state = load_file(directory / "model.safetensors")
    save_file({k: v for k, v in state.items() if not re.search(pattern, k)},
              directory / "model.safetensors")  # fmt: skip


def test_published_layout_loads_and_unused_weights_are_accepted(published: Path) -> None:
    # The masked-LM checkpoint carries a pooler, the LM head and position_ids: all unused by
    # the encoder, none an error.
    model = MiniAlbertModel.from_pretrained(str(published))
    assert model.config.model_type == "minialbert" and model.config.use_adapter


def test_missing_encoder_weights_are_named(published: Path) -> None:
    drop_weights(published, r"att_adapters\.1\.")
    with pytest.raises(ValueError, match="lacks 6 encoder weight") as error:
        MiniAlbertModel.from_pretrained(str(published))
    assert "encoder.attention_adapters.1.down.weight" in str(error.value)
    assert str(published) in str(error.value)


def test_wrong_shapes_are_named(published: Path) -> None:
    config = json.loads((published / "config.json").read_text())
    config["intermediate_size"] = 128
    (published / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match="weight\\(s\\) have the wrong shape") as error:
        MiniAlbertModel.from_pretrained(str(published))
    assert "encoder.layer.ffn.intermediate.weight: checkpoint (64, 32), model (128, 32)" in str(
        error.value
    )


def test_missing_head_weights_are_initialised_not_an_error(published: Path) -> None:
    model = MiniAlbertForTokenClassification.from_pretrained(str(published), num_labels=3)
    assert model.classifier.out_features == 3


def test_plain_bert_config_is_refused(published: Path) -> None:
    config = json.loads((published / "config.json").read_text())
    for key in ("use_adapter", "embedding_size", "architectures"):
        config.pop(key)
    (published / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match="describes a plain BERT"):
        MiniAlbertModel.from_pretrained(str(published))


def test_unknown_model_type_is_refused(published: Path) -> None:
    config = json.loads((published / "config.json").read_text())
    config["model_type"] = "gpt2"
    (published / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match="has model_type 'gpt2'"):
        MiniAlbertModel.from_pretrained(str(published))


def test_directory_without_weights(tmp_path: Path, published: Path) -> None:
    (tmp_path / "empty").mkdir()
    shutil.copy(published / "config.json", tmp_path / "empty")
    with pytest.raises(FileNotFoundError, match=r"has no weights: expected one of model\.safe"):
        MiniAlbertModel.from_pretrained(str(tmp_path / "empty"))


def test_missing_local_directory_is_not_sent_to_the_hub(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="No checkpoint directory at"):
        MiniAlbertModel.from_pretrained(str(tmp_path / "nowhere" / "model"))


def test_hub_id_offline_fails_clearly() -> None:
    with pytest.raises(OSError, match="is not a local directory, and fetching it from the Hug"):
        MiniAlbertModel.from_pretrained("nlpie/clinical-miniALBERT-312")


class _NotATensor:
    pass


def test_pickles_are_loaded_with_weights_only(published: Path) -> None:
    (published / "model.safetensors").unlink()
    state = torch.load(published / "pytorch_model.bin", weights_only=True)
    state["trojan"] = _NotATensor()
    with open(published / "pytorch_model.bin", "wb") as handle:
        torch.save(state, handle)
    with pytest.raises(pickle.UnpicklingError):
        MiniAlbertModel.from_pretrained(str(published))


def test_save_pretrained_round_trip_and_auto_classes(published: Path, tmp_path: Path) -> None:
    original = MiniAlbertForMaskedLM.from_pretrained(str(published))
    original.save_pretrained(tmp_path / "ours")
    assert (tmp_path / "ours" / "model.safetensors").is_file()
    assert json.loads((tmp_path / "ours" / "config.json").read_text())["model_type"] == "minialbert"
    ids = torch.tensor([[2, 15, 37, 8, 3]])
    again = AutoModelForMaskedLM.from_pretrained(tmp_path / "ours")
    assert isinstance(again, MiniAlbertForMaskedLM)
    assert torch.equal(original(ids).logits, again(ids).logits)
    assert isinstance(AutoConfig.from_pretrained(tmp_path / "ours"), MiniAlbertConfig)
    encoder = AutoModel.from_pretrained(tmp_path / "ours")
    assert isinstance(encoder, MiniAlbertModel)
    assert torch.allclose(
        encoder(ids).last_hidden_state, original.minialbert(ids).last_hidden_state
    )
    tokens = AutoModelForTokenClassification.from_pretrained(tmp_path / "ours", num_labels=4)
    assert isinstance(tokens, MiniAlbertForTokenClassification)
    sequences = AutoModelForSequenceClassification.from_pretrained(tmp_path / "ours")
    assert isinstance(sequences, MiniAlbertForSequenceClassification)
    fresh = AutoModel.from_config(original.config)
    assert isinstance(fresh, MiniAlbertModel)
