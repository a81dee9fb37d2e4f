"""The encoders measured alone: MiniALBERT-312 and BERT-shaped models with random weights
(speed does not depend on their values; ACT excepted, see ``calibrate_halting``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from benchmarks.speed.measure import timed

if TYPE_CHECKING:
    from benchmarks.speed.options import SpeedOptions

# Token ids are drawn from [FIRST_ID, vocab_size): above the special and rare entries.
FIRST_ID = 1000


@dataclass(frozen=True)
class EncoderDims:
    """The widths every encoder shares: clinical-miniALBERT-312's, or tiny ones for tests."""

    vocab_size: int = 28996
    embedding: int = 312
    hidden: int = 768
    ffn: int = 3072
    heads: int = 12
    recursions: int = 6
    adapter_reduction: int = 16

    def config_fields(self) -> dict[str, int]:
        """The widths under the names of ``MiniAlbertConfig``'s (and ``BackboneShape``'s)
        fields."""
        return {
            "embedding_size": self.embedding,
            "hidden_size": self.hidden,
            "num_hidden_layers": self.recursions,
            "num_attention_heads": self.heads,
            "intermediate_size": self.ffn,
            "reduction_factor": self.adapter_reduction,
        }


@dataclass(frozen=True)
class EncoderSpec:
    name: str
    family: str  # "minialbert" or "bert"
    precision: str = "fp32"  # "fp32", "bf16" (autocast) or "int8" (dynamic)
    layers: int = 12  # BERT only
    act_depth: float | None = None  # MiniALBERT-ACT: calibrated mean recursions per token


def shape_key(batch: int, seq: int) -> str:
    return f"{batch}x{seq}"


def macs_per_token(spec: EncoderSpec, dims: EncoderDims, seq: int) -> float:
    """A BERT layer: Q, K, V, output projections, FFN, and the two attention products (scores,
    context). MiniALBERT: the embedding projection, then per recursion a BERT layer plus two
    bottleneck adapters (down and up)."""
    h = dims.hidden
    layer = 4 * h * h + 2 * h * dims.ffn + 2 * seq * h
    if spec.family != "minialbert":
        return spec.layers * layer
    adapters = 2 * 2 * h * (h // dims.adapter_reduction)
    return dims.embedding * h + dims.recursions * (layer + adapters)


def random_bert(dims: EncoderDims, layers: int, pooling: bool = True, **config: Any) -> Any:
    """A BERT of ``dims``' widths with random weights (seed 0)."""
    import torch
    from transformers import BertConfig, BertModel

    torch.manual_seed(0)
    bert = BertConfig(
        vocab_size=dims.vocab_size,
        hidden_size=dims.hidden,
        num_hidden_layers=layers,
        num_attention_heads=dims.heads,
        intermediate_size=dims.ffn,
        **config,
    )
    return BertModel(bert, add_pooling_layer=pooling)


class Encoder:
    """One encoder, warmed up at each of the options' shapes (a worker's contender)."""

    def __init__(self, spec: EncoderSpec, options: SpeedOptions) -> None:
        import torch

        dims, act_bias = options.dims, None
        if spec.family == "minialbert":
            from spacy_minialbert import MiniAlbertConfig, MiniAlbertModel

            torch.manual_seed(0)
            config = MiniAlbertConfig(
                vocab_size=dims.vocab_size,
                use_act=spec.act_depth is not None,
                **dims.config_fields(),
            )
            model = MiniAlbertModel(config).eval()
            if spec.act_depth is not None:
                act_bias = calibrate_halting(model, spec.act_depth, dims.vocab_size)
        elif spec.family == "bert":
            model = random_bert(dims, spec.layers, False, attn_implementation="sdpa").eval()
        else:
            raise ValueError(f"Unknown encoder family '{spec.family}' ({spec.name})")
        parameters = sum(p.numel() for p in model.parameters())
        if spec.precision == "int8":
            from spacy_minialbert.compression import quantize_linears

            quantize_linears(model)
        self.calls = {
            shape: encoder_call(model, spec, dims.vocab_size, *shape) for shape in options.shapes
        }
        for call in self.calls.values():  # warm-up: allocations, kernel choice
            call()
            call()
        with torch.inference_mode():  # mean recursions per token on random ids (ACT only)
            updates = {
                shape_key(b, s): float(model(random_ids(dims.vocab_size, b, s, 7)).updates.mean())
                if spec.act_depth is not None
                else None
                for b, s in options.shapes
            }
        self.info = (parameters, act_bias, updates)

    def encode(self, batch: int, seq: int, seconds: float) -> float:
        """Tokens per second."""
        elapsed, calls = timed(self.calls[(batch, seq)], seconds)
        return batch * seq * calls / elapsed


def random_ids(vocab_size: int, batch: int, seq: int, seed: int) -> Any:
    import torch

    generator = torch.Generator().manual_seed(seed)
    return torch.randint(FIRST_ID, vocab_size, (batch, seq), generator=generator)


def calibrate_halting(model: Any, mean_depth: float, vocab_size: int, seq: int = 128) -> float:
    """Set the (random) halting unit's bias so tokens of random text average ``mean_depth``
    recursions; returns the bias. A trained halting unit decides this for itself; random
    weights would halt after about two steps, which says nothing."""
    import torch

    ids = random_ids(vocab_size, 8, seq, seed=1)
    bias = model.encoder.halting.dense.bias
    low, high = -12.0, 12.0
    for _ in range(30):
        middle = (low + high) / 2
        with torch.no_grad():
            bias.fill_(middle)
            depth = float(model(ids).updates.mean())
        if depth > mean_depth:
            low = middle
        else:
            high = middle
    return float(bias.detach())


def encoder_call(
    model: Any, spec: EncoderSpec, vocab_size: int, batch: int, seq: int
) -> Callable[[], Any]:
    """A zero-argument call running one forward pass as inference would."""
    import torch

    ids = random_ids(vocab_size, batch, seq, seed=batch * 1000 + seq)
    mask = torch.ones(batch, seq, dtype=torch.long)

    def run() -> Any:
        with torch.inference_mode():
            if spec.precision == "bf16":
                with torch.autocast("cpu", dtype=torch.bfloat16):
                    return model(input_ids=ids, attention_mask=mask)
            return model(input_ids=ids, attention_mask=mask)

    return run
