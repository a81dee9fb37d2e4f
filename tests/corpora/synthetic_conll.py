"""A synthetic corpus shaped like BioCreative V CDR as distributed in CoNLL form: one token and its
tag per line, a blank line between sentences, no ``-DOCSTART-`` lines, ``B-``/``I-`` tags for
Chemical and Disease mentions (about one token in eight inside a mention, as in CDR)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

_WORDS = (
    "the", "of", "and", "in", "with", "patients", "was", "were", "to", "a", "after", "induced",
    "by", "treatment", "effects", "rats", "dose", "study", "group", "increased", "observed",
    "associated", "risk", "administration", "levels", "significant", "reported", "cases",
    "during", "therapy", "acute", "chronic", "following", "mg/kg", "daily", "compared", "control",
)  # fmt: skip
_CHEMICALS = (
    "cocaine", "lithium", "haloperidol", "cisplatin", "nicotine", "dopamine", "morphine",
    "warfarin", "tacrolimus", "methotrexate", "5-fluorouracil", "vitamin D",
    "angiotensin II", "valproic acid", "gentamicin sulfate",
)  # fmt: skip
_DISEASES = (
    "hypertension", "seizures", "nephrotoxicity", "cardiac arrhythmia", "hepatitis",
    "renal failure", "myocardial infarction", "tardive dyskinesia", "pain", "bradycardia",
    "acute kidney injury", "neuroleptic malignant syndrome", "hypotension", "delirium",
)  # fmt: skip


@dataclass(frozen=True)
class SyntheticCorpus:
    path: Path
    lines: int
    sentences: int
    tokens: int
    mentions: int  # B- tags written, so entities a converter must account for


def write_cdr_like(path: Path, lines: int, *, seed: int = 0) -> SyntheticCorpus:
    """Write about ``lines`` lines (never fewer) of CDR-like CoNLL to ``path``."""
    rng = random.Random(seed)
    written = sentences = tokens = mentions = 0
    with path.open("w", encoding="utf8") as handle:
        while written < lines:
            sentence: list[tuple[str, str]] = []
            for _ in range(rng.randint(6, 24)):
                roll = rng.random()
                if roll < 0.05:
                    sentence += _mention(rng.choice(_CHEMICALS), "Chemical")
                elif roll < 0.10:
                    sentence += _mention(rng.choice(_DISEASES), "Disease")
                else:
                    sentence.append((rng.choice(_WORDS), "O"))
            sentence.append((".", "O"))
            handle.write("".join(f"{token}\t{tag}\n" for token, tag in sentence) + "\n")
            written += len(sentence) + 1
            sentences += 1
            tokens += len(sentence)
            mentions += sum(tag.startswith("B-") for _, tag in sentence)
    return SyntheticCorpus(path, written, sentences, tokens, mentions)


def _mention(surface: str, label: str) -> list[tuple[str, str]]:
    words = surface.split()
    return [(word, ("B-" if i == 0 else "I-") + label) for i, word in enumerate(words)]
