"""What the speed benchmark measures: encoders, spaCy pipelines, and how each is built.

Every contender runs in its own worker process (see ``speed.py``), so its peak resident memory
is its own and one contender's allocations never slow another. Weights are random unless a
trained pipeline is given: speed does not depend on their values (ACT excepted, see
``calibrate_halting``).
"""

from __future__ import annotations

import hashlib
import re
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from data import CACHE, ROOT

HIDDEN = 768
FFN = 3072
SHAPE_312 = {"embedding": 312, "recursions": 6, "adapter": HIDDEN // 16}


# --------------------------------------------------------------------------------------------
# Arithmetic: multiply-adds per token, for the achieved fraction of the matmul ceiling.


def bert_macs_per_token(layers: int, seq: int) -> float:
    """Q, K, V, output projections, FFN, and the two attention products (scores, context)."""
    return layers * (4 * HIDDEN * HIDDEN + 2 * HIDDEN * FFN + 2 * seq * HIDDEN)


def minialbert_macs_per_token(seq: int, recursions: float = 6) -> float:
    """The 312 encoder: embedding projection, then per recursion a BERT layer plus two
    bottleneck adapters (down and up)."""
    adapters = 2 * 2 * HIDDEN * SHAPE_312["adapter"]
    return SHAPE_312["embedding"] * HIDDEN + recursions * (bert_macs_per_token(1, seq) + adapters)


# --------------------------------------------------------------------------------------------
# Encoders.


@dataclass
class EncoderSpec:
    name: str
    family: str  # "minialbert" or "bert"
    precision: str = "fp32"  # "fp32", "bf16" (autocast) or "int8" (dynamic)
    layers: int = 12  # BERT only
    act_depth: float | None = None  # MiniALBERT-ACT: calibrated mean recursions per token


def build_encoder(spec: EncoderSpec) -> tuple[Any, dict[str, Any]]:
    import torch

    torch.manual_seed(0)
    info: dict[str, Any] = {}
    if spec.family == "minialbert":
        from spacy_minialbert import MiniAlbertConfig, MiniAlbertModel

        config = MiniAlbertConfig(
            vocab_size=28996,
            embedding_size=312,
            hidden_size=HIDDEN,
            num_hidden_layers=6,
            num_attention_heads=12,
            intermediate_size=FFN,
            reduction_factor=16,
            use_act=spec.act_depth is not None,
        )
        model = MiniAlbertModel(config).eval()
        if spec.act_depth is not None:
            info["act_bias"] = calibrate_halting(model, spec.act_depth)
    else:
        from transformers import BertConfig, BertModel

        config = BertConfig(
            vocab_size=28996,
            hidden_size=HIDDEN,
            num_hidden_layers=spec.layers,
            num_attention_heads=12,
            intermediate_size=FFN,
            attn_implementation="sdpa",
        )
        model = BertModel(config, add_pooling_layer=False).eval()
    info["parameters"] = sum(p.numel() for p in model.parameters())
    if spec.precision == "int8":
        from spacy_minialbert.compression import quantize_linears

        quantize_linears(model)
    return model, info


def calibrate_halting(model: Any, mean_depth: float, seq: int = 128) -> float:
    """Set the (random) halting unit's bias so tokens of random text average ``mean_depth``
    recursions; returns the bias. A trained halting unit decides this for itself; random
    weights would halt after about two steps, which says nothing."""
    import torch

    ids = torch.randint(1000, 28000, (8, seq), generator=torch.Generator().manual_seed(1))
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


def encoder_call(model: Any, spec: EncoderSpec, batch: int, seq: int) -> Callable[[], Any]:
    """A zero-argument call running one forward pass as inference would."""
    import torch

    generator = torch.Generator().manual_seed(batch * 1000 + seq)
    ids = torch.randint(1000, 28000, (batch, seq), generator=generator)
    mask = torch.ones(batch, seq, dtype=torch.long)

    def run() -> Any:
        with torch.inference_mode():
            if spec.precision == "bf16":
                with torch.autocast("cpu", dtype=torch.bfloat16):
                    return model(input_ids=ids, attention_mask=mask)
            return model(input_ids=ids, attention_mask=mask)

    return run


def mean_updates(model: Any, batch: int, seq: int) -> float | None:
    import torch

    if getattr(model.config, "use_act", False):
        ids = torch.randint(1000, 28000, (batch, seq), generator=torch.Generator().manual_seed(7))
        with torch.inference_mode():
            return float(model(ids).updates.mean())
    return None


# --------------------------------------------------------------------------------------------
# Pipelines.


@dataclass
class PipelineSpec:
    name: str
    kind: str  # "minialbert", "bert" (stock spacy-transformers) or "cnn"
    variant: str = "fp32"  # minialbert: fp32, int8, bf16, fp16-storage, act; bert: fp32, int8
    layers: int = 12
    trained: bool = False  # derived from the trained NCBI pipeline (F1 is measured)
    notes: list[str] = field(default_factory=list)


PIPELINES = CACHE / "pipelines"
BATCH_SIZE = 64


def pipeline_path(spec: PipelineSpec, trained: str | Path | None) -> Path:
    """Where ``spec`` is saved: variants of a trained pipeline under a tag of that pipeline
    (path and modification time), so a newer training run never meets stale copies."""
    slug = re.sub(r"[^a-z0-9]+", "-", spec.name.lower()).strip("-")
    if spec.trained and trained:
        source = Path(trained).resolve()
        stamp = f"{source}:{(source / 'config.cfg').stat().st_mtime_ns}"
        return PIPELINES / f"trained-{hashlib.sha1(stamp.encode()).hexdigest()[:8]}" / slug
    return PIPELINES / "random" / slug


def init_examples(n: int = 40) -> list[Any]:
    """A few NCBI-disease train examples: enough for ``nlp.initialize`` to see the label."""
    import spacy
    from prepare import convert_ncbi
    from spacy.tokens import DocBin
    from spacy.training import Example

    nlp = spacy.blank("en")
    docs = list(DocBin().from_disk(convert_ncbi("train")).get_docs(nlp.vocab))[:n]
    return [Example(nlp.make_doc(doc.text), doc) for doc in docs]


def _examples_for(nlp: Any, n: int = 40) -> list[Any]:
    from spacy.training import Example

    return [
        Example.from_dict(
            nlp.make_doc(eg.reference.text),
            {"entities": [(e.start_char, e.end_char, e.label_) for e in eg.reference.ents]},
        )
        for eg in init_examples(n)
    ]


def _bert_directory(layers: int) -> Path:
    """A random BERT (cased 28,996 vocabulary of the benchmark) saved for spacy-transformers."""
    import torch
    from transformers import BertConfig, BertModel, BertTokenizerFast

    target = CACHE / f"bert-{layers}L"
    if not (target / "config.json").is_file():
        torch.manual_seed(0)
        config = BertConfig(
            vocab_size=28996,
            hidden_size=HIDDEN,
            num_hidden_layers=layers,
            num_attention_heads=12,
            intermediate_size=FFN,
        )
        BertModel(config).save_pretrained(target, safe_serialization=True)
        tokenizer = BertTokenizerFast(
            vocab_file=str(CACHE / "vocab" / "vocab.txt"), do_lower_case=False
        )
        tokenizer.model_max_length = 512
        tokenizer.save_pretrained(target)
    return target


def _config_from(base: str, overrides: dict[str, Any]) -> Any:
    from spacy.util import load_config

    config = load_config(ROOT / "benchmarks" / base)
    for dotted, value in overrides.items():
        node = config
        *parents, leaf = dotted.split(".")
        for key in parents:
            node = node[key]
        node[leaf] = value
    return config


def _stock_transformer_config(directory: Path) -> dict[str, Any]:
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


def build_pipeline(spec: PipelineSpec, trained: Path | None, act_depth: float) -> Path:
    """Create (once) and save the pipeline ``spec`` names; returns its directory."""
    import spacy

    target = pipeline_path(spec, trained)
    if (target / "config.cfg").is_file():
        return target
    if spec.kind == "minialbert":
        nlp = _minialbert_pipeline(spec, trained, act_depth)
    elif spec.kind == "bert":
        config = _config_from("ner_312.cfg", {})
        config["components"]["transformer"]["model"] = _stock_transformer_config(
            _bert_directory(spec.layers)
        )
        nlp = spacy.util.load_model_from_config(config.interpolate(), auto_fill=True)
        nlp.initialize(lambda: _examples_for(nlp))
    elif spec.kind == "cnn":
        config = spacy.util.load_config(ROOT / "benchmarks" / "ner_cnn.cfg")
        nlp = spacy.util.load_model_from_config(config.interpolate(), auto_fill=True)
        nlp.initialize(lambda: _examples_for(nlp))
    else:
        raise ValueError(spec.kind)
    nlp.batch_size = BATCH_SIZE
    target.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(target)
    return target


def _minialbert_pipeline(spec: PipelineSpec, trained: Path | None, act_depth: float) -> Any:
    import spacy

    from spacy_minialbert.compression.pipeline import compress_pipeline

    transformer = "components.transformer.model"
    if spec.variant == "act" or trained is None:
        from prepare import build_backbone

        act = spec.variant == "act"
        backbone = CACHE / ("backbone-312-act" if act else "backbone-312")
        if not (backbone / "config.json").is_file():
            build_backbone(backbone, use_act=act)
        config = _config_from("ner_312.cfg", {"paths.backbone": str(backbone)})
        nlp = spacy.util.load_model_from_config(config.interpolate(), auto_fill=True)
        nlp.initialize(lambda: _examples_for(nlp))
        if act:
            model = nlp.get_pipe("transformer").model.transformer
            calibrate_halting(model, act_depth)
        if spec.variant in ("fp32", "act"):
            return nlp
        base: Path = PIPELINES / "random" / "_base"
        nlp.to_disk(base)
    else:
        base = trained
    if spec.variant == "fp32":
        return spacy.load(base)
    if spec.variant == "int8":
        nlp = spacy.load(base)
        compress_pipeline(nlp, int8=True, storage_dtype="float16")
        return nlp
    if spec.variant == "fp16-storage":
        nlp = spacy.load(base)
        compress_pipeline(nlp, int8=False, storage_dtype="float16")
        return nlp
    if spec.variant == "bf16":
        nlp = spacy.load(base, config={transformer: {"inference_dtype": "bfloat16"}})
        compress_pipeline(nlp, int8=False, storage_dtype="float16")
        return nlp
    raise ValueError(spec.variant)


def load_pipeline(spec: PipelineSpec, trained: str | None) -> Any:
    import spacy

    nlp = spacy.load(pipeline_path(spec, trained))
    if spec.kind == "bert" and spec.variant == "int8":
        # Stock spacy-transformers cannot save int8 layers: quantize after loading, with the
        # same kernel and per-channel scheme as ours.
        from spacy_minialbert.compression import quantize_linears

        transformer = nlp.get_pipe("transformer").model.transformer
        quantize_linears(transformer)
    return nlp


def count_words(texts: list[str]) -> int:
    return sum(len(text.split()) for text in texts)


def run_pipe(nlp: Any, texts: list[str]) -> None:
    for _ in nlp.pipe(texts, batch_size=BATCH_SIZE):
        pass


def evaluate_f1(nlp: Any) -> dict[str, float]:
    """NER precision, recall and F1 (percent) on NCBI-disease devel."""
    from prepare import convert_ncbi
    from spacy.tokens import DocBin
    from spacy.training import Example

    gold = list(DocBin().from_disk(convert_ncbi("devel")).get_docs(nlp.vocab))
    examples = [Example(nlp.make_doc(doc.text), doc) for doc in gold]
    scores = nlp.evaluate(examples, batch_size=BATCH_SIZE)
    return {k: 100 * float(scores[k] or 0.0) for k in ("ents_p", "ents_r", "ents_f")}


def act_depth_of(nlp: Any, texts: list[str]) -> float | None:
    """Mean recursions per real wordpiece of an ACT pipeline over ``texts``."""
    import numpy as np

    transformer = nlp.get_pipe("transformer")
    if not getattr(transformer.model.transformer.config, "use_act", False):
        return None
    total, count = 0.0, 0
    for doc in nlp.pipe(texts, batch_size=BATCH_SIZE):
        output = doc._.trf_data.model_output
        if "updates" not in output:
            return None
        mask = np.asarray(doc._.trf_data.wordpieces.attention_mask).astype(bool)
        updates = np.asarray(output["updates"])
        total += float(updates[mask].sum())
        count += int(mask.sum())
    return total / max(count, 1)


# --------------------------------------------------------------------------------------------
# Adapter-only training against full fine-tuning.


def training_setup(base: Path, adapters_only: bool) -> tuple[Any, Any, dict[str, int]]:
    import spacy

    nlp = spacy.load(
        base,
        config={
            "components.transformer.model": {
                "adapters_only": adapters_only,
                "quantize": False,
                "inference_dtype": "float32",
            }
        },
    )
    transformer = nlp.get_pipe("transformer").model.transformer
    if adapters_only:
        transformer.train_adapters_only()
    counts = {
        "trainable": sum(p.numel() for p in transformer.parameters() if p.requires_grad),
        "total": sum(p.numel() for p in transformer.parameters()),
    }
    # The same optimiser for both modes (the saved pipeline's own may reference settings
    # that only exist before interpolation).
    from thinc.api import Adam

    return nlp, Adam(2e-4), counts


def training_step(nlp: Any, optimizer: Any, examples: list[Any]) -> None:
    nlp.update(examples, sgd=optimizer, drop=0.1, losses={})


# --------------------------------------------------------------------------------------------
# Machine.


def gemm_rate(dtype: str = "fp32", repeats: int = 5) -> float:
    """Best GFLOP/s of matrix products shaped like the encoders' (M = 8 x 128 tokens) and one
    large square product, through both kernels PyTorch offers on CPU (MKL's ``mm`` and
    oneDNN's prepacked linear): the machine's practical matmul ceiling."""
    import torch

    torch_dtype = {"fp32": torch.float32, "bf16": torch.bfloat16}[dtype]
    best = 0.0
    for m, k, n in ((1024, 768, 3072), (1024, 3072, 768), (1024, 768, 2304), (2048, 2048, 2048)):
        a = torch.randn(m, k).to(torch_dtype)
        b = torch.randn(k, n).to(torch_dtype)
        packed = torch.ops.mkldnn._reorder_linear_weight(b.t().contiguous(), None)
        kernels = (
            lambda a=a, b=b: a @ b,
            lambda a=a, w=packed: torch.ops.mkldnn._linear_pointwise(a, w, None, "none", [], ""),
        )
        for kernel in kernels:
            with torch.inference_mode():
                for _ in range(2):
                    kernel()
                start = time.perf_counter()
                for _ in range(repeats):
                    kernel()
                elapsed = (time.perf_counter() - start) / repeats
            best = max(best, 2 * m * n * k / elapsed / 1e9)
    return best


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def timed(call: Callable[[], Any], min_seconds: float) -> tuple[float, int]:
    """Run ``call`` until at least ``min_seconds`` have passed; (seconds, calls)."""
    start = time.perf_counter()
    calls = 0
    while True:
        call()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return elapsed, calls


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def spread(values: list[float]) -> float:
    """Half the range relative to the median: how much the rounds disagreed."""
    if len(values) < 2:
        return 0.0
    return (max(values) - min(values)) / 2 / median(values)
