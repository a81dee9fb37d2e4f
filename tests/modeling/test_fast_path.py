"""The inference fast path: fused query/key/value (the weights it derives follow every update)
and bucketed batches."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import torch

from spacy_minialbert import MiniAlbertModel
from spacy_minialbert.compression import quantize_linears
from spacy_minialbert.hf.bucketing import bucketed_forward, length_buckets
from tests.support.models import ragged_batch, small_model
from tests.support.tensors import as_tensor

TOLERANCE = 1e-5


@pytest.mark.parametrize("mode", ["no_grad", "inference_mode"])
def test_fused_projection_keeps_conformance(
    conformance_dir: Path, expected: dict[str, Any], inputs: dict[str, torch.Tensor], mode: str
) -> None:
    model = MiniAlbertModel.from_pretrained(str(conformance_dir / "tiny_minialbert")).eval()
    context = torch.no_grad() if mode == "no_grad" else torch.inference_mode()
    with context:
        out = model(
            inputs["input_ids"], attention_mask=inputs["attention_mask"], output_hidden_states=True
        )
    assert model.encoder.layer.attention.fused_qkv() is not None  # the fused path ran
    outputs = expected["outputs"]
    for index, hidden in enumerate(out.hidden_states):
        reference = as_tensor(outputs[f"hidden_states.{index}"])
        assert torch.allclose(hidden, reference, atol=TOLERANCE, rtol=0)
    last = as_tensor(outputs["last_hidden_state"])
    assert torch.allclose(out.last_hidden_state, last, atol=TOLERANCE, rtol=0)


def test_fused_projection_follows_weight_updates() -> None:
    model = small_model()
    ids = torch.randint(5, 100, (2, 9))
    attention = model.encoder.layer.attention
    with torch.no_grad():
        model(ids)
        first = attention.fused_qkv()
        attention.key.weight.mul_(2.0)  # as an optimiser step would, in place
        fused = model(ids).last_hidden_state
        assert attention.fused_qkv() is not first
    separate = model(ids).last_hidden_state.detach()  # grad enabled: the unfused path
    assert torch.allclose(fused, separate, atol=1e-6)


@pytest.mark.parametrize("quantized", [False, True], ids=["float", "int8"])
def test_derived_weights_follow_updates_pytorch_cannot_see(quantized: bool) -> None:
    """thinc's optimiser writes parameters through ``.data`` (``spacy train``), which keeps
    their data pointer and version counter: a prediction after such an update must use the new
    weights, or spaCy's in-training evaluation scores stale weights."""
    model = small_model()
    if quantized:
        quantize_linears(model)
    model.eval()
    ids = torch.randint(5, 100, (2, 9))
    with torch.inference_mode():
        before = model(ids).last_hidden_state
    with torch.no_grad():
        for tensor in [*model.parameters(), *model.buffers()]:
            if tensor.is_floating_point():
                tensor.data.mul_(1.5)  # invisible to data_ptr and _version
            elif tensor.dtype == torch.int8:
                tensor.data.copy_(-tensor.data)
    with torch.inference_mode():
        after = model(ids).last_hidden_state
    rebuilt = copy.deepcopy(model)  # no derived weights survive a copy
    with torch.inference_mode():
        expected = rebuilt(ids).last_hidden_state
    assert not torch.allclose(before, after, atol=1e-3)
    torch.testing.assert_close(after, expected, atol=1e-5, rtol=1e-5)


def test_length_buckets_sort_and_respect_the_budget() -> None:
    lengths = [5, 50, 7, 48, 6, 49]
    buckets = length_buckets(lengths, max_tokens=100)
    assert sorted(row for bucket in buckets for row in bucket) == list(range(6))
    for bucket in buckets:
        assert len(bucket) * lengths[bucket[0]] <= 100 or len(bucket) == 1
        assert lengths[bucket[0]] == max(lengths[row] for row in bucket)
    assert [lengths[b[0]] for b in buckets] == sorted(
        (lengths[b[0]] for b in buckets), reverse=True
    )


@pytest.mark.parametrize("use_act", [False, True])
def test_bucketed_forward_matches_one_padded_call(use_act: bool) -> None:
    model = small_model(use_act=use_act)
    ids, mask = ragged_batch()
    with torch.inference_mode():
        whole = model(input_ids=ids, attention_mask=mask)
        bucketed = bucketed_forward(model, (), {"input_ids": ids, "attention_mask": mask}, 40)
    real = mask.bool()
    assert bucketed.last_hidden_state.shape == whole.last_hidden_state.shape
    assert torch.allclose(
        bucketed.last_hidden_state[real], whole.last_hidden_state[real], atol=1e-5
    )
    if use_act:
        assert torch.equal(bucketed.updates[real], whole.updates[real])
