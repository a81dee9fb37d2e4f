"""Parameter counts of the published configurations (spec: minialbert.md)."""

from __future__ import annotations

import torch

from spacy_minialbert import MiniAlbertConfig, MiniAlbertForTokenClassification, MiniAlbertModel

CLINICAL_312 = dict(vocab_size=28996, embedding_size=312)
GENERAL_128 = dict(vocab_size=30522, embedding_size=128)
SHARED = dict(
    hidden_size=768, num_hidden_layers=6, num_attention_heads=12, intermediate_size=3072,
    use_adapter=True, reduction_factor=16, max_position_embeddings=512, type_vocab_size=2,
)  # fmt: skip


def count(model: torch.nn.Module, trainable: bool | None = None) -> int:
    return sum(
        p.numel() for p in model.parameters() if trainable is None or p.requires_grad == trainable
    )


def build(cls: type, **kwargs: object) -> torch.nn.Module:
    with torch.device("meta"):  # shapes only: no memory, no initialisation cost
        return cls(**kwargs)


def test_clinical_312_encoder() -> None:
    config = MiniAlbertConfig(**CLINICAL_312, **SHARED)
    # The reference counts BERT's pooler, which MiniALBERT never uses; ours leaves it out
    # unless asked for.
    assert count(build(MiniAlbertModel, config=config, add_pooling_layer=True)) == 18_039_552
    assert count(build(MiniAlbertModel, config=config)) == 17_448_960


def test_general_128_encoder() -> None:
    config = MiniAlbertConfig(**GENERAL_128, **SHARED)
    assert count(build(MiniAlbertModel, config=config, add_pooling_layer=True)) == 12_663_360
    assert count(build(MiniAlbertModel, config=config)) == 12_072_768


def test_adapter_only_mode_on_312_with_5_label_token_head() -> None:
    config = MiniAlbertConfig(**CLINICAL_312, **SHARED, num_labels=5)
    model = build(MiniAlbertForTokenClassification, config=config)
    model.train_adapters_only()
    assert count(model, trainable=True) == 916_805  # 912,960 adapters + 3,845 classifier
    # The reference's 17,126,592 frozen includes its unused 590,592-parameter pooler.
    assert count(model, trainable=False) == 17_126_592 - 590_592


def test_adapter_only_mode_adds_fresh_adapters_to_a_model_without_them() -> None:
    config = MiniAlbertConfig(**{**CLINICAL_312, **SHARED, "use_adapter": False}, num_labels=5)
    model = build(MiniAlbertForTokenClassification, config=config)
    assert count(model) == 17_448_960 - 912_960 + 3_845
    model.train_adapters_only()
    assert model.config.use_adapter and model.config.reduction_factor == 16
    assert count(model, trainable=True) == 916_805
