"""Outputs identical to the reference implementation: the definition of "compatible"."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import torch

from spacy_minialbert import (
    MiniAlbertForMaskedLM,
    MiniAlbertForTokenClassification,
    MiniAlbertModel,
)
from tests.support.tensors import as_tensor

TOLERANCE = 1e-5


@pytest.fixture(params=["model.safetensors", "pytorch_model.bin"])
def checkpoint(request: pytest.FixtureRequest, conformance_dir: Path, tmp_path: Path) -> Any:
    """The conformance checkpoints with only one weight format present, so each is exercised."""

    def only(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(conformance_dir / name, target)
        for other in ("model.safetensors", "pytorch_model.bin"):
            if other != request.param:
                (target / other).unlink()
        return target

    return only


def assert_close(actual: torch.Tensor, entry: dict[str, Any]) -> None:
    expected = as_tensor(entry)
    assert tuple(actual.shape) == tuple(expected.shape)
    assert torch.allclose(actual.detach().float(), expected, atol=TOLERANCE, rtol=0), (
        f"max difference {(actual.detach() - expected).abs().max():.2e}"
    )


def test_masked_lm_outputs_match_reference(checkpoint: Any, expected: Any, inputs: Any) -> None:
    model = MiniAlbertForMaskedLM.from_pretrained(str(checkpoint("tiny_minialbert")))
    out = model(
        inputs["input_ids"],
        attention_mask=inputs["attention_mask"],
        labels=inputs["mlm_labels"],
        output_hidden_states=True,
        output_attentions=True,
    )
    outputs = expected["outputs"]
    assert len(out.hidden_states) == 4 and len(out.attentions) == 3
    for index, hidden in enumerate(out.hidden_states):
        assert_close(hidden, outputs[f"hidden_states.{index}"])
    for index, attention in enumerate(out.attentions):
        assert_close(attention, outputs[f"attentions.{index}"])
    assert_close(out.hidden_states[-1], outputs["last_hidden_state"])
    assert_close(out.logits, outputs["mlm_logits"])
    assert_close(out.loss.reshape(1), outputs["mlm_loss"])


def test_encoder_matches_reference_without_asking_for_extras(
    checkpoint: Any, expected: Any, inputs: Any
) -> None:
    model = MiniAlbertModel.from_pretrained(str(checkpoint("tiny_minialbert")))
    out = model(inputs["input_ids"], attention_mask=inputs["attention_mask"])
    assert_close(out.last_hidden_state, expected["outputs"]["last_hidden_state"])
    # Neither is computed unless asked for: they are pure cost at inference.
    assert out.hidden_states is None and out.attentions is None


def test_token_classification_matches_reference(
    checkpoint: Any, expected: Any, inputs: Any
) -> None:
    model = MiniAlbertForTokenClassification.from_pretrained(
        str(checkpoint("tiny_minialbert_tokcls"))
    )
    out = model(
        inputs["input_ids"], attention_mask=inputs["attention_mask"], labels=inputs["tok_labels"]
    )
    assert_close(out.logits, expected["outputs"]["tokcls_logits"])
    assert_close(out.loss.reshape(1), expected["outputs"]["tokcls_loss"])


def test_adapter_only_mode_leaves_the_reference_trainable_set(
    conformance_dir: Path, expected: Any
) -> None:
    model = MiniAlbertForTokenClassification.from_pretrained(
        str(conformance_dir / "tiny_minialbert_tokcls")
    )
    model.trainAdaptersOnly()  # the model cards' name for train_adapters_only()
    ours = {name for name, p in model.named_parameters() if p.requires_grad}
    reference = {_our_name(name) for name in expected["trainable_after_adapters_only_tokcls"]}
    assert ours == reference


def _our_name(reference_name: str) -> str:
    """Reference parameter names in our layout (albert.att_adapters.0.block.0 -> ...down)."""
    parts = reference_name.split(".")
    if parts[0] == "classifier":
        return reference_name
    stack = {"att_adapters": "attention_adapters", "mlp_adapters": "ffn_adapters"}[parts[1]]
    module = {"block.0": "down", "block.2": "up", "norm": "norm"}[".".join(parts[3:-1])]
    return f"minialbert.encoder.{stack}.{parts[2]}.{module}.{parts[-1]}"


def test_fast_path_and_attention_maps_path_agree(conformance_dir: Path, inputs: Any) -> None:
    model = MiniAlbertModel.from_pretrained(str(conformance_dir / "tiny_minialbert"))
    fused = model(inputs["input_ids"], attention_mask=inputs["attention_mask"])
    explicit = model(
        inputs["input_ids"], attention_mask=inputs["attention_mask"], output_attentions=True
    )
    assert torch.allclose(fused.last_hidden_state, explicit.last_hidden_state, atol=1e-6)
