"""Loading the pipeline that annotates notes."""

from __future__ import annotations

from dataclasses import dataclass

from spacy.language import Language

from ..medical.compose import CONTEXT, add_clinical_context


@dataclass(frozen=True)
class PipelineSpec:
    """How to get the pipeline: a package name or directory, and whether to add sentence
    boundaries, the sectionizer and ConText when it has no ConText of its own. Picklable, so
    worker processes can load the same pipeline."""

    model: str
    add_context: bool = True


def load_pipeline(spec: PipelineSpec) -> tuple[Language, str | None]:
    """The pipeline, and a line saying what was added to it (None if nothing was)."""
    import spacy

    nlp = spacy.load(spec.model)
    if not spec.add_context or CONTEXT in nlp.pipe_factories.values():
        return nlp, None
    before = set(nlp.pipe_names)
    add_clinical_context(nlp)
    added = ", ".join(name for name in nlp.pipe_names if name not in before)
    return nlp, (
        f"{spec.model} has no ConText: added {added} with default rules (to keep this "
        "composition, save it once with `spacy-minialbert add-context`)."
    )
