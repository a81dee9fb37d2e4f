"""The Thinc shim holding the MiniALBERT PyTorch model inside a spaCy pipeline.

It differs from spacy-transformers' ``HFShim`` in what it writes and how it predicts: weights
are serialised as safetensors (never pickles), the model is rebuilt from our own config class
(no ``AutoConfig`` round trip), adapter-only training survives save and load, and prediction
runs under ``torch.inference_mode``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import srsly
import torch
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_safetensors
from spacy.util import SimpleFrozenDict
from spacy_transformers.data_classes import HFObjects
from spacy_transformers.layers.hf_shim import HFShim
from spacy_transformers.util import make_tempdir
from thinc.api import get_torch_default_device
from transformers import AutoTokenizer

from ..hf import MiniAlbertConfig, MiniAlbertModel

FORMAT = "spacy-minialbert/1"


class MiniAlbertShim(HFShim):
    """``HFShim`` with safetensors serialisation and adapter-only state."""

    def __init__(self, model: HFObjects, *, adapters_only: bool = False, **kwargs: Any) -> None:
        super().__init__(model, **kwargs)
        self.adapters_only = adapters_only

    def predict(self, inputs: Any) -> Any:
        self._model.eval()
        with torch.inference_mode():
            outputs = self._model(*inputs.args, **inputs.kwargs)
        self._model.train()
        return outputs

    def to_bytes(self) -> bytes:
        hf_model = self._hfmodel
        if hf_model.transformer is None:
            # Not initialised yet: keep what initialisation will need.
            return srsly.msgpack_dumps(
                {
                    "format": FORMAT,
                    "config": {},
                    "_init_tokenizer_config": hf_model._init_tokenizer_config,
                    "_init_transformer_config": hf_model._init_transformer_config,
                }
            )
        state = {k: v.contiguous() for k, v in self._model.state_dict().items()}
        msg = {
            "format": FORMAT,
            "config": hf_model.transformer.config.to_dict(),
            "weights": save_safetensors(state),
            "tokenizer": _tokenizer_files(hf_model),
        }
        return srsly.msgpack_dumps(msg)

    def from_bytes(self, bytes_data: bytes) -> MiniAlbertShim:
        msg = srsly.msgpack_loads(bytes_data)
        if msg.get("format") != FORMAT:
            raise ValueError(
                "This transformer was not saved by spacy-minialbert (no 'format' marker); "
                "it cannot be loaded into spacy-minialbert.MiniAlbertTransformer."
            )
        if not msg["config"]:
            self._hfmodel = HFObjects(
                None,
                None,
                None,
                msg["_init_tokenizer_config"],
                msg["_init_transformer_config"],
            )
            return self
        config = MiniAlbertConfig.from_dict(msg["config"])
        transformer = MiniAlbertModel(config)
        transformer.load_state_dict(load_safetensors(msg["weights"]), strict=True)
        transformer.to(get_torch_default_device())
        if self.adapters_only:
            transformer.train_adapters_only()
        tokenizer, vocab = _load_tokenizer(msg["tokenizer"])
        self._hfmodel = HFObjects(
            tokenizer, transformer, vocab, SimpleFrozenDict(), SimpleFrozenDict()
        )
        self._model = transformer
        return self


def _tokenizer_files(hf_model: HFObjects) -> dict[str, Any]:
    tokenizer = hf_model.tokenizer
    files: dict[str, Any] = {"kwargs": {"use_fast": tokenizer.is_fast}}
    with make_tempdir() as temp_dir:
        # Slow tokenizers re-read their vocabulary file when saving; it may be gone by now.
        if hasattr(tokenizer, "vocab_file") and hf_model.vocab_file_contents is not None:
            vocab_path = temp_dir / tokenizer.vocab_files_names["vocab_file"]
            vocab_path.write_bytes(hf_model.vocab_file_contents)
            tokenizer.vocab_file = str(vocab_path)
        tokenizer.save_pretrained(str(temp_dir))
        for path in Path(temp_dir).glob("**/*"):
            if path.is_file():
                files[path.name] = path.read_bytes()
    return files


def _load_tokenizer(files: dict[str, Any]) -> tuple[Any, bytes | None]:
    files = dict(files)
    kwargs = files.pop("kwargs", {})
    with make_tempdir() as temp_dir:
        for name, content in files.items():
            (Path(temp_dir) / name).write_bytes(content)
        tokenizer = AutoTokenizer.from_pretrained(str(temp_dir), **kwargs)
        vocab = read_vocab_file(tokenizer)
    return tokenizer, vocab


def read_vocab_file(tokenizer: Any) -> bytes | None:
    """The tokenizer's vocabulary file, kept so slow tokenizers can be saved again later."""
    path = getattr(tokenizer, "vocab_file", None)
    if path and Path(path).is_file():
        return Path(path).read_bytes()
    return None
