"""Thin Hugging Face ``PreTrainedModel`` wrappers around the pure PyTorch encoder, their
``ModelOutput`` types and their registration with the ``transformers`` Auto classes."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn
from torch.nn import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss
from transformers import (
    AutoConfig,
    AutoModel,
    AutoModelForMaskedLM,
    AutoModelForSequenceClassification,
    AutoModelForTokenClassification,
    AutoTokenizer,
    BertTokenizer,
    BertTokenizerFast,
    PreTrainedModel,
)
from transformers.utils import ModelOutput

from ..modeling import MiniAlbertEncoder, activation_module
from .configuration import MiniAlbertConfig
from .loading import load_pretrained

DEFAULT_REDUCTION_FACTOR = 16


@dataclass
class MiniAlbertModelOutput(ModelOutput):
    """Encoder output. ``updates`` (layer applications per token) and ``remainders`` are set
    only with adaptive depth; ``hidden_states``/``attentions`` only when asked for."""

    last_hidden_state: torch.Tensor | None = None
    pooler_output: torch.Tensor | None = None
    hidden_states: tuple[torch.Tensor, ...] | None = None
    attentions: tuple[torch.Tensor, ...] | None = None
    updates: torch.Tensor | None = None
    remainders: torch.Tensor | None = None


@dataclass
class MiniAlbertHeadOutput(ModelOutput):
    """Output of a task head: loss (when labels are given), logits, and the encoder extras."""

    loss: torch.Tensor | None = None
    logits: torch.Tensor | None = None
    hidden_states: tuple[torch.Tensor, ...] | None = None
    attentions: tuple[torch.Tensor, ...] | None = None
    updates: torch.Tensor | None = None
    remainders: torch.Tensor | None = None


class MiniAlbertPreTrainedModel(PreTrainedModel):
    """Weight initialisation, loading of every supported checkpoint layout, adapter-only mode."""

    config_class = MiniAlbertConfig  # type: ignore[assignment]
    base_model_prefix = "minialbert"
    main_input_name = "input_ids"
    config: MiniAlbertConfig

    def _init_weights(self, module: nn.Module) -> None:
        std = self.config.initializer_range
        if isinstance(module, nn.Linear):
            module.weight.data.normal_(mean=0.0, std=std)
            if module.bias is not None:
                module.bias.data.zero_()
        elif isinstance(module, nn.Embedding):
            module.weight.data.normal_(mean=0.0, std=std)
            if module.padding_idx is not None:
                module.weight.data[module.padding_idx].zero_()
        elif isinstance(module, nn.LayerNorm):
            module.weight.data.fill_(1.0)
            module.bias.data.zero_()

    @classmethod
    def from_pretrained(
        cls, pretrained_model_name_or_path: str, *model_args: Any, **kwargs: Any
    ) -> Any:
        """Load from a local directory or hub id in our format, the published nlpie format,
        Hugging Face ALBERT or ALBERT-ACT (see :mod:`spacy_minialbert.hf.checkpoints`)."""
        if model_args:
            raise TypeError("MiniALBERT models take no positional model arguments.")
        return load_pretrained(cls, pretrained_model_name_or_path, **kwargs)

    def train_adapters_only(self) -> None:
        """Freeze everything but the adapters (with their LayerNorms) and the task head.

        A model without adapters (e.g. an ALBERT backbone) first gets fresh ones of width
        ``hidden_size // reduction_factor``.
        """
        base = self.base_model
        assert isinstance(base, MiniAlbertModel)
        if not self.config.use_adapter:
            self.config.use_adapter = True
            if not getattr(self.config, "reduction_factor", None):
                self.config.reduction_factor = DEFAULT_REDUCTION_FACTOR
            width = self.config.adapter_width
            assert width is not None
            base.encoder.add_adapters(width)
            base.config = self.config
        for parameter in base.parameters():
            parameter.requires_grad = False
        for parameter in base.encoder.adapter_parameters():
            parameter.requires_grad = True

    # The name used in the published model cards.
    trainAdaptersOnly = train_adapters_only


class Pooler(nn.Module):
    """``tanh(dense(h[:, 0]))``: BERT's pooler. MiniALBERT never uses it; kept for checkpoints
    and for users who want a pooled output."""

    def __init__(self, hidden_width: int) -> None:
        super().__init__()
        self.dense = nn.Linear(hidden_width, hidden_width)

    def forward(self, hidden: Tensor) -> Tensor:
        return torch.tanh(self.dense(hidden[:, 0]))


class MiniAlbertModel(MiniAlbertPreTrainedModel):
    """The MiniALBERT encoder. ``add_pooling_layer`` adds BERT's (unused by MiniALBERT) pooler,
    which the published checkpoints carry."""

    def __init__(self, config: MiniAlbertConfig, add_pooling_layer: bool = False) -> None:
        super().__init__(config)
        self.encoder = MiniAlbertEncoder(config.to_encoder_config())
        self.pooler = Pooler(config.hidden_size) if add_pooling_layer else None
        self.post_init()

    def get_input_embeddings(self) -> nn.Embedding:
        return self.encoder.embeddings.word_embeddings

    def set_input_embeddings(self, value: nn.Module) -> None:
        if not isinstance(value, nn.Embedding):
            raise TypeError(
                f"Input embeddings must be an nn.Embedding, got {type(value).__name__}."
            )
        self.encoder.embeddings.word_embeddings = value

    def forward(
        self,
        input_ids: Tensor,
        attention_mask: Tensor | None = None,
        token_type_ids: Tensor | None = None,
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
    ) -> MiniAlbertModelOutput | tuple[Tensor, ...]:
        """*Shape:* ``input_ids``, ``attention_mask`` (default all ones), ``token_type_ids``
        (default zeros) ``[batch, seq]``."""
        output = self.encoder(
            input_ids,
            attention_mask=attention_mask,
            token_type_ids=token_type_ids,
            output_hidden_states=_flag(output_hidden_states, self.config.output_hidden_states),
            output_attentions=_flag(output_attentions, self.config.output_attentions),
        )
        result = MiniAlbertModelOutput(
            pooler_output=None if self.pooler is None else self.pooler(output.last_hidden_state),
            **vars(output),  # the encoder's own fields
        )
        return result if _flag(return_dict, self.config.use_return_dict) else result.to_tuple()


def _flag(value: bool | None, default: bool) -> bool:
    return default if value is None else value


class _HeadModel(MiniAlbertPreTrainedModel):
    """A task head on the encoder's last hidden state: subclasses give the logits, and the loss
    unless it is cross-entropy over the last dimension with -100 ignored."""

    def __init__(self, config: MiniAlbertConfig) -> None:
        super().__init__(config)
        self.minialbert = MiniAlbertModel(config)

    def logits(self, last_hidden_state: Tensor) -> Tensor:
        raise NotImplementedError

    def loss(self, logits: Tensor, labels: Tensor) -> Tensor:
        return CrossEntropyLoss()(logits.view(-1, logits.shape[-1]), labels.view(-1))

    def forward(
        self,
        input_ids: Tensor,
        attention_mask: Tensor | None = None,
        token_type_ids: Tensor | None = None,
        labels: Tensor | None = None,
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
    ) -> MiniAlbertHeadOutput | tuple[Tensor, ...]:
        """*Shape:* ``input_ids``, ``attention_mask``, ``token_type_ids`` ``[batch, seq]``;
        ``labels`` as each head documents."""
        encoded = self.minialbert(
            input_ids,
            attention_mask=attention_mask,
            token_type_ids=token_type_ids,
            output_attentions=output_attentions,
            output_hidden_states=output_hidden_states,
            return_dict=True,
        )
        assert isinstance(encoded, MiniAlbertModelOutput)
        assert encoded.last_hidden_state is not None
        logits = self.logits(encoded.last_hidden_state)
        result = MiniAlbertHeadOutput(
            loss=None if labels is None else self.loss(logits, labels),
            logits=logits,
            hidden_states=encoded.hidden_states,
            attentions=encoded.attentions,
            updates=encoded.updates,
            remainders=encoded.remainders,
        )
        return result if _flag(return_dict, self.config.use_return_dict) else result.to_tuple()


class MaskedLMHead(nn.Module):
    """``decoder(LayerNorm(activation(transform(h))))``: MiniALBERT's untied masked-LM head.

    Unlike ALBERT's head it maps the hidden width straight to the vocabulary.
    """

    def __init__(self, config: MiniAlbertConfig) -> None:
        super().__init__()
        self.transform = nn.Linear(config.hidden_size, config.hidden_size)
        self.activation = activation_module(config.hidden_act)
        self.layer_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.decoder = nn.Linear(config.hidden_size, config.vocab_size)

    def forward(self, hidden: Tensor) -> Tensor:
        """*Shape:* ``hidden`` ``[batch, seq, hidden]``; returns logits ``[batch, seq, vocab]``."""
        return self.decoder(self.layer_norm(self.activation(self.transform(hidden))))


class MiniAlbertForMaskedLM(_HeadModel):
    """MiniALBERT with its (untied) masked-LM head, as used in distillation.

    ``labels`` ``[batch, seq]``: token ids at masked positions, -100 elsewhere.
    """

    def __init__(self, config: MiniAlbertConfig) -> None:
        super().__init__(config)
        self.mlm_head = MaskedLMHead(config)
        self.post_init()

    def logits(self, last_hidden_state: Tensor) -> Tensor:
        return self.mlm_head(last_hidden_state)


class MiniAlbertForTokenClassification(_HeadModel):
    """``classifier(dropout(h))`` per token.

    ``labels`` ``[batch, seq]``: label ids, -100 where no loss applies.
    """

    def __init__(self, config: MiniAlbertConfig) -> None:
        super().__init__(config)
        self.dropout = nn.Dropout(config.head_dropout)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)
        self.post_init()

    def logits(self, last_hidden_state: Tensor) -> Tensor:
        return self.classifier(self.dropout(last_hidden_state))


class MiniAlbertForSequenceClassification(_HeadModel):
    """``classifier(dropout(h[:, 0]))``: the raw [CLS] state, no pooler and no tanh, as in the
    reference. The loss follows the Hugging Face ``problem_type`` rules.

    ``labels``: ``[batch]`` class ids or values, or ``[batch, num_labels]`` multi-hot.
    """

    def __init__(self, config: MiniAlbertConfig) -> None:
        super().__init__(config)
        self.dropout = nn.Dropout(config.head_dropout)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)
        self.post_init()

    def logits(self, last_hidden_state: Tensor) -> Tensor:
        return self.classifier(self.dropout(last_hidden_state[:, 0]))

    def loss(self, logits: Tensor, labels: Tensor) -> Tensor:
        n_labels = self.config.num_labels
        if self.config.problem_type is None:
            if n_labels == 1:
                self.config.problem_type = "regression"
            elif labels.dtype in (torch.long, torch.int):
                self.config.problem_type = "single_label_classification"
            else:
                self.config.problem_type = "multi_label_classification"
        if self.config.problem_type == "regression":
            return MSELoss()(logits.squeeze(-1), labels.squeeze(-1).to(logits.dtype))
        if self.config.problem_type == "single_label_classification":
            return CrossEntropyLoss()(logits.view(-1, n_labels), labels.view(-1))
        return BCEWithLogitsLoss()(logits, labels.to(logits.dtype))


@functools.cache
def register_auto_classes() -> None:
    """Make ``AutoConfig``, ``AutoModel``, the three head Auto classes and ``AutoTokenizer``
    resolve ``model_type: "minialbert"``. Idempotent.

    spacy-transformers rebuilds a saved pipeline's transformer with ``AutoConfig``/``AutoModel``
    from the stored ``config.json``; ``model_type: "minialbert"`` must be known by then. The
    spaCy architecture (found through an entry point) imports this package, which calls this.
    """
    AutoConfig.register(MiniAlbertConfig.model_type, MiniAlbertConfig, exist_ok=True)
    for auto_class, model_class in (
        (AutoModel, MiniAlbertModel),
        (AutoModelForMaskedLM, MiniAlbertForMaskedLM),
        (AutoModelForTokenClassification, MiniAlbertForTokenClassification),
        (AutoModelForSequenceClassification, MiniAlbertForSequenceClassification),
    ):
        auto_class.register(MiniAlbertConfig, model_class, exist_ok=True)
    # Our checkpoints write `tokenizer_class`; this default covers directories that do not
    # (the published MiniALBERT tokenizers are BERT WordPiece).
    AutoTokenizer.register(
        MiniAlbertConfig,
        slow_tokenizer_class=BertTokenizer,
        fast_tokenizer_class=BertTokenizerFast,
        exist_ok=True,
    )
