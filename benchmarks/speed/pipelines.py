"""The spaCy pipelines measured: how each is built once and saved, loaded, run and scored, and
the training steps timed on one.

Weights are random unless a trained pipeline is given: speed does not depend on their values.
"""

from __future__ import annotations

import hashlib
import random
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.data import ROOT
from benchmarks.prepare import build_backbone
from benchmarks.speed.encoders import calibrate_halting, random_bert
from benchmarks.speed.measure import timed
from benchmarks.speed.options import SpeedOptions

BATCH_SIZE = 64
CONFIGS = ROOT / "benchmarks"
TRANSFORMER_MODEL = "components.transformer.model"
# The reduced MiniALBERT variants: config overrides when loading, then int8 linears or not
# (weights stored as float16 in all).
REDUCED: dict[str, tuple[dict[str, Any], bool]] = {
    "int8": ({}, True),
    "fp16-storage": ({}, False),
    "bf16": ({TRANSFORMER_MODEL: {"inference_dtype": "bfloat16"}}, False),
}


@dataclass(frozen=True)
class SpeedPipeline:
    name: str
    kind: str  # "minialbert", "bert" (stock spacy-transformers) or "cnn"
    variant: str = "fp32"  # minialbert: fp32, int8, bf16, fp16-storage, act; bert: fp32, int8
    layers: int = 12
    trained: bool = False  # derived from the trained NCBI pipeline (F1 is measured)


def pipeline_path(spec: SpeedPipeline, options: SpeedOptions) -> Path:
    """Where ``spec`` is saved: variants of a trained pipeline under a tag of that pipeline
    (path and modification time), so a newer training run never meets stale copies."""
    root = options.cache / "pipelines"
    slug = re.sub(r"[^a-z0-9]+", "-", spec.name.lower()).strip("-")
    if spec.trained and options.trained:
        source = Path(options.trained).resolve()
        stamp = f"{source}:{(source / 'config.cfg').stat().st_mtime_ns}"
        return root / f"trained-{hashlib.sha1(stamp.encode()).hexdigest()[:8]}" / slug
    return root / "random" / slug


def examples_for(nlp: Any, options: SpeedOptions, n: int = 40) -> list[Any]:
    """The first ``n`` NCBI-disease train abstracts as examples for ``nlp`` (its tokenizer)."""
    import spacy
    from spacy.tokens import DocBin
    from spacy.training import Example

    blank = spacy.blank("en")
    docs = list(DocBin().from_disk(options.ncbi_docbin("train")).get_docs(blank.vocab))[:n]
    return [
        Example.from_dict(
            nlp.make_doc(doc.text),
            {"entities": [(e.start_char, e.end_char, e.label_) for e in doc.ents]},
        )
        for doc in docs
    ]


def backbone_for(options: SpeedOptions, act: bool) -> Path:
    if options.backbone is not None and not act:
        return options.backbone
    backbone = options.cache / ("backbone-312-act" if act else "backbone-312")
    if not (backbone / "config.json").is_file():
        build_backbone(backbone, use_act=act)
    return backbone


def bert_directory(layers: int, options: SpeedOptions) -> Path:
    """A random BERT of the options' widths with the backbone's vocabulary, saved for
    spacy-transformers."""
    from transformers import BertTokenizerFast

    target = options.cache / f"bert-{layers}L"
    if not (target / "config.json").is_file():
        random_bert(options.dims, layers).save_pretrained(target, safe_serialization=True)
        vocab = backbone_for(options, act=False) / "vocab.txt"
        tokenizer = BertTokenizerFast(vocab_file=str(vocab), do_lower_case=False)
        tokenizer.model_max_length = 512
        tokenizer.save_pretrained(target)
    return target


def stock_transformer_model(directory: Path) -> dict[str, Any]:
    return {
        "@architectures": "spacy-transformers.TransformerModel.v3",
        "name": str(directory),
        "tokenizer_config": {"use_fast": True},
        "transformer_config": {},
        "mixed_precision": False,
        "grad_scaler_config": {},
        "get_spans": {
            "@span_getters": "spacy-transformers.strided_spans.v1",
            "window": 128,
            "stride": 96,
        },
    }


def initialized(config: Any, options: SpeedOptions) -> Any:
    """The pipeline of ``config``, initialised on a few NCBI-disease examples: enough for it
    to see the label."""
    import spacy

    nlp = spacy.util.load_model_from_config(config.interpolate(), auto_fill=True)
    nlp.initialize(lambda: examples_for(nlp, options))
    return nlp


def build_pipeline(spec: SpeedPipeline, options: SpeedOptions) -> Path:
    """Create (once) and save the pipeline ``spec`` names; returns its directory."""
    from spacy.util import load_config

    target = pipeline_path(spec, options)
    if (target / "config.cfg").is_file():
        return target
    if spec.kind == "minialbert":
        nlp = minialbert_pipeline(spec, options)
    elif spec.kind == "bert":
        config = load_config(CONFIGS / "ner_312.cfg")
        model = stock_transformer_model(bert_directory(spec.layers, options))
        config["components"]["transformer"]["model"] = model
        nlp = initialized(config, options)
    elif spec.kind == "cnn":
        nlp = initialized(load_config(CONFIGS / "ner_cnn.cfg"), options)
    else:
        raise ValueError(f"Unknown pipeline kind '{spec.kind}' ({spec.name})")
    nlp.batch_size = BATCH_SIZE
    target.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(target)
    return target


