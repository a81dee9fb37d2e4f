"""Task heads on top of the encoder's last hidden state."""

from __future__ import annotations

from torch import Tensor, nn

from .activations import activation_module


class MaskedLMHead(nn.Module):
    """``decoder(LayerNorm(activation(transform(h))))``: MiniALBERT's untied masked-LM head.

    Unlike ALBERT's head it maps the hidden width straight to the vocabulary.
    """

    def __init__(
        self, hidden_width: int, vocab_size: int, activation: str, layer_norm_eps: float
    ) -> None:
        super().__init__()
        self.transform = nn.Linear(hidden_width, hidden_width)
        self.activation = activation_module(activation)
        self.layer_norm = nn.LayerNorm(hidden_width, eps=layer_norm_eps)
        self.decoder = nn.Linear(hidden_width, vocab_size)

    def forward(self, hidden: Tensor) -> Tensor:
        """*Shape:* ``hidden`` ``[batch, seq, hidden]``; returns logits ``[batch, seq, vocab]``."""
        return self.decoder(self.layer_norm(self.activation(self.transform(hidden))))
