"""Typed, validated configuration of the pure PyTorch MiniALBERT encoder.

Names describe what they size (`embedding_width`, `n_recursions`); the Hugging Face adapter maps
the checkpoint field names (`embedding_size`, `num_hidden_layers`, ...) onto these.
"""

from __future__ import annotations

from dataclasses import dataclass

ACTIVATIONS = ("gelu", "gelu_new", "gelu_pytorch_tanh", "gelu_fast", "relu", "silu", "swish")


@dataclass(frozen=True)
class EncoderConfig:
    """Shape and regularisation of a MiniALBERT encoder.

    ``adapter_width`` is the bottleneck width of the per-recursion adapters (``None``: no
    adapters, which makes each recursion exactly an ALBERT layer). ``project_embeddings`` adds
    the linear map from ``embedding_width`` to ``hidden_width``; it is required when the two
    differ and optional (ALBERT keeps it) when they are equal. ``halting_epsilon`` adds per-token
    adaptive depth as in ALBERT-ACT (https://arxiv.org/abs/2109.06736): a token halts once its
    accumulated halting probability exceeds ``1 - halting_epsilon`` (``None``: fixed depth).
    """

    vocab_size: int
    embedding_width: int
    hidden_width: int
    n_recursions: int
    n_heads: int
    intermediate_width: int
    activation: str = "gelu"
    n_positions: int = 512
    n_types: int = 2
    layer_norm_eps: float = 1e-12
    hidden_dropout: float = 0.1
    attention_dropout: float = 0.1
    padding_idx: int | None = 0
    adapter_width: int | None = None
    project_embeddings: bool | None = None
    halting_epsilon: float | None = None

    def __post_init__(self) -> None:
        if self.halting_epsilon is not None and not 0.0 < self.halting_epsilon < 1.0:
            raise ValueError(
                f"The halting epsilon ({self.halting_epsilon}) must lie strictly between 0 and 1."
            )
        if self.project_embeddings is None:
            object.__setattr__(
                self, "project_embeddings", self.embedding_width != self.hidden_width
            )
        for name in (
            "vocab_size",
            "embedding_width",
            "hidden_width",
            "n_heads",
            "intermediate_width",
            "n_positions",
            "n_types",
        ):
            value = getattr(self, name)
            if value < 1:
                raise ValueError(f"`{name}` must be at least 1, got {value}.")
        if self.n_recursions < 1:
            raise ValueError(
                f"The number of recursions (num_hidden_layers) must be at least 1, "
                f"got {self.n_recursions}."
            )
        if self.hidden_width % self.n_heads != 0:
            raise ValueError(
                f"The hidden width ({self.hidden_width}) must be divisible by the number of "
                f"attention heads ({self.n_heads})."
            )
        if not self.project_embeddings and self.embedding_width != self.hidden_width:
            raise ValueError(
                f"The embedding width ({self.embedding_width}) differs from the hidden width "
                f"({self.hidden_width}), so the embeddings must be projected."
            )
        if self.adapter_width is not None and not 1 <= self.adapter_width <= self.hidden_width:
            raise ValueError(
                f"The adapter bottleneck width ({self.adapter_width}) must lie between 1 and "
                f"the hidden width ({self.hidden_width})."
            )
        for name in ("hidden_dropout", "attention_dropout"):
            value = getattr(self, name)
            if not 0.0 <= value < 1.0:
                raise ValueError(f"`{name}` must lie in [0, 1), got {value}.")
        if self.layer_norm_eps <= 0:
            raise ValueError(f"`layer_norm_eps` must be positive, got {self.layer_norm_eps}.")
        if self.activation not in ACTIVATIONS:
            raise ValueError(
                f"Unknown activation '{self.activation}'; expected one of {', '.join(ACTIVATIONS)}."
            )
        if self.padding_idx is not None and not 0 <= self.padding_idx < self.vocab_size:
            raise ValueError(
                f"The padding id ({self.padding_idx}) must be a valid token id "
                f"(0..{self.vocab_size - 1})."
            )

    @property
    def head_width(self) -> int:
        return self.hidden_width // self.n_heads
