"""No transformer window may exceed the model's maximum length (truncation loses entities)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import spacy

# Words outside the toy vocabulary become one wordpiece per character, so 32-token windows of
# them run to hundreds of wordpieces against a maximum of 64.
LONG_WORDS = " ".join(["zzzzzzzzzz"] * 200) + "   \n\n\n      " + "=" * 30 + " asthma ."


def test_oversized_windows_are_split_not_truncated(trained: Path) -> None:
    nlp = spacy.load(trained)
    assert nlp.get_pipe("transformer").model.tokenizer.model_max_length == 64
    doc = nlp(LONG_WORDS)
    data = doc._.trf_data
    assert data.wordpieces.input_ids.shape[1] <= 64
    lengths = data.align.lengths
    for token, n_pieces in zip(doc, lengths, strict=True):
        if not token.is_space:
            assert n_pieces > 0, f"token {token.i} {token.text!r} got no wordpieces"
    # The last token's vector comes from the model, not from a truncated (absent) wordpiece.
    last = doc[-2]
    rows = data.align[last.i].dataXd.ravel()
    vectors = data.model_output.last_hidden_state.reshape(-1, 32)[rows]
    assert np.abs(vectors).sum() > 0


def test_single_overlong_token_is_logged(trained: Path, caplog) -> None:
    nlp = spacy.load(trained)
    with caplog.at_level("WARNING", logger="spacy_minialbert.pipeline.windows"):
        nlp("see http://x.org/" + "a/" * 40 + " for asthma")  # one spaCy token (a URL)
    assert "alone has more than 64 wordpieces" in caplog.text
