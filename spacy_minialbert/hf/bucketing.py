"""Length-bucketed inference: a padded batch of windows computed as buckets of similar length.

A batch of transformer windows is padded to its longest window; most are much shorter (the last
window of each document, sentences, short notes). Sorting the rows by length and computing them
in buckets, each trimmed to its own longest row, spends the arithmetic on real tokens. Plain
PyTorch on a Hugging Face ``ModelOutput``: nothing here knows about spaCy.
"""

from __future__ import annotations

from typing import Any

import torch
from transformers.utils import ModelOutput

# Padded tokens per forward call at inference: windows are sorted by length and cut into
# buckets of at most this many (padded) tokens, so short windows are not padded to the longest.
BUCKET_TOKENS = 2048
# Outputs with one entry per position ([batch, seq, ...]) or per row ([batch, ...]).
POSITION_OUTPUTS = ("last_hidden_state", "updates", "remainders")
ROW_OUTPUTS = ("pooler_output",)


def length_buckets(lengths: list[int], max_tokens: int = BUCKET_TOKENS) -> list[list[int]]:
    """Row indices grouped into buckets of similar length, longest first; each bucket holds at
    most ``max_tokens`` tokens once padded to its longest row (and at least one row)."""
    order = sorted(range(len(lengths)), key=lambda row: -lengths[row])
    buckets: list[list[int]] = []
    for row in order:
        if buckets and (len(buckets[-1]) + 1) * lengths[buckets[-1][0]] <= max_tokens:
            buckets[-1].append(row)
        else:
            buckets.append([row])
    return buckets


def bucketed_forward(
    model: torch.nn.Module, args: tuple, kwargs: dict[str, Any], max_tokens: int = BUCKET_TOKENS
) -> Any:
    """``model(*args, **kwargs)`` computed on length-sorted buckets, each trimmed to its own
    longest row, so padding costs little; outputs are reassembled in the original order at
    the original padded length.

    Real positions get the same values as one padded call (up to float rounding: attention
    never lets a real token see padding); positions past a bucket's own length are zeros.
    Falls back to a single call when there is nothing to gain or when hidden states or
    attention maps are asked for.
    """
    input_ids = kwargs.get("input_ids")
    mask = kwargs.get("attention_mask")
    config = getattr(model, "config", None)
    wants_lists = any(
        kwargs.get(name, getattr(config, name, False))
        for name in ("output_hidden_states", "output_attentions")
    )
    if args or input_ids is None or mask is None or input_ids.shape[0] < 2 or wants_lists:
        return float32_outputs(model(*args, **kwargs))
    lengths = [int(n) for n in mask.sum(dim=1).tolist()]
    seq = input_ids.shape[1]
    buckets = length_buckets(lengths, max_tokens)
    if len(buckets) == 1 and lengths[buckets[0][0]] == seq:
        return float32_outputs(model(**kwargs))
    per_row = {k: v for k, v in kwargs.items() if isinstance(v, torch.Tensor) and v.dim() == 2}
    merged: dict[str, torch.Tensor] = {}
    output_type: type = ModelOutput
    for rows in buckets:
        index = torch.tensor(rows, device=input_ids.device)
        width = lengths[rows[0]]
        bucket_kwargs = dict(kwargs)
        for name, tensor in per_row.items():
            bucket_kwargs[name] = tensor.index_select(0, index)[:, :width]
        output = model(**bucket_kwargs)
        output_type = type(output)
        for name in (*POSITION_OUTPUTS, *ROW_OUTPUTS):
            value = output.get(name) if isinstance(output, ModelOutput) else None
            if value is None:
                continue
            value = value.float() if value.is_floating_point() else value
            row_output = name in ROW_OUTPUTS
            if name not in merged:
                shape = value.shape[1:] if row_output else (seq, *value.shape[2:])
                merged[name] = value.new_zeros((input_ids.shape[0], *shape))
            merged[name][index if row_output else (index, slice(0, width))] = value
    return output_type(**merged)


def float32_outputs(output: Any) -> Any:
    """Reduced-precision outputs back in float32, the dtype the layers downstream expect."""
    if isinstance(output, ModelOutput):
        for name, value in output.items():
            if isinstance(value, torch.Tensor) and value.is_floating_point():
                output[name] = value.float()
    return output
