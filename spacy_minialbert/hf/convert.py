"""Converting any supported checkpoint into our own format."""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

from .checkpoints import detect_layout
from .loading import read_config, resolve_checkpoint
from .modeling import (
    MiniAlbertForMaskedLM,
    MiniAlbertForSequenceClassification,
    MiniAlbertForTokenClassification,
    MiniAlbertModel,
    MiniAlbertPreTrainedModel,
)

logger = logging.getLogger(__name__)

_HEADS: tuple[tuple[str, type[MiniAlbertPreTrainedModel]], ...] = (
    ("MaskedLM", MiniAlbertForMaskedLM),
    ("TokenClassification", MiniAlbertForTokenClassification),
    ("SequenceClassification", MiniAlbertForSequenceClassification),
)


@dataclass(frozen=True)
class ConversionReport:
    source: str
    destination: Path
    layout: str
    model_class: str
    n_parameters: int
    tokenizer: str | None

    def summary(self) -> str:
        tokenizer = self.tokenizer or "none found (weights and config only)"
        return (
            f"Converted {self.source} ({self.layout} layout) to {self.destination}\n"
            f"  model: {self.model_class}, {self.n_parameters:,} parameters, model.safetensors\n"
            f"  tokenizer: {tokenizer}"
        )


def model_class_for(architectures: list[str], layout: str) -> type[MiniAlbertPreTrainedModel]:
    """Keep the source's head where we have the same one (ALBERT's own MLM head differs)."""
    for suffix, cls in _HEADS:
        if any(a.endswith(suffix) for a in architectures):
            if cls is MiniAlbertForMaskedLM and layout not in ("nlpie", "minialbert"):
                break
            return cls
    return MiniAlbertModel


def convert_checkpoint(
    source: str | Path,
    destination: str | Path,
    *,
    overwrite: bool = False,
    encoder_only: bool = False,
    half: bool = False,
) -> ConversionReport:
    """Write ``source`` (our format, nlpie, ALBERT or ALBERT-ACT) to ``destination`` as
    ``config.json`` (``model_type: "minialbert"``) + ``model.safetensors`` + tokenizer files.

    ``encoder_only`` drops task heads (a distilled student's masked-LM decoder is most of its
    size); ``half`` stores the weights in float16, halving the file (they load as float32)."""
    destination = Path(destination)
    if destination.exists() and any(destination.iterdir()) and not overwrite:
        raise FileExistsError(f"{destination} exists and is not empty (use --overwrite).")
    files = resolve_checkpoint(source)
    raw = read_config(files)
    layout = detect_layout(raw, str(files.config))
    architectures = [str(a) for a in raw.get("architectures") or []]
    cls = MiniAlbertModel if encoder_only else model_class_for(architectures, layout.name)
    model = cls.from_pretrained(str(source))
    if half:
        model = model.half()
    if destination.exists() and overwrite:
        shutil.rmtree(destination)
    destination.mkdir(parents=True)
    model.save_pretrained(destination, safe_serialization=True)
    tokenizer_name = _save_tokenizer(str(source), files.config.parent, destination)
    card = files.config.parent / "README.md"
    if card.is_file():
        shutil.copy(card, destination / "README.md")
    return ConversionReport(
        source=str(source),
        destination=destination,
        layout=layout.name,
        model_class=cls.__name__ + (" (float16 storage)" if half else ""),
        n_parameters=sum(p.numel() for p in model.parameters()),
        tokenizer=tokenizer_name,
    )


TOKENIZER_FILES = (
    "tokenizer.json", "vocab.txt", "spiece.model", "sentencepiece.bpe.model", "vocab.json",
    "tokenizer_config.json",
)  # fmt: skip


def _save_tokenizer(source: str, directory: Path, destination: Path) -> str | None:
    from transformers import AutoTokenizer

    if not any((directory / name).is_file() for name in TOKENIZER_FILES):
        logger.warning("%s holds no tokenizer files; only weights and config converted.", source)
        return None
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(directory))
    except (OSError, ValueError, TypeError, ImportError) as error:
        logger.warning("No tokenizer could be loaded from %s (%s).", source, error)
        return None
    tokenizer.save_pretrained(destination)
    return type(tokenizer).__name__
