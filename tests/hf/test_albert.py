"""Hugging Face ALBERT checkpoints load into MiniALBERT and give the same outputs."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import torch
from transformers import AlbertConfig, AlbertForMaskedLM, AlbertModel

from spacy_minialbert import MiniAlbertModel

IDS = torch.tensor([[2, 15, 37, 8, 61, 44, 3, 0], [2, 7, 64, 3, 0, 0, 0, 0]])  # all < 80
MASK = (IDS != 0).long()


@pytest.mark.parametrize("activation", ["gelu_new", "gelu"])
def test_albert_outputs_match_transformers(activation: str, albert_checkpoint: Any) -> None:
    path = albert_checkpoint(activation)
    reference = AlbertModel.from_pretrained(path).eval()
    ours = MiniAlbertModel.from_pretrained(str(path), add_pooling_layer=True)
    assert ours.config.hidden_act == activation and ours.config.embedding_size == 16
    expected = reference(
        IDS, attention_mask=MASK, output_hidden_states=True, output_attentions=True
    )
    actual = ours(IDS, attention_mask=MASK, output_hidden_states=True, output_attentions=True)
    assert torch.allclose(actual.last_hidden_state, expected.last_hidden_state, atol=1e-5)
    assert torch.allclose(actual.pooler_output, expected.pooler_output, atol=1e-5)
    for mine, theirs in zip(actual.hidden_states, expected.hidden_states, strict=True):
        assert torch.allclose(mine, theirs, atol=1e-5)
    for mine, theirs in zip(actual.attentions, expected.attentions, strict=True):
        assert torch.allclose(mine, theirs, atol=1e-5)


def test_activation_matters(albert_checkpoint: Any) -> None:
    # The control for the test above: the same weights with the other GELU differ.
    path = albert_checkpoint("gelu_new")
    ours = MiniAlbertModel.from_pretrained(str(path))
    other = MiniAlbertModel.from_pretrained(str(path), hidden_act="gelu")
    assert not torch.allclose(ours(IDS).last_hidden_state, other(IDS).last_hidden_state, atol=1e-5)


def test_albert_head_checkpoints_load_their_encoder(tmp_path: Path) -> None:
    torch.manual_seed(0)
    config = AlbertConfig(
        vocab_size=100, embedding_size=16, hidden_size=32, num_hidden_layers=2,
        num_attention_heads=2, intermediate_size=64, max_position_embeddings=64,
    )  # fmt: skip
    mlm = AlbertForMaskedLM(config).eval()
    mlm.save_pretrained(tmp_path / "mlm")
    ours = MiniAlbertModel.from_pretrained(str(tmp_path / "mlm"))
    expected = mlm.albert(IDS, attention_mask=MASK).last_hidden_state
    assert torch.allclose(ours(IDS, attention_mask=MASK).last_hidden_state, expected, atol=1e-5)


@pytest.mark.parametrize(("groups", "inner"), [(2, 1), (1, 2)])
def test_distinct_layers_cannot_be_represented(groups: int, inner: int, tmp_path: Path) -> None:
    config = AlbertConfig(
        vocab_size=100, embedding_size=16, hidden_size=32, num_hidden_layers=2,
        num_attention_heads=2, intermediate_size=64, num_hidden_groups=groups,
        inner_group_num=inner,
    )  # fmt: skip
    AlbertModel(config).save_pretrained(tmp_path / "groups")
    message = (
        f"This ALBERT checkpoint has {groups} hidden group(s) of {inner} distinct layer(s) each "
        "(num_hidden_groups, inner_group_num). Only one shared layer (1 group of 1 layer) can "
        "be represented by MiniALBERT."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        MiniAlbertModel.from_pretrained(str(tmp_path / "groups"))


def test_albert_gets_adapters_for_adapter_only_training(albert_checkpoint: Any) -> None:
    path = albert_checkpoint("gelu_new")
    model = MiniAlbertModel.from_pretrained(str(path))
    assert not model.config.use_adapter
    before = model(IDS).last_hidden_state
    model.train_adapters_only()
    trainable = {name for name, p in model.named_parameters() if p.requires_grad}
    assert model.config.use_adapter and len(trainable) == 2 * 3 * 6  # 2 stacks x 3 steps x 6
    assert all(name.startswith(("encoder.attention_adapters", "encoder.ffn_adapters"))
               for name in trainable)  # fmt: skip
    assert model(IDS).last_hidden_state.shape == before.shape


def test_converted_albert_keeps_sentencepiece_tokenizer(
    albert_checkpoint: Any, tmp_path: Path
) -> None:
    from spacy_minialbert.hf.convert import convert_checkpoint

    report = convert_checkpoint(albert_checkpoint("gelu_new"), tmp_path / "out")
    assert report.layout == "albert" and report.tokenizer == "AlbertTokenizerFast"
    tokenizer_config = json.loads((tmp_path / "out" / "tokenizer_config.json").read_text())
    assert tokenizer_config["tokenizer_class"] == "AlbertTokenizer"
    assert (tmp_path / "out" / "spiece.model").is_file()
