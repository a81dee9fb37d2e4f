"""A transformer tokenizer as stored inside a saved pipeline: its files as a map of names to bytes.

A pipeline directory is data, and data may be hostile. Loading one must neither write outside a
temporary directory nor run code: spacy-transformers writes every stored name under a temporary
directory as it is (``../`` and absolute names escape it) and hands the stored keyword arguments
to ``AutoTokenizer.from_pretrained``, so ``trust_remote_code=True`` plus an ``auto_map`` in the
stored ``tokenizer_config.json`` would import a stored Python file at ``spacy.load``. Here:

* only plain file names from the set that Hugging Face tokenizers write are accepted;
* the only stored argument is ``use_fast`` (a boolean);
* the tokenizer class is one that ships with ``transformers`` itself, looked up by name; a stored
  ``auto_map`` (a pointer to code in a model repository) is refused.

Anything else is refused before a single byte is written, with a message naming the entry.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import transformers
from transformers import PreTrainedTokenizerBase

# The files Hugging Face tokenizers (WordPiece, SentencePiece, BPE) write with save_pretrained.
TOKENIZER_FILE_NAMES = frozenset(
    {
        "tokenizer.json",
        "tokenizer_config.json",
        "special_tokens_map.json",
        "added_tokens.json",
        "vocab.txt",
        "vocab.json",
        "merges.txt",
        "spiece.model",
        "sentencepiece.bpe.model",
        "chat_template.jinja",
    }
)
KWARGS_KEY = "kwargs"
# Stored loading options and the type each must have.
ALLOWED_KWARGS: Mapping[str, type] = {"use_fast": bool}


class UnsafePipelineError(ValueError):
    """Stored pipeline data that would write outside its directory or run code."""


def tokenizer_to_files(tokenizer: PreTrainedTokenizerBase, vocab: bytes | None) -> dict[str, Any]:
    """The tokenizer's files (name -> bytes) plus how to load them (``kwargs``)."""
    files: dict[str, Any] = {KWARGS_KEY: {"use_fast": bool(tokenizer.is_fast)}}
    with tempfile.TemporaryDirectory() as temp:
        directory = Path(temp)
        # Slow tokenizers re-read their vocabulary file when saving; it may be gone by now.
        if hasattr(tokenizer, "vocab_file") and vocab is not None:
            vocab_path = directory / tokenizer.vocab_files_names["vocab_file"]
            vocab_path.write_bytes(vocab)
            tokenizer.vocab_file = str(vocab_path)
        tokenizer.save_pretrained(str(directory))
        for path in sorted(directory.iterdir()):
            if path.is_file() and path.name in TOKENIZER_FILE_NAMES:
                files[path.name] = path.read_bytes()
    return files


def tokenizer_from_files(stored: Mapping[str, Any]) -> tuple[PreTrainedTokenizerBase, bytes | None]:
    """The tokenizer saved by :func:`tokenizer_to_files`, and its vocabulary file's bytes.

    Raises ``UnsafePipelineError`` (before writing anything) for a file name outside
    ``TOKENIZER_FILE_NAMES``, a stored argument other than ``use_fast``, or a tokenizer class that
    is not part of ``transformers``."""
    files = dict(stored)
    kwargs = _checked_kwargs(files.pop(KWARGS_KEY, {}))
    for name, content in files.items():
        _check_file(name, content)
    tokenizer_class = _tokenizer_class(files, use_fast=bool(kwargs.get("use_fast", True)))
    with tempfile.TemporaryDirectory() as temp:
        directory = Path(temp)
        for name, content in files.items():
            (directory / name).write_bytes(content)
        tokenizer = tokenizer_class.from_pretrained(
            str(directory), local_files_only=True, trust_remote_code=False
        )
        vocab = read_vocab_file(tokenizer)
    return tokenizer, vocab


def read_vocab_file(tokenizer: Any) -> bytes | None:
    """The tokenizer's vocabulary file, kept so slow tokenizers can be saved again later."""
    path = getattr(tokenizer, "vocab_file", None)
    if path and Path(path).is_file():
        return Path(path).read_bytes()
    return None


