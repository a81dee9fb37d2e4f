"""Adaptive depth (ALBERT-ACT) as the distiller uses it: update counts, the ponder cost's
gradient, real savings at inference (counted), and no effect on models without ACT."""

from __future__ import annotations

import torch
from torch import nn

from spacy_minialbert.distill.losses import ponder_cost
from spacy_minialbert.hf import MiniAlbertConfig, MiniAlbertForMaskedLM

N_RECURSIONS = 6


def act_model(seed: int = 0, **overrides: object) -> MiniAlbertForMaskedLM:
    settings: dict[str, object] = {
        "vocab_size": 50,
        "embedding_size": 16,
        "hidden_size": 32,
        "num_hidden_layers": N_RECURSIONS,
        "num_attention_heads": 4,
        "intermediate_size": 64,
        "max_position_embeddings": 32,
        "reduction_factor": 4,
        "use_act": True,
    }
    settings.update(overrides)
    torch.manual_seed(seed)
    model = MiniAlbertForMaskedLM(MiniAlbertConfig(**settings))
    halting = model.minialbert.encoder.halting
    if halting is not None:
        # A spread of halting probabilities, so tokens stop after different numbers of steps.
        nn.init.normal_(halting.dense.weight, std=0.6)
        nn.init.constant_(halting.dense.bias, -0.5)
    return model.eval()


def batch() -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(3)
    input_ids = torch.randint(5, 50, (4, 20), generator=generator)
    attention_mask = torch.ones_like(input_ids)
    attention_mask[1, 14:] = 0
    attention_mask[3, 9:] = 0
    return input_ids, attention_mask


class RowCounter:
    """Counts the token rows that go through a module (a forward hook)."""

    def __init__(self, module: nn.Module) -> None:
        self.rows = 0
        self.handle = module.register_forward_hook(self._hook)

    def _hook(self, module: nn.Module, inputs: tuple[torch.Tensor, ...], output: object) -> None:
        self.rows += inputs[0].shape[:-1].numel()


def test_outputs_carry_per_token_update_counts() -> None:
    model = act_model()
    input_ids, attention_mask = batch()
    with torch.no_grad():
        output = model(input_ids, attention_mask=attention_mask)
    updates = output.updates
    assert updates is not None and updates.shape == input_ids.shape
    real = attention_mask.bool()
    assert torch.equal(updates, updates.round())
    assert int(updates[real].min()) >= 1 and int(updates[real].max()) <= N_RECURSIONS
    assert int(updates[~real].abs().max()) == 0, "padding starts halted"
    assert len(torch.unique(updates[real])) > 1, "the fixture should halt tokens at varied depths"


def test_ponder_cost_alone_reaches_the_halting_unit() -> None:
    model = act_model()
    input_ids, attention_mask = batch()
    output = model(input_ids, attention_mask=attention_mask)  # grad on: the dense path
    assert output.updates is not None and output.remainders is not None
    assert not output.updates.requires_grad, "N counts steps and carries no gradient"
    assert output.remainders.requires_grad
    model.zero_grad()
    (1e-3 * ponder_cost(output.updates, output.remainders, attention_mask)).backward()
    halting = model.minialbert.encoder.halting
    assert halting is not None and halting.dense.weight.grad is not None
    assert torch.isfinite(halting.dense.weight.grad).all()
    assert float(halting.dense.weight.grad.abs().sum()) > 0
    assert model.mlm_head.decoder.weight.grad is None, "only the ponder term was back-propagated"


def test_ponder_cost_value_sums_real_tokens_and_averages_sequences() -> None:
    updates = torch.tensor([[2.0, 3.0, 0.0], [1.0, 1.0, 1.0]])
    remainders = torch.tensor([[0.5, 0.25, 0.0], [0.1, 0.2, 0.3]], requires_grad=True)
    mask = torch.tensor([[1, 1, 0], [1, 1, 1]])
    cost = ponder_cost(updates, remainders, mask)
    assert abs(float(cost.detach()) - ((2.5 + 3.25) + (1.1 + 1.2 + 1.3)) / 2) < 1e-6
    cost.backward()
    assert remainders.grad is not None
    assert torch.allclose(remainders.grad, mask.float() / 2)


def test_inference_skips_halted_tokens_counted_and_matches_the_dense_path() -> None:
    model = act_model()
    input_ids, attention_mask = batch()
    ffn = model.minialbert.encoder.layer.ffn

    skipping = RowCounter(ffn)
    with torch.no_grad():
        fast = model.minialbert(input_ids, attention_mask=attention_mask)
    skipping.handle.remove()
    dense = RowCounter(ffn)
    with torch.no_grad():
        # Asking for hidden states forces the dense (training) form of the recursion.
        full = model.minialbert(input_ids, attention_mask=attention_mask, output_hidden_states=True)
    dense.handle.remove()

    assert fast.updates is not None and full.updates is not None
    assert torch.equal(fast.updates, full.updates)
    steps_run = int(full.updates.max())
    assert dense.rows == input_ids.numel() * steps_run
    assert skipping.rows == int(fast.updates.sum())
    assert skipping.rows < dense.rows
    torch.testing.assert_close(fast.last_hidden_state, full.last_hidden_state, atol=1e-5, rtol=0)


def test_every_token_halting_early_stops_the_loop() -> None:
    model = act_model()
    halting = model.minialbert.encoder.halting
    assert halting is not None
    with torch.no_grad():
        halting.dense.weight.zero_()
        halting.dense.bias.fill_(10.0)  # p ~ 1: every token halts after its first step
    input_ids, attention_mask = batch()
    counter = RowCounter(model.minialbert.encoder.layer.ffn)
    with torch.no_grad():
        output = model(input_ids, attention_mask=attention_mask, output_hidden_states=True)
    counter.handle.remove()
    assert output.updates is not None
    assert int(output.updates.max()) == 1
    assert counter.rows == input_ids.numel(), "one application, then the loop ends"
    assert output.hidden_states is not None and len(output.hidden_states) == 2


def test_models_without_act_ignore_the_act_settings() -> None:
    input_ids, attention_mask = batch()
    outputs = []
    for epsilon in (0.01, 0.4):
        model = act_model(seed=5, use_act=False, act_epsilon=epsilon)
        assert model.minialbert.encoder.halting is None
        with torch.no_grad():
            outputs.append(model(input_ids, attention_mask=attention_mask))
    for output in outputs:
        assert output.updates is None and output.remainders is None
    torch.testing.assert_close(outputs[0].logits, outputs[1].logits, atol=0, rtol=0)
