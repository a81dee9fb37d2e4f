"""Applying the compression options (:mod:`spacy_minialbert.compression`) to a whole spaCy
pipeline (``spacy-minialbert quantize``). It lives with the spaCy layer because it walks a
pipeline's components and shims; the compression package below it knows only PyTorch."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from spacy.language import Language

from ..compression.lifecycle import HALF_DTYPES
from ..compression.precision import check_dtype
from .shim import MiniAlbertShim
from .transformer_model import TOK2VEC_ARCHITECTURE, TRANSFORMER_ARCHITECTURE


@dataclass
class CompressionReport:
    """What :func:`compress_pipeline` changed, per transformer (component name, int8 layers)."""

    storage_dtype: str
    transformers: list[tuple[str, int]] = field(default_factory=list)

    def summary(self) -> str:
        lines = [
            f"{component}: {n} linear layers int8" if n else f"{component}: float weights"
            for component, n in self.transformers
        ]
        lines.append(f"weights stored as {self.storage_dtype} where floating point")
        return "\n".join(lines)


def minialbert_shims(nlp: Language) -> Iterator[tuple[str, MiniAlbertShim]]:
    """``(component name, shim)`` for every MiniALBERT model in the pipeline, including the
    private copies left by ``nlp.replace_listeners``."""
    seen: set[int] = set()
    for name, component in nlp.components:
        model = getattr(component, "model", None)
        if model is None or not hasattr(model, "walk"):
            continue
        for node in model.walk():
            for shim in node.shims:
                if isinstance(shim, MiniAlbertShim) and id(shim) not in seen:
                    seen.add(id(shim))
                    yield name, shim


def _architecture_blocks(config: Any) -> Iterator[dict[str, Any]]:
    if isinstance(config, dict):
        if config.get("@architectures") in (TRANSFORMER_ARCHITECTURE, TOK2VEC_ARCHITECTURE):
            yield config
        for value in config.values():
            yield from _architecture_blocks(value)


def compress_pipeline(
    nlp: Language, *, int8: bool = True, storage_dtype: str = "float16"
) -> CompressionReport:
    """Quantize every MiniALBERT in ``nlp`` to int8 (if ``int8``) and set the dtype its weights
    are saved in, in place; the pipeline's config records both, so the saved pipeline loads as
    it was written, in a fresh process, with nothing but ``spacy.load``."""
    check_dtype("storage", storage_dtype)
    report = CompressionReport(storage_dtype=storage_dtype)
    for name, shim in minialbert_shims(nlp):
        replaced = shim.quantize() if int8 else []
        shim.options.storage_dtype = storage_dtype
        if int8:
            shim.options.quantize_from_now_on()
        report.transformers.append((name, len(replaced)))
    if not report.transformers:
        raise ValueError("The pipeline has no spacy-minialbert transformer to compress.")
    for name in nlp.component_names:
        for block in _architecture_blocks(nlp.get_pipe_config(name)):
            block["storage_dtype"] = storage_dtype
            if int8:
                block["quantize"] = True
                if block.get("inference_dtype") in HALF_DTYPES:
                    block["inference_dtype"] = "float32"
    return report
