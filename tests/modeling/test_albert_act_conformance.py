"""ALBERT-ACT checkpoints (asi/albert-act-* layout) against the reference outputs."""

from __future__ import annotations

import json
from pathlib import Path

import torch

from spacy_minialbert import MiniAlbertModel
from tests.support.tensors import as_tensor


def test_albert_act_matches_reference_on_real_tokens(conformance_dir: Path) -> None:
    directory = conformance_dir / "albert_act"
    expected = json.loads((directory / "expected.json").read_text())
    model = MiniAlbertModel.from_pretrained(str(directory / "tiny_albert_act"))
    assert model.config.use_act and model.config.act_epsilon == 0.01
    input_ids = torch.tensor(expected["inputs"]["input_ids"])
    mask = torch.tensor(expected["inputs"]["attention_mask"])
    real = mask.bool()
    for grad in (False, True):  # the skipping inference path and the dense training path
        with torch.set_grad_enabled(grad):
            if grad:
                model.train()  # dropout is 0 in this checkpoint, so training mode is exact
            out = model(input_ids, attention_mask=mask)
        model.eval()
        hidden = as_tensor(expected["outputs"]["last_hidden_state"])
        updates = as_tensor(expected["outputs"]["updates"])
        assert torch.allclose(out.last_hidden_state.detach()[real], hidden[real], atol=1e-5)
        assert torch.equal(out.updates[real], updates[real])
        # Padding starts halted here (the reference lets it run): no updates at all.
        assert torch.equal(out.updates[~real], torch.zeros_like(out.updates[~real]))
