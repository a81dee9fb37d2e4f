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


def test_single_overlong_token_is_recorded_and_logged_without_its_text(
    trained: Path, caplog
) -> None:
    nlp = spacy.load(trained)
    url = "http://x.org/" + "a/" * 40  # one spaCy token, one wordpiece per character after x.org
    text = f"see {url} for asthma"
    with caplog.at_level("WARNING", logger="spacy_minialbert.pipeline.windows"):
        doc = nlp(text)
    (cut,) = doc._.truncated_tokens
    assert text[cut["start"] : cut["end"]] == url == doc[cut["token"]].text
    # Measured alone, as the tokenizer sees it; the model saw as many as fit in its window
    # between the two special tokens.
    tokenizer = nlp.get_pipe("transformer").model.tokenizer
    assert cut["wordpieces"] == len(tokenizer(url, add_special_tokens=False)["input_ids"]) > 64
    assert cut["kept"] == 62 == doc._.trf_data.align[cut["token"]].lengths.sum()
    assert f"characters {cut['start']}-{cut['end']}" in caplog.text
    assert "x.org" not in caplog.text and "a/a/" not in caplog.text  # offsets, never text
    assert nlp("asthma .")._.truncated_tokens == []
