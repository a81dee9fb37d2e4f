"""Write the saved pipelines that ``test_saved_pipeline_compat.py`` loads, and their outputs.

Run once, with the version whose format they pin (spacy-minialbert 0.1.0, before the spaCy
layer moved onto public spacy-transformers and thinc APIs):

    OMP_NUM_THREADS=1 .venv/bin/python -m tests.pipeline.make_saved_pipelines

It writes under ``tests/data/``:

* ``saved_pipeline_v0_1/``: transformer + ner + textcat (listeners), trained 48 steps;
* ``saved_pipeline_tok2vec_v0_1/``: the same with ner's listener replaced by its own copy of the
  transformer (``spacy-minialbert.MiniAlbertTok2Vec.v1``);
* ``saved_pipeline_int8_v0_1/``: the same compressed as ``spacy-minialbert quantize`` does
  (int8 linear layers, float16 storage: format ``spacy-minialbert/2``);

each with ``expected.json`` (entities, categories, truncated tokens) and ``expected.npz`` (the
transformer's ``last_hidden_state`` per text), computed by loading the saved pipeline back with
``spacy.load``. int8 outputs are computed with 7-bit activations (``reduce_range``), which every
x86 CPU computes alike; the default follows the CPU (8 bits only where it has VNNI).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import spacy
import torch

DATA = Path(__file__).parent.parent / "data"
TEXTS = [
    "the patient has chest pain and was given aspirin daily .",
    # Longer than one window (32 tokens, stride 24): overlapping windows are averaged.
    "history of asthma , given antibiotics for pneumonia . no fever . mri brain showed lesion , "
    "treated with metformin for stroke . the patient has diabetes mellitus and hypertension "
    "and was given aspirin daily . family history of heart disease .",
    # A token with more wordpieces than the model's 64 positions: split windows, one cut token.
    "no fever . " + "-" * 80 + " treated with antibiotics for pneumonia .",
]
BACKBONE_SEED = 0
# Enough for the ner to find entities in TEXTS; spacy train is seeded (system.seed).
TRAINING_STEPS = 48


def set_reduce_range(nlp: spacy.Language, reduce_range: bool) -> int:
    """Fix the activation precision of the transformer's int8 layers; returns how many."""
    from spacy_minialbert.compression import Int8DynamicLinear

    count = 0
    for module in nlp.get_pipe("transformer").model.transformer.modules():
        if isinstance(module, Int8DynamicLinear):
            module.reduce_range = reduce_range
            count += 1
    return count


def outputs(nlp: spacy.Language) -> tuple[dict[str, Any], list[np.ndarray]]:
    docs = list(nlp.pipe(TEXTS))
    expected = {
        "texts": TEXTS,
        "ents": [[[e.start_char, e.end_char, e.label_] for e in doc.ents] for doc in docs],
        "cats": [doc.cats for doc in docs],
        "truncated_tokens": [doc._.truncated_tokens for doc in docs],
    }
    return expected, [np.asarray(doc._.trf_data.model_output.last_hidden_state) for doc in docs]


def write(nlp: spacy.Language, target: Path, *, int8: bool = False) -> None:
    if target.exists():
        shutil.rmtree(target)
    # The backbone's training-time location means nothing once the weights are in the pipeline.
    for name in nlp.component_names:
        model = nlp.get_pipe_config(name).get("model", {})
        for block in (model, model.get("tok2vec", {})):
            if "name" in block and block.get("@architectures", "").startswith("spacy-minialbert"):
                block["name"] = "tiny-minialbert"
    nlp.to_disk(target)
    loaded = spacy.load(target)
    if int8:
        assert set_reduce_range(loaded, True) > 0
    expected, hidden = outputs(loaded)
    expected["int8_reduce_range"] = int8
    (target / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")
    np.savez_compressed(target / "expected.npz", *hidden)


def main() -> None:
    from spacy_minialbert.pipeline.compress import compress_pipeline
    from tests.support.pipelines import build_tiny_backbone, synthetic_docbin, train_tiny

    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp)
        corpus = {"train": root / "train.spacy", "dev": root / "dev.spacy"}
        synthetic_docbin(40, seed=0).to_disk(corpus["train"])
        synthetic_docbin(10, seed=1).to_disk(corpus["dev"])
        torch.manual_seed(BACKBONE_SEED)
        backbone = build_tiny_backbone(root / "tiny-minialbert")
        trained = train_tiny(
            root / "training", corpus, backbone, **{"training.max_steps": TRAINING_STEPS}
        )
        trained_nlp = spacy.load(trained)
        trained_nlp.config["paths"].update({"train": None, "dev": None, "backbone": ""})

        write(trained_nlp, DATA / "saved_pipeline_v0_1")

        replaced = spacy.load(DATA / "saved_pipeline_v0_1")
        replaced.replace_listeners("transformer", "ner", ["model.tok2vec"])
        write(replaced, DATA / "saved_pipeline_tok2vec_v0_1")

        compressed = spacy.load(DATA / "saved_pipeline_v0_1")
        compress_pipeline(compressed, int8=True, storage_dtype="float16")
        write(compressed, DATA / "saved_pipeline_int8_v0_1", int8=True)


if __name__ == "__main__":
    main()
