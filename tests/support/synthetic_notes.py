"""Synthetic clinical notes: training data for the tiny test pipeline, and the notes the annotate
tests run on. Invented text; the mentions the tests check ("chest pain" after "denies", "diabetes"
in a family history) are in the training data in many contexts, so the tiny ner learns them."""

from __future__ import annotations

import random

from spacy.tokens import DocBin

PROBLEMS = ["chest pain", "diabetes", "hypertension", "asthma", "pneumonia", "dyspnea", "fever"]
TREATMENTS = ["aspirin", "metformin", "antibiotics"]
CARDIO = {"chest pain", "hypertension", "dyspnea"}
HEADERS = {
    "complaint": ["CHIEF COMPLAINT:", "Chief Complaint:"],
    "family": ["FAMILY HISTORY:", "Family History:"],
    "history": ["PAST MEDICAL HISTORY:", "Past Medical History:"],
    "hpi": ["HISTORY OF PRESENT ILLNESS:", "HPI:"],
}
# Sentences with one problem ({p}) and possibly a treatment ({t}); "[**...**]" are MIMIC
# placeholders, single tokens under the clinical tokenizer.
SENTENCES = {
    "complaint": ["Patient denies {p} .", "Reports {p} .", "No {p} .", "Denies {p} today ."],
    "family": ["Mother has {p} .", "Father with {p} .", "Sister has {p} ."],
    "history": ["History of {p} .", "{P} , treated with {t} .", "Known {p} ."],
    "hpi": [
        "Admitted on [**2150-3-4**] with {p} , given {t} .",
        "Seen by Dr. [**First Name (Titles) **] for {p} .",
        "The patient has {p} and was given {t} daily .",
    ],
}

# A note for the annotate tests (a CSV row, a file of the folder): every check has a mention.
TEST_NOTE = (
    "CHIEF COMPLAINT:\n"
    "Patient denies chest pain .\n"
    "\n"
    "FAMILY HISTORY:\n"
    "Mother has diabetes .\n"
    "\n"
    "HISTORY OF PRESENT ILLNESS:\n"
    "Admitted on [**2150-3-4**] with pneumonia , given antibiotics .\n"
)


def synthetic_note(rng: random.Random) -> tuple[str, list[tuple[str, str]], bool]:
    """A note of three or four sections; its mentions (text, label) in order; cardio or not."""
    parts: list[str] = []
    mentions: list[tuple[str, str]] = []
    kinds = rng.sample(list(SENTENCES), k=rng.choice([3, 4]))
    for kind in kinds:
        problem, treatment = rng.choice(PROBLEMS), rng.choice(TREATMENTS)
        template = rng.choice(SENTENCES[kind])
        sentence = template.format(p=problem, P=problem.capitalize(), t=treatment)
        parts.append(f"{rng.choice(HEADERS[kind])}\n{sentence}\n")
        mentions.append((problem.capitalize() if "{P}" in template else problem, "PROBLEM"))
        if "{t}" in template:
            mentions.append((treatment, "TREATMENT"))
    cardio = any(text.lower() in CARDIO for text, _ in mentions)
    return "\n".join(parts), mentions, cardio


def synthetic_docbin(nlp, n: int, seed: int) -> DocBin:
    """``n`` annotated notes, tokenised by ``nlp`` (the pipeline's own tokenizer)."""
    rng = random.Random(seed)
    docbin = DocBin()
    for _ in range(n):
        text, mentions, cardio = synthetic_note(rng)
        doc = nlp.make_doc(text)
        spans, position = [], 0
        for mention, label in mentions:
            start = text.index(mention, position)
            position = start + len(mention)
            span = doc.char_span(start, position, label=label)
            assert span is not None, (text, mention)
            spans.append(span)
        doc.ents = spans
        doc.cats = {"CARDIO": float(cardio), "OTHER": float(not cardio)}
        docbin.add(doc)
    return docbin
