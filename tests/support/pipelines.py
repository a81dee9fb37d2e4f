"""Building, training and inspecting tiny pipelines in tests."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import spacy
from spacy.tokens import DocBin

DATA = Path(__file__).parent.parent / "data"
TINY_CONFIG = DATA / "tiny" / "ner_textcat.cfg"
PROBLEMS = ["chest pain", "dyspnea", "diabetes mellitus", "hypertension", "asthma", "pneumonia"]
TREATMENTS = ["aspirin", "metformin", "antibiotics"]
TEXTS = [
    "the patient has chest pain and was given aspirin daily .",
    "no fever . mri brain showed lesion , treated with metformin for stroke .",
    "history of asthma , given antibiotics for pneumonia .",
]


def synthetic_docbin(n: int, seed: int) -> DocBin:
    """Sentences with PROBLEM/TREATMENT entities and exclusive CARDIO/NEURO categories."""
    nlp = spacy.blank("en")
    rng = random.Random(seed)
    docbin = DocBin()
    for _ in range(n):
        problem, treatment = rng.choice(PROBLEMS), rng.choice(TREATMENTS)
        cardio = rng.random() < 0.5
        text = (
            f"the patient has {problem} and was given {treatment} daily ."
            if cardio
            else f"no fever . mri brain showed lesion , treated with {treatment} for {problem} ."
        )
        doc = nlp(text)
        spans = []
        for phrase, label in ((problem, "PROBLEM"), (treatment, "TREATMENT")):
            start = text.index(phrase)
            spans.append(doc.char_span(start, start + len(phrase), label=label))
        doc.ents = sorted(spans, key=lambda span: span.start)
        doc.cats = {"CARDIO": float(cardio), "NEURO": float(not cardio)}
        docbin.add(doc)
    return docbin


def train_tiny(
    output: Path,
    corpus: dict[str, Path],
    backbone: Path,
    config: Path = TINY_CONFIG,
    **overrides: object,
) -> Path:
    """`spacy train` on the tiny config (or ``config``, a variant of it), in process; returns
    model-last."""
    from spacy.cli.train import train

    train(
        config,
        output,
        overrides={
            "paths.train": str(corpus["train"]),
            "paths.dev": str(corpus["dev"]),
            "paths.backbone": str(backbone),
            **overrides,
        },
    )
    return output / "model-last"


Annotations = tuple[dict, list[np.ndarray]]

# Runs in a fresh interpreter that never imports spacy_minialbert itself: spaCy must find the
# architecture through the entry point, offline.
FRESH_PROCESS_SCRIPT = """
import json, sys
import numpy as np
import spacy
nlp = spacy.load(sys.argv[1])
docs = list(nlp.pipe(json.loads(sys.argv[2])))
out = {
    "ents": [[[e.start_char, e.end_char, e.label_] for e in d.ents] for d in docs],
    "cats": [d.cats for d in docs],
}
np.savez(sys.argv[3], *[d._.trf_data.model_output.last_hidden_state for d in docs])
print(json.dumps(out))
"""


def annotate(nlp: spacy.Language, texts: list[str] = TEXTS) -> Annotations:
    docs = list(nlp.pipe(texts))
    return (
        {
            "ents": [[[e.start_char, e.end_char, e.label_] for e in d.ents] for d in docs],
            "cats": [d.cats for d in docs],
        },
        [d._.trf_data.model_output.last_hidden_state for d in docs],
    )


def annotate_in_fresh_process(path: Path, scratch: Path, texts: list[str] = TEXTS) -> Annotations:
    tensors = scratch / "tensors.npz"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    result = subprocess.run(
        [sys.executable, "-c", FRESH_PROCESS_SCRIPT, str(path), json.dumps(texts), str(tensors)],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    arrays = np.load(tensors)
    return json.loads(result.stdout.strip().splitlines()[-1]), [arrays[k] for k in arrays.files]


def assert_same(a: Annotations, b: Annotations) -> None:
    assert a[0]["ents"] == b[0]["ents"]
    for cats_a, cats_b in zip(a[0]["cats"], b[0]["cats"], strict=True):
        assert cats_a.keys() == cats_b.keys()
        assert all(abs(cats_a[k] - cats_b[k]) < 1e-6 for k in cats_a)
    assert len(a[1]) == len(b[1])
    for x, y in zip(a[1], b[1], strict=True):
        np.testing.assert_allclose(x, y, atol=1e-6)


def is_adapter(key: str) -> bool:
    return key.startswith(("encoder.attention_adapters.", "encoder.ffn_adapters."))


def transformer_state(path: Path) -> dict:
    model = spacy.load(path).get_pipe("transformer").model.transformer
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def build_tiny_backbone(target: Path) -> Path:
    """Save a tiny MiniALBERT (hidden 32, 2 recursions, 64 positions, adapters) in our format,
    with the toy WordPiece vocabulary."""
    from transformers import BertTokenizerFast

    from spacy_minialbert import MiniAlbertConfig, MiniAlbertModel

    tokenizer = BertTokenizerFast(vocab_file=str(DATA / "tiny" / "vocab.txt"))
    config = MiniAlbertConfig(
        vocab_size=len(tokenizer), embedding_size=16, hidden_size=32, num_hidden_layers=2,
        num_attention_heads=2, intermediate_size=64, reduction_factor=4,
        max_position_embeddings=64,
    )  # fmt: skip
    MiniAlbertModel(config).save_pretrained(target)
    tokenizer.save_pretrained(target)
    return target


TRANSFORMER_ONLY = """
[nlp]
lang = "en"
pipeline = ["transformer"]

[components]

[components.transformer]
factory = "transformer"

[components.transformer.model]
@architectures = "spacy-minialbert.MiniAlbertTransformer.v1"
name = "{name}"

[components.transformer.model.get_spans]
@span_getters = "spacy-transformers.strided_spans.v1"
window = {window}
stride = {stride}
"""


def transformer_only_pipeline(backbone: Path, window: int = 32, stride: int = 24) -> spacy.Language:
    """An initialised pipeline with only the MiniALBERT transformer, loaded from ``backbone``."""
    config = spacy.util.load_config_from_str(
        TRANSFORMER_ONLY.format(name=backbone, window=window, stride=stride)
    )
    nlp = spacy.util.load_model_from_config(config, auto_fill=True)
    nlp.initialize()
    return nlp
