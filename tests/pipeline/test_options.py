"""One settings object per concept: the transformer's options (TransformerOptions), built once
by the registered architecture and passed down."""

from __future__ import annotations

import pytest
import spacy

from spacy_minialbert.pipeline import build_minialbert_transformer_v1, fresh_backbone_v1
from spacy_minialbert.pipeline.options import TransformerOptions

SPANS = spacy.registry.span_getters.get("spacy-transformers.strided_spans.v1")(16, 12)


def test_the_registered_architecture_builds_the_options_once() -> None:
    loader = fresh_backbone_v1("vocab.txt")
    model = build_minialbert_transformer_v1(
        SPANS, backbone=loader, adapters_only=True, tokenizer_config={"use_fast": True},
        storage_dtype="float16", quantize=True,
    )  # fmt: skip
    assert model.options == TransformerOptions(
        backbone=loader, adapters_only=True, tokenizer_config={"use_fast": True},
        storage_dtype="float16", quantize=True,
    )  # fmt: skip
    shim = model.shim
    assert (shim.adapters_only, shim.tokenizer_config) == (True, {"use_fast": True})
    assert (shim.options.quantize, shim.options.storage_dtype) == (True, "float16")
    # Saved with the model by thinc, as before the options were one object.
    assert (model.attrs["name"], model.attrs["adapters_only"]) == ("", True)
    copied = model.copy()
    assert copied.options == model.options
    # Each shim has inference options of its own (`quantize` changes them in place).
    assert copied.shim.options == shim.options and copied.shim.options is not shim.options


def test_inference_options_that_cannot_go_together_fail_when_the_config_is_resolved() -> None:
    with pytest.raises(ValueError, match="cannot be combined with inference_dtype 'float16'"):
        build_minialbert_transformer_v1(SPANS, name="x", quantize=True, inference_dtype="float16")
