"""Putting medspaCy's sectionizer and ConText (and target rules) around a trained pipeline.

The result, for a pipeline ``transformer, ner, textcat``::

    transformer, ner, textcat,
    minialbert_target_matcher      (only with target rules: entities the model did not find)
    minialbert_clinical_sentencizer (unless the pipeline already sets sentence boundaries)
    medspacy_sectionizer            (section of every token; header lines become sentences)
    medspacy_context                (negated, hypothetical, historical, family, uncertain)

The tokenizer is never touched: ``medspacy.load(nlp)`` would replace it with medspaCy's, and the
``ner`` would then see other tokens than it was trained on. Every component added here saves with
the pipeline (PyRuSH cannot, so it is refused), and the pipeline's config gains the
``before_creation`` callback that makes ``spacy.load`` find medspaCy without an import.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .registration import callback_config, register_medical_factories
from .sentences import FACTORY_NAME as SENTENCIZER

if TYPE_CHECKING:
    from spacy.language import Language

CONTEXT = "medspacy_context"
SECTIONIZER = "medspacy_sectionizer"
TARGET_MATCHER = "minialbert_target_matcher"
ADDED = (TARGET_MATCHER, SENTENCIZER, SECTIONIZER, CONTEXT)
# Components that already give a doc sentence boundaries (a parser forbids setting them later).
SENTENCE_SETTERS = ("parser", "senter", "sentencizer", SENTENCIZER)
# medspaCy's newline pattern ends in "$", which confection's config writer mangles ("$$", then
# "\x01" on reload); "\Z" means the same here and survives saving.
NEWLINE_PATTERN = r"[\n\r]+[\s]*\Z"


def add_clinical_context(
    nlp: Language,
    *,
    sections: bool = True,
    context: bool = True,
    target_rules: str | Path | None = None,
) -> Language:
    """Add sentence boundaries, medspaCy's sectionizer (``sections``), ConText (``context``) and,
    from a medspaCy target-rule JSON file, rule-based entities (``target_rules``) to ``nlp``, in
    place; returns ``nlp``. Save it with ``nlp.to_disk``: the result loads with ``spacy.load``
    in a fresh process."""
    register_medical_factories()
    _check(nlp, target_rules, sections, context)
    factories = set(nlp.pipe_factories.values())
    if target_rules is not None:
        from .target_rules import SavedTargetMatcher, read_target_rules

        rules = read_target_rules(target_rules)
        # Right after the last component that sets entities: the model's entities are in place
        # and win any overlap.
        setters = _entity_setters(nlp)
        matcher = nlp.add_pipe(TARGET_MATCHER, after=setters[-1] if setters else None)
        assert isinstance(matcher, SavedTargetMatcher)
        matcher.add(rules)
    parsed = "parser" in factories
    if not factories.intersection(SENTENCE_SETTERS):
        nlp.add_pipe(SENTENCIZER)
    if sections:
        nlp.add_pipe(
            SECTIONIZER,
            # A header becomes its own sentence, so a modifier cannot reach across it; a parse
            # forbids changing sentence boundaries.
            config={"apply_sentence_boundary": not parsed, "newline_pattern": NEWLINE_PATTERN},
        )
    if context:
        nlp.add_pipe(CONTEXT)
    config = nlp.config
    config["nlp"]["before_creation"] = callback_config(config["nlp"].get("before_creation"))
    nlp.config = config
    return nlp


def _check(nlp: Language, target_rules: str | Path | None, sections: bool, context: bool) -> None:
    factories = nlp.pipe_factories
    if not (sections or context or target_rules is not None):
        raise ValueError("Nothing to add: sections, ConText and target rules are all off.")
    present = [name for name, factory in factories.items() if factory in ADDED]
    if present:
        raise ValueError(
            f"The pipeline already has {', '.join(present)}: add the clinical components to the "
            "trained pipeline, not to one that has them."
        )
    if "medspacy_pyrush" in factories.values():
        raise ValueError(
            "The pipeline has medspacy_pyrush, which cannot be saved; remove it (a saveable "
            f"{SENTENCIZER} is added instead)."
        )
    if target_rules is None and not _entity_setters(nlp):
        raise ValueError(
            f"No component of the pipeline ({', '.join(nlp.pipe_names) or 'none'}) sets "
            "doc.ents, so ConText would have nothing to modify; give target rules or a "
            "pipeline with ner."
        )


def _entity_setters(nlp: Language) -> list[str]:
    return [name for name in nlp.pipe_names if "doc.ents" in nlp.get_pipe_meta(name).assigns]
