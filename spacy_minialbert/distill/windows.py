"""Documents to fixed-length token windows, shuffled through a seeded buffer, as a resumable
stream; and windows to padded batches.

De-identification placeholders (MIMIC's ``[** ... **]``) are cut out of the text before
WordPiece sees it and each becomes ONE token, the tokenizer's unknown token (``data.placeholders
= "unk"``). The teacher was trained with that token, so its outputs stay meaningful, and the
vocabulary (and the tokenizer saved with the student) stays exactly the teacher's. The
alternative, a new added token, would need a new teacher embedding row that the teacher never
learnt. ``"split"`` leaves placeholders to the tokenizer like any other text.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from typing import Any

import torch
from torch import Tensor
from torch.nn.utils.rnn import pad_sequence

from .sources import DocumentSource, SourcePosition

PLACEHOLDER = re.compile(r"\[\*\*.{0,200}?\*\*\]")


class Windower:
    """Tokenises a document and cuts it into windows of at most ``window`` tokens, special tokens
    included; consecutive windows start ``stride`` tokens apart, the last one reaches the end."""

    def __init__(
        self,
        tokenizer: Any,
        window: int,
        stride: int,
        max_windows_per_document: int = 0,
        min_tokens: int = 1,
        placeholders: str = "unk",
    ) -> None:
        self.tokenizer = tokenizer
        n_special = tokenizer.num_special_tokens_to_add(pair=False)
        self.content = window - n_special
        if self.content < 1:
            raise ValueError(f"The window ({window}) leaves no room besides special tokens.")
        self.stride = min(stride, self.content)
        self.max_windows = max_windows_per_document
        self.min_tokens = min_tokens
        self.placeholders = placeholders
        if placeholders == "unk" and tokenizer.unk_token_id is None:
            raise ValueError(
                "The teacher's tokenizer has no unknown token, so placeholders cannot map to it; "
                'set data.placeholders = "split".'
            )

    def token_ids(self, text: str) -> list[int]:
        """The document's token ids, without special tokens."""
        segments = [text] if self.placeholders == "split" else PLACEHOLDER.split(text)
        # verbose=False: documents are longer than the model's maximum on purpose.
        encoded = self.tokenizer(segments, add_special_tokens=False, verbose=False)["input_ids"]
        ids = list(encoded[0])
        for piece in encoded[1:]:
            ids.append(self.tokenizer.unk_token_id)
            ids.extend(piece)
        return ids

    def __call__(self, text: str) -> list[list[int]]:
        ids = self.token_ids(text)
        if len(ids) < self.min_tokens:
            return []
        windows = []
        for start in range(0, len(ids), self.stride):
            piece = ids[start : start + self.content]
            windows.append(self.tokenizer.build_inputs_with_special_tokens(piece))
            if start + self.content >= len(ids):
                break
            if self.max_windows and len(windows) >= self.max_windows:
                break
        return windows


class WindowStream:
    """An endless, deterministic stream of windows for one process.

    Documents are read in file order; process ``rank`` of ``world_size`` keeps the documents
    whose global index is ``rank`` modulo ``world_size``. Windows pass through a shuffle buffer
    (as in ``tf.data``): it is filled to ``buffer_size`` and a seeded draw picks the next window.
    When the files are exhausted and the buffer is empty, a new epoch starts. The whole state
    (file position, buffer, random state) fits in a checkpoint, so a resumed run continues with
    exactly the windows the interrupted one would have seen.
    """

    def __init__(
        self,
        source: DocumentSource,
        windower: Windower,
        buffer_size: int,
        seed: int,
        rank: int = 0,
        world_size: int = 1,
    ) -> None:
        self.source = source
        self.windower = windower
        self.buffer_size = buffer_size
        self.rank = rank
        self.world_size = world_size
        self.rng = random.Random(f"windows-{seed}-{rank}")
        self.epoch = 0
        self.windows_served = 0
        self.buffer: list[list[int]] = []
        self.position = SourcePosition()
        self._served_this_epoch = 0
        self._documents: Iterator[tuple[str, SourcePosition]] | None = None

    def _fill(self) -> None:
        if self._documents is None:
            self._documents = self.source.documents(self.position)
        while len(self.buffer) < self.buffer_size:
            item = next(self._documents, None)
            if item is None:
                return
            text, after = item
            index = after.documents - 1
            self.position = after
            if index % self.world_size == self.rank:
                self.buffer.extend(self.windower(text))

    def next_window(self) -> list[int]:
        """The next window's token ids, special tokens included."""
        self._fill()
        if not self.buffer:
            if self._served_this_epoch == 0:
                raise ValueError(
                    f"The input yields no windows for process {self.rank} of "
                    f"{self.world_size}: too little text (or data.min_tokens too high)."
                )
            self.epoch += 1
            self._served_this_epoch = 0
            self.position = SourcePosition()
            self._documents = None
            self._fill()
        index = self.rng.randrange(len(self.buffer))
        # Swap-remove: O(1), and the draw already makes the order random.
        self.buffer[index], self.buffer[-1] = self.buffer[-1], self.buffer[index]
        self.windows_served += 1
        self._served_this_epoch += 1
        return self.buffer.pop()

    def next_batch(self, size: int) -> list[list[int]]:
        return [self.next_window() for _ in range(size)]

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue exactly here (tensors and plain values only)."""
        lengths = torch.tensor([len(w) for w in self.buffer], dtype=torch.int64)
        version, internal, gauss = self.rng.getstate()
        flat = [token for window in self.buffer for token in window]
        return {
            "epoch": self.epoch,
            "windows_served": self.windows_served,
            "served_this_epoch": self._served_this_epoch,
            "position": [self.position.file_index, self.position.offset, self.position.documents],
            "buffer_tokens": torch.tensor(flat, dtype=torch.int64),
            "buffer_lengths": lengths,
            "rng": [version, list(internal), gauss],
            "rank": self.rank,
            "world_size": self.world_size,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if (state["rank"], state["world_size"]) != (self.rank, self.world_size):
            raise ValueError(
                f"The checkpoint's data position belongs to process {state['rank']} of "
                f"{state['world_size']}, not {self.rank} of {self.world_size}."
            )
        self.epoch = int(state["epoch"])
        self.windows_served = int(state["windows_served"])
        self._served_this_epoch = int(state["served_this_epoch"])
        self.position = SourcePosition(*(int(v) for v in state["position"]))
        pieces = torch.split(state["buffer_tokens"], state["buffer_lengths"].tolist())
        self.buffer = [piece.tolist() for piece in pieces]
        version, internal, gauss = state["rng"]
        self.rng.setstate((version, tuple(internal), gauss))
        self._documents = None


def collate(windows: list[list[int]], pad_id: int) -> tuple[Tensor, Tensor]:
    """Pad to the longest window.

    Returns ``input_ids`` and ``attention_mask`` (1 = real token), both ``[batch, seq]``.
    """
    rows = [torch.tensor(window, dtype=torch.long) for window in windows]
    input_ids = pad_sequence(rows, batch_first=True, padding_value=pad_id)
    return input_ids, pad_sequence([torch.ones_like(row) for row in rows], batch_first=True)
