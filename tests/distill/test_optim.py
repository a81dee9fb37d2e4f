"""AdamW parameter groups and the warm-up/decay schedule."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from spacy_minialbert.distill.config import OptimizerSettings
from spacy_minialbert.distill.optim import build_optimizer, linear_schedule, parameter_groups
from spacy_minialbert.hf import MiniAlbertConfig, MiniAlbertForMaskedLM


def test_biases_and_layer_norms_are_not_decayed() -> None:
    config = MiniAlbertConfig(
        vocab_size=30, embedding_size=8, hidden_size=16, num_hidden_layers=2,
        num_attention_heads=2, intermediate_size=32, reduction_factor=4,
        max_position_embeddings=16, use_act=True,
    )  # fmt: skip
    model = MiniAlbertForMaskedLM(config)
    decay, no_decay = parameter_groups(model, 0.01)
    assert (decay["weight_decay"], no_decay["weight_decay"]) == (0.01, 0.0)
    decayed = {id(p) for p in decay["params"]}  # type: ignore[attr-defined]
    not_decayed = {name for name, p in model.named_parameters() if id(p) not in decayed}
    # By name: every bias, and both parameters of every LayerNorm (ours are called *norm).
    norms = ("layer_norm", "attention_norm", "ffn_norm", "norm")
    expected = {
        name
        for name, _ in model.named_parameters()
        if name.endswith(".bias") or name.split(".")[-2] in norms
    }
    assert not_decayed == expected
    assert "minialbert.encoder.attention_adapters.0.norm.weight" in not_decayed
    assert "minialbert.encoder.halting.dense.bias" in not_decayed
    assert "minialbert.encoder.embeddings.word_embeddings.weight" not in not_decayed
    assert "mlm_head.layer_norm.weight" in not_decayed


def test_schedule_warms_up_then_decays_to_zero() -> None:
    layer = nn.Linear(2, 2)
    optimizer = build_optimizer(layer, OptimizerSettings(learning_rate=1.0, warmup_steps=4))
    schedule = linear_schedule(optimizer, warmup_steps=4, max_steps=12)
    rates = []
    for _ in range(12):
        rates.append(schedule.get_last_lr()[0])
        optimizer.step()
        schedule.step()
    rates.append(schedule.get_last_lr()[0])
    assert rates[:5] == pytest.approx([0.0, 0.25, 0.5, 0.75, 1.0])
    assert rates[8] == pytest.approx(0.5) and rates[12] == pytest.approx(0.0)
    assert torch.tensor(rates[4:]).diff().le(0).all()
