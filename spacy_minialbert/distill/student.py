"""The MiniALBERT student: its configuration checked against the teacher, and the module that the
training loop (and DDP) runs."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from torch import Tensor, nn

from ..backbone_shape import BackboneShape
from ..hf import MiniAlbertConfig, MiniAlbertForMaskedLM
from .config import StudentSettings


def student_config(
    settings: StudentSettings, teacher_config: Any, tokenizer: Any, window: int
) -> MiniAlbertConfig:
    """A MiniALBERT config that the teacher can teach: same vocabulary, hidden width and heads.
    The student's shape is ``settings`` with the teacher's values where they are ``None``.

    Raises ``ValueError`` naming both values when a setting contradicts the teacher.
    """
    hidden = int(teacher_config.hidden_size)
    heads = int(teacher_config.num_attention_heads)
    if settings.hidden_size is not None and settings.hidden_size != hidden:
        raise ValueError(
            f"The student's hidden width (student.hidden_size = {settings.hidden_size}) must "
            f"equal the teacher's hidden size ({hidden}): the hidden-state losses compare them "
            "without a projection."
        )
    if settings.num_attention_heads is not None and settings.num_attention_heads != heads:
        raise ValueError(
            f"The student's head count (student.num_attention_heads = "
            f"{settings.num_attention_heads}) must equal the teacher's ({heads}): the attention "
            "loss compares the maps head by head."
        )
    if len(tokenizer) > teacher_config.vocab_size:
        raise ValueError(
            f"The tokenizer has {len(tokenizer)} tokens, more than the teacher's vocabulary "
            f"({teacher_config.vocab_size})."
        )
    positions = settings.max_position_embeddings or int(
        getattr(teacher_config, "max_position_embeddings", 512)
    )
    if window > positions:
        raise ValueError(
            f"The window (data.window = {window}) is longer than the student's "
            f"{positions} positions (student.max_position_embeddings)."
        )
    # StudentSettings has BackboneShape's fields (a test keeps them so); None: the teacher's.
    act = getattr(teacher_config, "hidden_act", "gelu")
    teachers = {
        "hidden_size": hidden,
        "num_attention_heads": heads,
        "intermediate_size": int(teacher_config.intermediate_size),
        "hidden_act": act if isinstance(act, str) else "gelu",
        "max_position_embeddings": positions,
    }
    chosen = {name: value for name, value in asdict(settings).items() if value is not None}
    shape = BackboneShape(**{**teachers, **chosen})
    return MiniAlbertConfig.from_shape(
        shape,
        vocab_size=int(teacher_config.vocab_size),
        pad_token_id=int(tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0),
        type_vocab_size=max(1, int(getattr(teacher_config, "type_vocab_size", 2) or 1)),
        initializer_range=float(getattr(teacher_config, "initializer_range", 0.02)),
        layer_norm_eps=float(getattr(teacher_config, "layer_norm_eps", 1e-12)),
        tokenizer_class=type(tokenizer).__name__.removesuffix("Fast"),
    )


@dataclass
class StudentOutput:
    """*Shape:* ``hidden_states`` up to R+1 tensors ``[batch, seq, hidden]`` (fewer when every
    token halted early under ACT); ``attentions`` one ``[batch, heads, seq, seq]`` per recursion
    run (empty unless asked for); ``masked_logits`` ``[n_masked, vocab]``; ``updates`` and
    ``remainders`` ``[batch, seq]`` with ACT, else ``None``."""

    hidden_states: tuple[Tensor, ...]
    attentions: tuple[Tensor, ...]
    masked_logits: Tensor
    updates: Tensor | None
    remainders: Tensor | None


class DistillationStudent(nn.Module):
    """Runs the student's encoder, then its masked-LM head on the masked positions only (the
    vocabulary projection is most of the cost; the losses need nothing else). One module, so
    DistributedDataParallel sees the whole forward pass."""

    def __init__(self, model: MiniAlbertForMaskedLM) -> None:
        super().__init__()
        self.model = model

    def forward(
        self, input_ids: Tensor, attention_mask: Tensor, masked: Tensor, attentions: bool
    ) -> StudentOutput:
        """*Shape:* ``input_ids``, ``attention_mask`` and ``masked`` (bool) ``[batch, seq]``."""
        encoded = self.model.minialbert.encoder(
            input_ids,
            attention_mask=attention_mask,
            output_hidden_states=True,
            output_attentions=attentions,
        )
        assert encoded.hidden_states is not None
        logits = self.model.mlm_head(encoded.last_hidden_state[masked])
        return StudentOutput(
            hidden_states=encoded.hidden_states,
            attentions=encoded.attentions or (),
            masked_logits=logits,
            updates=encoded.updates,
            remainders=encoded.remainders,
        )


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
