"""Checkpoint layouts we read, as declarative tables: how to recognise one, how its
``config.json`` maps onto :class:`MiniAlbertConfig`, and how its state-dict keys map onto ours.

Our canonical keys are those of :class:`MiniAlbertModel` (``encoder.*``, ``pooler.*``) plus the
head keys (``mlm_head.*``, ``classifier.*``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from torch import Tensor

from .configuration import MiniAlbertConfig

Renames = tuple[tuple[str, str], ...]

# The shared ALBERT layer, as both the nlpie reference and Hugging Face ALBERT name it.
_ALBERT_LAYER: Renames = (
    (r"attention\.(query|key|value)\.", r"encoder.layer.attention.\1."),
    (r"attention\.dense\.", "encoder.layer.attention.output."),
    (r"attention\.LayerNorm\.", "encoder.layer.attention_norm."),
    (r"ffn\.", "encoder.layer.ffn.intermediate."),
    (r"ffn_output\.", "encoder.layer.ffn.output."),
    (r"full_layer_layer_norm\.", "encoder.layer.ffn_norm."),
)
_EMBEDDINGS: Renames = (
    (r"(word|position|token_type)_embeddings\.", r"encoder.embeddings.\1_embeddings."),
    (r"LayerNorm\.", "encoder.embeddings.layer_norm."),
)
_ALBERT_GROUP = r"encoder\.albert_layer_groups\.0\.albert_layers\.0\."


def _prefixed(prefix: str, renames: Renames) -> Renames:
    return tuple((prefix + pattern, target) for pattern, target in renames)


@dataclass(frozen=True)
class Layout:
    """One family of checkpoints.

    ``renames`` are ``(regex, replacement)`` pairs applied to keys after ``strip_prefix``, which
    is removed when some key starts with ``prefix_marker`` (a head model wrapping the encoder);
    the first matching pattern wins. Keys matching ``ignored`` are known and unused (buffers,
    heads of other tasks); any other unmatched key is reported.
    """

    name: str
    config_keys: Callable[[Mapping[str, Any]], dict[str, Any]]
    renames: Renames
    strip_prefix: str = ""
    prefix_marker: str = ""
    ignored: tuple[str, ...] = ()

    def to_config(self, raw: Mapping[str, Any], **overrides: Any) -> MiniAlbertConfig:
        return MiniAlbertConfig(**{**self.config_keys(raw), **overrides})

    def rename(self, state: Mapping[str, Tensor]) -> tuple[dict[str, Tensor], list[str]]:
        """Our keys for ``state``, and the source keys that map to nothing we know."""
        marker = self.prefix_marker or self.strip_prefix
        prefixed = bool(self.strip_prefix) and any(k.startswith(marker) for k in state)
        renamed: dict[str, Tensor] = {}
        unknown: list[str] = []
        for key, tensor in state.items():
            source = key.removeprefix(self.strip_prefix) if prefixed else key
            if any(re.match(pattern, source) for pattern in self.ignored):
                continue
            for pattern, target in self.renames:
                if re.match(pattern, source):
                    renamed[re.sub(pattern, target, source, count=1)] = tensor
                    break
            else:
                unknown.append(key)
        return renamed, unknown


# Config fields shared by the nlpie and ALBERT layouts, copied when present.
_COMMON_CONFIG_KEYS = (
    "vocab_size", "embedding_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
    "intermediate_size", "hidden_act", "hidden_dropout_prob", "attention_probs_dropout_prob",
    "max_position_embeddings", "type_vocab_size", "initializer_range", "layer_norm_eps",
    "pad_token_id", "bos_token_id", "eos_token_id", "id2label", "label2id", "problem_type",
)  # fmt: skip


def _albert_common(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The common fields of an ALBERT-based config (nlpie, ALBERT), which must have one layer."""
    groups, inner = raw.get("num_hidden_groups", 1), raw.get("inner_group_num", 1)
    if groups != 1 or inner != 1:
        raise ValueError(
            f"This ALBERT checkpoint has {groups} hidden group(s) of {inner} distinct layer(s) "
            "each (num_hidden_groups, inner_group_num). Only one shared layer (1 group of 1 "
            "layer) can be represented by MiniALBERT."
        )
    keys = {k: raw[k] for k in _COMMON_CONFIG_KEYS if k in raw}
    if "id2label" in keys:
        keys["id2label"] = {int(k): v for k, v in keys["id2label"].items()}
    return keys


def _nlpie_config(raw: Mapping[str, Any]) -> dict[str, Any]:
    keys = _albert_common(raw)
    keys["use_adapter"] = bool(raw.get("use_adapter", False))
    keys["reduction_factor"] = raw.get("reduction_factor", 16)
    keys["classifier_dropout"] = raw.get("classifier_dropout")
    return keys


def _albert_config(raw: Mapping[str, Any]) -> dict[str, Any]:
    keys = _albert_common(raw)
    keys.setdefault("hidden_act", "gelu_new")  # AlbertConfig's own default
    keys["use_adapter"] = False
    keys["project_embeddings"] = True  # ALBERT always maps embeddings to the hidden width
    keys["classifier_dropout"] = raw.get("classifier_dropout_prob")
    return keys


