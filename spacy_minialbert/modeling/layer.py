"""The one transformer layer that MiniALBERT applies at every recursion."""

from __future__ import annotations

from torch import Tensor, nn

from .activations import activation_module
from .attention import SelfAttention
from .config import EncoderConfig
from .fastpath import linear


class FeedForward(nn.Module):
    """``output(activation(intermediate(x)))``, the position-wise feed-forward block."""

    def __init__(self, config: EncoderConfig) -> None:
        super().__init__()
        self.intermediate = nn.Linear(config.hidden_width, config.intermediate_width)
        self.activation = activation_module(config.activation)
        self.output = nn.Linear(config.intermediate_width, config.hidden_width)

    def forward(self, hidden: Tensor) -> Tensor:
        """*Shape:* ``[batch, seq, hidden_width]`` in and out."""
        # At inference the activation is fused into the first product (see .fastpath).
        return linear(self.output, linear(self.intermediate, hidden, self.activation))


class SharedLayer(nn.Module):
    """A post-LayerNorm transformer layer with adapter hooks before each sub-block.

    With identity adapters this is exactly a Hugging Face ``AlbertLayer``. The adapters are
    passed in per call because they belong to the recursion, not to the shared layer.
    """

    def __init__(self, config: EncoderConfig) -> None:
        super().__init__()
        self.attention = SelfAttention(config)
        self.attention_dropout = nn.Dropout(config.hidden_dropout)
        self.attention_norm = nn.LayerNorm(config.hidden_width, eps=config.layer_norm_eps)
        self.ffn = FeedForward(config)
        self.ffn_dropout = nn.Dropout(config.hidden_dropout)
        self.ffn_norm = nn.LayerNorm(config.hidden_width, eps=config.layer_norm_eps)

    def forward(
        self,
        hidden: Tensor,
        bias: Tensor | None,
        attention_adapter: nn.Module,
        ffn_adapter: nn.Module,
        return_probabilities: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        """One recursion step.

        *Shape:* ``hidden`` ``[batch, seq, width]``; ``bias`` ``[batch, 1, 1, seq]`` or ``None``.
        Returns the new hidden states and, if asked, attention probabilities
        ``[batch, heads, seq, seq]``.
        """
        hidden = attention_adapter(hidden)
        attended, probabilities = self.attention(hidden, bias, return_probabilities)
        hidden = self.attention_norm(hidden + self.attention_dropout(attended))
        hidden = ffn_adapter(hidden)
        hidden = self.ffn_norm(hidden + self.ffn_dropout(self.ffn(hidden)))
        return hidden, probabilities
