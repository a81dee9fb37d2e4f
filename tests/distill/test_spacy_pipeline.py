"""A distilled student as the backbone of a spaCy pipeline, through the registered
architecture ``spacy-minialbert.MiniAlbertTransformer.v1``."""

from __future__ import annotations

from pathlib import Path

import torch

from tests.support.pipelines import transformer_only_pipeline


def test_the_student_runs_in_a_spacy_pipeline(distilled: Path, tmp_path: Path) -> None:
    import spacy
    from transformers import AutoTokenizer

    from spacy_minialbert import MiniAlbertModel

    nlp = transformer_only_pipeline(distilled, window=64, stride=48)
    text = "the patient was seen in the clinic for chest pain ."
    doc = nlp(text)
    hidden = doc._.trf_data.model_output.last_hidden_state
    tokenizer = AutoTokenizer.from_pretrained(str(distilled))
    batch = tokenizer([text], return_tensors="pt")
    assert hidden.shape == (1, batch["input_ids"].shape[1], 32)
    # The pipeline computes what the distilled weights compute.
    model = MiniAlbertModel.from_pretrained(str(distilled))
    with torch.no_grad():
        expected = model(**batch).last_hidden_state.numpy()
    assert abs(hidden - expected).max() < 1e-5
    nlp.to_disk(tmp_path / "pipeline")
    reloaded = spacy.load(tmp_path / "pipeline")
    again = reloaded(text)._.trf_data.model_output.last_hidden_state
    assert abs(again - hidden).max() < 1e-5