def _albert_act_config(raw: Mapping[str, Any]) -> dict[str, Any]:
    keys = _albert_config(raw)
    keys["use_act"] = True
    keys["act_epsilon"] = raw.get("act_epsilon", 0.01)
    return keys


def _minialbert_config(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in raw.items() if k not in ("model_type", "transformers_version")}


MINIALBERT = Layout(
    name="minialbert",
    config_keys=_minialbert_config,
    renames=((r"(encoder|pooler|mlm_head|classifier)\.", r"\1."),),
    strip_prefix="minialbert.",
)

# nlpie-research/MiniALBERT: heads wrap the encoder as `albert`, which wraps HF ALBERT as `albert`.
NLPIE = Layout(
    name="nlpie",
    config_keys=_nlpie_config,
    renames=(
        *_prefixed(r"albert\.embeddings\.", _EMBEDDINGS),
        *_prefixed(r"albert\." + _ALBERT_GROUP, _ALBERT_LAYER),
        (r"albert\.pooler\.", "pooler.dense."),
        (r"projector\.", "encoder.embeddings.projection."),
        (r"att_adapters\.(\d+)\.block\.0\.", r"encoder.attention_adapters.\1.down."),
        (r"att_adapters\.(\d+)\.block\.2\.", r"encoder.attention_adapters.\1.up."),
        (r"att_adapters\.(\d+)\.norm\.", r"encoder.attention_adapters.\1.norm."),
        (r"mlp_adapters\.(\d+)\.block\.0\.", r"encoder.ffn_adapters.\1.down."),
        (r"mlp_adapters\.(\d+)\.block\.2\.", r"encoder.ffn_adapters.\1.up."),
        (r"mlp_adapters\.(\d+)\.norm\.", r"encoder.ffn_adapters.\1.norm."),
        (r"vocab_transform\.", "mlm_head.transform."),
        (r"vocab_layer_norm\.", "mlm_head.layer_norm."),
        (r"vocab_projector\.", "mlm_head.decoder."),
        (r"classifier\.", "classifier."),
    ),
    strip_prefix="albert.",
    prefix_marker="albert.albert.",
    ignored=(r"albert\.embeddings\.position_ids$",),
)


def _hf_albert(
    name: str, config_keys: Callable[[Mapping[str, Any]], dict[str, Any]], layer: Renames
) -> Layout:
    """Hugging Face AlbertModel's keys around the shared layer's (``layer``); heads wrap it as
    `albert`, and their own heads are not ours."""
    return Layout(
        name=name,
        config_keys=config_keys,
        renames=(
            *_prefixed(r"embeddings\.", _EMBEDDINGS),
            (r"encoder\.embedding_hidden_mapping_in\.", "encoder.embeddings.projection."),
            *layer,
            (r"pooler\.", "pooler.dense."),
            (r"classifier\.", "classifier."),
        ),
        strip_prefix="albert.",
        prefix_marker="albert.embeddings.",
        ignored=(r"embeddings\.position_ids$", r"predictions\.", r"sop_classifier\."),
    )


ALBERT = _hf_albert("albert", _albert_config, _prefixed(_ALBERT_GROUP, _ALBERT_LAYER))

# asi/albert-act-*: one `albert_layer` with the halting unit `act`; its post-attention
# LayerNorm sits on the layer, not on the attention.
ALBERT_ACT = _hf_albert(
    "albert-act",
    _albert_act_config,
    (
        (r"encoder\.albert_layer\.act\.dense\.", "encoder.halting.dense."),
        (r"encoder\.albert_layer\.LayerNorm\.", "encoder.layer.attention_norm."),
        *_prefixed(r"encoder\.albert_layer\.", _ALBERT_LAYER),
    ),
)


def detect_layout(raw: Mapping[str, Any], source: str) -> Layout:
    """The layout a ``config.json`` describes; ``source`` names it in errors."""
    model_type = raw.get("model_type")
    architectures = [str(a) for a in raw.get("architectures") or []]
    if model_type == "minialbert":
        return MINIALBERT
    if model_type == "bert":
        if {"use_adapter", "embedding_size"} & raw.keys() or any(
            a.startswith("MiniAlbert") for a in architectures
        ):
            return NLPIE
        raise ValueError(
            f"{source} describes a plain BERT (model_type 'bert' without the ALBERT fields "
            "'embedding_size'/'use_adapter'), not a MiniALBERT checkpoint. Load it with "
            "transformers.AutoModel, or through spacy-transformers' TransformerModel."
        )
    if model_type in ("albert", "albert_act", "albert-act"):
        if "act_epsilon" in raw or any("Act" in a for a in architectures):
            return ALBERT_ACT
        return ALBERT
    raise ValueError(
        f"{source} has model_type {model_type!r}; expected 'minialbert', a published MiniALBERT "
        "('bert' with the ALBERT fields), 'albert' or ALBERT-ACT."
    )
