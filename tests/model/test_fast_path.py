"""The inference fast path (fused query/key/value, bucketed batches) and the compression
building blocks (int8 linears, half-precision storage, inference dtypes)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import torch
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_safetensors
from torch import nn

from spacy_minialbert import MiniAlbertConfig, MiniAlbertModel
from spacy_minialbert.compression import (
    Int8DynamicLinear,
    install_int8_linears,
    int8_linear_names,
    quantize_linears,
    resolve_inference_dtype,
    state_bytes,
    storage_state,
)
from spacy_minialbert.compression.precision import cpu_supports
from spacy_minialbert.hf.bucketing import bucketed_forward, length_buckets
from spacy_minialbert.modeling.fastpath import fuse_linears
from tests.support.tensors import as_tensor

TOLERANCE = 1e-5


def small_model(**overrides: Any) -> MiniAlbertModel:
    config = MiniAlbertConfig(
        vocab_size=100, embedding_size=16, hidden_size=32, num_hidden_layers=3,
        num_attention_heads=4, intermediate_size=64, reduction_factor=4,
        max_position_embeddings=64, **overrides,
    )  # fmt: skip
    torch.manual_seed(0)
    return MiniAlbertModel(config).eval()


def ragged_batch() -> tuple[torch.Tensor, torch.Tensor]:
    lengths = [20, 7, 20, 3, 12, 1]
    ids = torch.randint(5, 100, (len(lengths), 20))
    mask = torch.zeros_like(ids)
    for row, length in enumerate(lengths):
        mask[row, :length] = 1
    return ids * mask, mask


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


def test_int8_linear_approximates_and_fuses_exactly() -> None:
    torch.manual_seed(0)
    linears = [nn.Linear(64, 48) for _ in range(3)]
    x = torch.randn(5, 7, 64)
    quantized = [Int8DynamicLinear.from_linear(linear) for linear in linears]
    for linear, q in zip(linears, quantized, strict=True):
        reference = linear(x).detach()
        error = (q(x) - reference).abs().max() / reference.abs().max()
        assert error < 0.03
    fused = fuse_linears(quantized)
    assert isinstance(fused, Int8DynamicLinear)
    together = fused(x)
    apart = torch.cat([q(x) for q in quantized], dim=-1)
    assert torch.allclose(together, apart, atol=1e-6)


def test_quantized_model_round_trips_through_safetensors() -> None:
    model = small_model()
    ids, mask = ragged_batch()
    with torch.inference_mode():
        reference = model(ids, attention_mask=mask).last_hidden_state
    names = quantize_linears(model)
    assert names == int8_linear_names(model)
    assert "encoder.layer.attention.query" in names and "encoder.embeddings.projection" in names
    with torch.inference_mode():
        quantized = model(ids, attention_mask=mask).last_hidden_state
    real = mask.bool()
    cosine = nn.functional.cosine_similarity(quantized[real], reference[real], dim=-1)
    assert cosine.min() > 0.99
    data = save_safetensors(storage_state(model.state_dict(), "float32"))
    fresh = small_model()
    install_int8_linears(fresh, names)
    fresh.load_state_dict(load_safetensors(data), strict=True)
    with torch.inference_mode():
        reloaded = fresh(ids, attention_mask=mask).last_hidden_state
    assert torch.equal(reloaded, quantized)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_storage_halves_floats_and_loads_back(dtype: str) -> None:
    model = small_model()
    state = model.state_dict()
    stored = storage_state(state, dtype)
    assert state_bytes(stored) == pytest.approx(state_bytes(state) / 2, rel=0.01)
    assert all(t.dtype == getattr(torch, dtype) for t in stored.values() if t.is_floating_point())
    fresh = small_model()
    fresh.load_state_dict(load_safetensors(save_safetensors(stored)), strict=True)
    ids = torch.randint(5, 100, (2, 9))
    with torch.inference_mode():
        a, b = model(ids).last_hidden_state, fresh(ids).last_hidden_state
    assert next(fresh.parameters()).dtype == torch.float32
    assert torch.allclose(a, b, atol=0.05)


def test_int8_state_keeps_scales_in_float32() -> None:
    model = small_model()
    quantize_linears(model)
    stored = storage_state(model.state_dict(), "float16")
    assert stored["encoder.layer.attention.query.weight"].dtype == torch.int8
    assert stored["encoder.layer.attention.query.weight_scale"].dtype == torch.float32
    assert stored["encoder.layer.attention.query.bias"].dtype == torch.float16


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


def test_inference_dtype_choice() -> None:
    cpu = torch.device("cpu")
    assert resolve_inference_dtype("float32", cpu) == torch.float32
    expected = torch.bfloat16 if cpu_supports(torch.bfloat16) else torch.float32
    assert resolve_inference_dtype("auto", cpu) == expected
    with pytest.raises(ValueError, match="Unknown inference dtype"):
        resolve_inference_dtype("int4", cpu)
    if not cpu_supports(torch.float16):
        with pytest.raises(ValueError, match="no native float16"):
            resolve_inference_dtype("float16", cpu)


@pytest.mark.skipif(not cpu_supports(torch.bfloat16), reason="no native bfloat16 on this CPU")
def test_bfloat16_autocast_stays_close() -> None:
    model = small_model()
    ids, mask = ragged_batch()
    with torch.inference_mode():
        reference = model(ids, attention_mask=mask).last_hidden_state
        with torch.autocast("cpu", dtype=torch.bfloat16):
            reduced = model(ids, attention_mask=mask).last_hidden_state.float()
    real = mask.bool()
    cosine = nn.functional.cosine_similarity(reduced[real], reference[real], dim=-1)
    assert cosine.min() > 0.99


def test_quantizing_a_copy_leaves_the_original_float() -> None:
    model = small_model()
    copied = copy.deepcopy(model)
    quantize_linears(copied)
    assert int8_linear_names(model) == []
    assert isinstance(model.encoder.layer.attention.query, nn.Linear)
