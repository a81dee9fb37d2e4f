"""Doc and Token extensions set by the MiniALBERT transformer.

``doc._.act_updates``: mean number of shared-layer applications per real wordpiece, over all
transformer windows of the doc. ``token._.act_updates``: the same over the wordpieces aligned to
the token (several windows may cover it). Both are ``None`` for models without a halting unit
and for docs or tokens without wordpieces; they read ``doc._.trf_data``, so the ``transformer``
component must have run.

``doc._.truncated_tokens``: the tokens the model saw only in part, each alone longer than the
model's maximum length (a 50,000-character ``=====`` line): ``{"token", "start", "end",
"wordpieces", "kept"}`` with the token's index and character offsets, its wordpieces and how
many of them the model saw. An empty list when nothing was cut; ``None`` when no MiniALBERT
transformer has processed the doc."""

from __future__ import annotations

from typing import Any

import numpy as np
from spacy.tokens import Doc, Token


def _updates(doc: Doc) -> tuple[np.ndarray, Any] | None:
    data = getattr(doc._, "trf_data", None)
    if data is None or "updates" not in data.model_output:
        return None
    return np.asarray(data.model_output["updates"]), data


def doc_act_updates(doc: Doc) -> float | None:
    found = _updates(doc)
    if found is None:
        return None
    updates, data = found
    real = np.asarray(data.wordpieces.attention_mask).astype(bool)
    return float(updates[real].mean()) if real.any() else None


def token_act_updates(token: Token) -> float | None:
    found = _updates(token.doc)
    if found is None:
        return None
    updates, data = found
    rows = np.asarray(data.align[token.i].dataXd).ravel()
    return float(updates.ravel()[rows].mean()) if rows.size else None


def register_extensions() -> None:
    """Idempotent; called when the architectures are imported."""
    if not Doc.has_extension("act_updates"):
        Doc.set_extension("act_updates", getter=doc_act_updates)
    if not Token.has_extension("act_updates"):
        Token.set_extension("act_updates", getter=token_act_updates)
    if not Doc.has_extension("truncated_tokens"):
        # Set by the transformer's forward pass (pipeline/windows.py); no mutable default, which
        # spaCy would share between docs.
        Doc.set_extension("truncated_tokens", default=None)
