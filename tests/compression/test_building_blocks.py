"""The compression building blocks on a bare model: int8 linears, half-precision storage,
inference dtypes."""

from __future__ import annotations

import copy

import pytest
import torch
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_safetensors
from torch import nn

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
from spacy_minialbert.modeling.fastpath import fuse_linears
from tests.support.models import ragged_batch, small_model


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
