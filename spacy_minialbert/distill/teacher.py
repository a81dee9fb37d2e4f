"""The frozen BERT-family teacher: loading (with or without a masked-LM head) and its outputs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn


@dataclass
class TeacherOutput:
    """*Shape:* ``hidden_states`` L+1 tensors ``[batch, seq, hidden]`` (index 0: embeddings);
    ``attentions`` L tensors ``[batch, heads, seq, seq]`` (empty unless asked for);
    ``masked_logits`` ``[n_masked, vocab]``, ``None`` without a masked-LM head."""

    hidden_states: tuple[Tensor, ...]
    attentions: tuple[Tensor, ...]
    masked_logits: Tensor | None


class Teacher:
    """A frozen teacher in eval mode. ``head`` maps hidden states to vocabulary logits when the
    checkpoint has a masked-LM head; then logits are computed on masked positions only."""

    def __init__(self, name: str, model: Any, has_mlm_head: bool) -> None:
        self.name = name
        # A transformers PreTrainedModel; typed loosely because its stubs are loose.
        self.model: Any = model
        self.has_mlm_head = has_mlm_head
        self.config: Any = model.config
        self.encoder: nn.Module = model.base_model if has_mlm_head else model
        self.head = _separate_head(model) if has_mlm_head else None
        for parameter in model.parameters():
            parameter.requires_grad = False
        model.eval()

    @property
    def n_layers(self) -> int:
        return int(self.config.num_hidden_layers)

    @torch.no_grad()
    def __call__(
        self, input_ids: Tensor, attention_mask: Tensor, masked: Tensor, attentions: bool
    ) -> TeacherOutput:
        """*Shape:* ``input_ids``, ``attention_mask`` and ``masked`` (bool) ``[batch, seq]``."""
        # A head we cannot run on its own: take the full logits and select.
        whole = self.has_mlm_head and self.head is None
        output = (self.model if whole else self.encoder)(
            input_ids=input_ids,
            attention_mask=attention_mask,
            output_hidden_states=True,
            output_attentions=attentions,
        )
        hidden = tuple(output.hidden_states)
        if whole:
            logits = output.logits[masked]
        else:
            logits = None if self.head is None else self.head(hidden[-1][masked])
        return TeacherOutput(hidden, tuple(output.attentions or ()), logits)


def _separate_head(model: nn.Module) -> nn.Module | None:
    """The one child besides the encoder (BERT's ``cls``, RoBERTa's ``lm_head``), or ``None``
    when the head is spread over several modules (e.g. DistilBERT)."""
    base = getattr(model, "base_model_prefix", "")
    others = [
        module
        for name, module in model.named_children()
        if name != base and any(True for _ in module.parameters())
    ]
    return others[0] if len(others) == 1 else None


def load_teacher(name: str) -> tuple[Teacher, Any]:
    """The teacher model and its tokenizer, from a local directory or a hub id.

    ``AutoModelForMaskedLM`` first; a checkpoint without the head's weights (a plain
    ``BertModel``, a sentence encoder) loads through ``AutoModel`` instead, and the logit term
    is then unavailable.
    """
    import transformers
    from transformers import AutoModel, AutoModelForMaskedLM, AutoTokenizer

    verbosity = transformers.logging.get_verbosity()
    # transformers warns loudly about the head weights it had to create; we decide below.
    transformers.logging.set_verbosity_error()
    try:
        tokenizer = AutoTokenizer.from_pretrained(name)
        try:
            model, info = AutoModelForMaskedLM.from_pretrained(
                name, output_loading_info=True, attn_implementation="eager"
            )
            prefix = f"{model.base_model_prefix}."
            missing_head = [k for k in info["missing_keys"] if not k.startswith(prefix)]
        except ValueError:
            # The model type has no masked-LM class at all.
            missing_head = ["<no masked-LM class>"]
        has_head = not missing_head
        if not has_head:
            model = AutoModel.from_pretrained(name, attn_implementation="eager")
    finally:
        transformers.logging.set_verbosity(verbosity)
    return Teacher(name, model, has_head), tokenizer