def minialbert_pipeline(spec: SpeedPipeline, options: SpeedOptions) -> Any:
    import spacy
    from spacy.util import load_config

    from spacy_minialbert.pipeline.compress import compress_pipeline

    base: Path
    if spec.variant == "act" or not (spec.trained and options.trained):
        act = spec.variant == "act"
        backbone = str(backbone_for(options, act))
        nlp = initialized(
            load_config(CONFIGS / "ner_312.cfg", {"paths.backbone": backbone}), options
        )
        if act:
            model = nlp.get_pipe("transformer").model.transformer
            calibrate_halting(model, options.act_depth, options.dims.vocab_size)
        if spec.variant in ("fp32", "act"):
            return nlp
        base = options.cache / "pipelines" / "random" / "_base"
        nlp.to_disk(base)
    else:
        base = Path(options.trained)
    if spec.variant == "fp32":
        return spacy.load(base)
    if spec.variant not in REDUCED:
        raise ValueError(f"Unknown MiniALBERT variant '{spec.variant}' ({spec.name})")
    overrides, int8 = REDUCED[spec.variant]
    nlp = spacy.load(base, config=overrides)
    compress_pipeline(nlp, int8=int8, storage_dtype="float16")
    return nlp


def count_words(texts: list[str]) -> int:
    return sum(len(text.split()) for text in texts)


def evaluate_f1(nlp: Any, gold_docbin: Path) -> dict[str, float]:
    """NER precision, recall and F1 (percent) on ``gold_docbin`` (NCBI-disease devel)."""
    from spacy.tokens import DocBin
    from spacy.training import Example

    gold = list(DocBin().from_disk(gold_docbin).get_docs(nlp.vocab))
    examples = [Example(nlp.make_doc(doc.text), doc) for doc in gold]
    scores = nlp.evaluate(examples, batch_size=BATCH_SIZE)
    return {k: 100 * float(scores[k] or 0.0) for k in ("ents_p", "ents_r", "ents_f")}


class Pipeline:
    """A saved pipeline, loaded and warmed up on the corpora (a worker's contender)."""

    def __init__(self, spec: SpeedPipeline, options: SpeedOptions) -> None:
        import spacy

        self.nlp: Any = spacy.load(pipeline_path(spec, options))
        if spec.kind == "bert" and spec.variant == "int8":
            # Stock spacy-transformers cannot save int8 layers: quantize after loading, with the
            # same kernel and per-channel scheme as ours.
            from spacy_minialbert.compression import quantize_linears

            quantize_linears(self.nlp.get_pipe("transformer").model.transformer)
        self.options = options
        for texts in options.corpora.values():
            self.run(texts[:4])

    def run(self, texts: list[str]) -> None:
        for _ in self.nlp.pipe(texts, batch_size=BATCH_SIZE):
            pass

    def pipe(self, corpus: str, seconds: float) -> float:
        """Words per second."""
        texts = self.options.corpora[corpus]
        elapsed, calls = timed(lambda: self.run(texts), seconds)
        return count_words(texts) * calls / elapsed

    def f1(self) -> dict[str, float]:
        return evaluate_f1(self.nlp, self.options.ncbi_docbin("devel"))

    def depth(self, corpus: str) -> float | None:
        """Mean recursions per real wordpiece of an ACT pipeline over the corpus."""
        import numpy as np

        if not getattr(self.nlp.get_pipe("transformer").model.transformer.config, "use_act", False):
            return None
        total, count = 0.0, 0
        for doc in self.nlp.pipe(self.options.corpora[corpus], batch_size=BATCH_SIZE):
            output = doc._.trf_data.model_output
            if "updates" not in output:
                return None
            mask = np.asarray(doc._.trf_data.wordpieces.attention_mask).astype(bool)
            total += float(np.asarray(output["updates"])[mask].sum())
            count += int(mask.sum())
        return total / max(count, 1)


class Training:
    """nlp.update on NCBI-disease abstracts, full fine-tuning or adapters only, from the trained
    312 pipeline or the random one (a worker's contender)."""

    def __init__(self, adapters_only: bool, options: SpeedOptions) -> None:
        import spacy
        from thinc.api import Adam

        base = Path(
            options.trained or pipeline_path(SpeedPipeline("minialbert-312", "minialbert"), options)
        )
        model = {"adapters_only": adapters_only, "quantize": False, "inference_dtype": "float32"}
        self.nlp: Any = spacy.load(base, config={TRANSFORMER_MODEL: model})
        transformer = self.nlp.get_pipe("transformer").model.transformer
        if adapters_only:
            transformer.train_adapters_only()
        parameters = list(transformer.parameters())
        self.info = (
            sum(p.numel() for p in parameters if p.requires_grad),
            sum(p.numel() for p in parameters),
        )
        # The same optimiser for both modes (the saved pipeline's own may reference settings
        # that only exist before interpolation).
        self.optimizer = Adam(2e-4)
        examples = examples_for(self.nlp, options, 64)
        rng = random.Random(0)
        self.batches = [rng.sample(examples, options.train_batch) for _ in range(16)]
        self.step(self.batches[0])  # warm-up (Adam state)

    def step(self, examples: list[Any]) -> None:
        self.nlp.update(examples, sgd=self.optimizer, drop=0.1, losses={})

    def train(self, steps: int) -> float:
        """Seconds per update."""
        start = time.perf_counter()
        for step in range(steps):
            self.step(self.batches[step % len(self.batches)])
        return (time.perf_counter() - start) / steps