def refuse_remote_code(*configs: dict[str, Any]) -> None:
    """Remote code is never enabled from a config: a pipeline's config (and the loading options
    stored with an uninitialised transformer) is data that may come from anyone."""
    for config in configs:
        if not isinstance(config, Mapping):
            raise UnsafePipelineError(
                f"The transformer's stored loading options are a {type(config).__name__}, "
                "not a map."
            )
        if config.get("trust_remote_code"):
            raise UnsafePipelineError(
                "trust_remote_code is set in the transformer's tokenizer_config or "
                "transformer_config; spacy-minialbert never runs code from a model repository. "
                "Remove it (MiniALBERT, ALBERT and ALBERT-ACT need no remote code)."
            )


def _checked_kwargs(kwargs: Any) -> dict[str, Any]:
    if not isinstance(kwargs, Mapping):
        raise UnsafePipelineError(
            f"The stored tokenizer's loading options are a {type(kwargs).__name__}, not a map."
        )
    for key, value in kwargs.items():
        expected = ALLOWED_KWARGS.get(key)
        if expected is None:
            raise UnsafePipelineError(
                f"The stored tokenizer asks to be loaded with {key!r}; only "
                f"{', '.join(sorted(ALLOWED_KWARGS))} may be stored (remote code is never "
                "enabled from a saved pipeline). Refusing to load it."
            )
        if not isinstance(value, expected):
            raise UnsafePipelineError(
                f"The stored tokenizer option {key!r} is {value!r}, not a {expected.__name__}."
            )
    return dict(kwargs)


def _check_file(name: Any, content: Any) -> None:
    if not isinstance(name, str) or name not in TOKENIZER_FILE_NAMES:
        # Membership in a fixed set of plain names also rules out '../x', '/abs', 'a/b', NUL.
        raise UnsafePipelineError(
            f"The stored tokenizer holds a file named {name!r}, which is not one of the files a "
            f"tokenizer writes ({', '.join(sorted(TOKENIZER_FILE_NAMES))}). Refusing to load it: "
            "a saved pipeline may only contain plain tokenizer file names."
        )
    if not isinstance(content, bytes):
        raise UnsafePipelineError(
            f"The stored tokenizer file {name!r} is a {type(content).__name__}, not bytes."
        )


def _tokenizer_class(
    files: Mapping[str, bytes], *, use_fast: bool
) -> type[PreTrainedTokenizerBase]:
    """The ``transformers`` class named by the stored ``tokenizer_config.json``."""
    raw = files.get("tokenizer_config.json")
    if raw is None:
        raise UnsafePipelineError("The stored tokenizer has no tokenizer_config.json.")
    try:
        config = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UnsafePipelineError(
            f"The stored tokenizer_config.json is not valid JSON: {error}"
        ) from None
    if not isinstance(config, dict):
        raise UnsafePipelineError("The stored tokenizer_config.json is not a JSON object.")
    if "auto_map" in config:
        raise UnsafePipelineError(
            "The stored tokenizer_config.json has an 'auto_map', which points to code in a model "
            "repository; spacy-minialbert never runs code stored with a pipeline. Refusing to "
            "load it."
        )
    name = config.get("tokenizer_class")
    if not isinstance(name, str) or not name.isidentifier():
        raise UnsafePipelineError(
            f"The stored tokenizer_config.json names no usable tokenizer_class ({name!r})."
        )
    # save_pretrained writes the slow name for a fast tokenizer; AutoTokenizer adds "Fast" back.
    candidates = [f"{name}Fast", name] if use_fast and not name.endswith("Fast") else [name]
    for candidate in candidates:
        found = getattr(transformers, candidate, None)
        if isinstance(found, type) and issubclass(found, PreTrainedTokenizerBase):
            return found
    raise UnsafePipelineError(
        f"The stored tokenizer_class {name!r} is not a tokenizer that ships with transformers; "
        "spacy-minialbert loads no tokenizer code from elsewhere. Refusing to load it."
    )
