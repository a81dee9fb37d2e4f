"""The shapes of the service's requests and responses (validated by pydantic; shown in the
OpenAPI docs)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Discriminator, Field, Tag


def _integer_as_text(value: Any) -> Any:
    """Integer ids (OMOP's note_id, database keys) as their decimal text; anything else as sent."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


class NoteIn(BaseModel):
    """One note: its id (echoed in its result), its text exactly as stored, and optional metadata
    (echoed back untouched, e.g. routing keys of an integration engine)."""

    model_config = ConfigDict(extra="forbid")

    id: Annotated[str, BeforeValidator(_integer_as_text)] = Field(
        min_length=1, description="The note's id (a string, or an integer such as an OMOP note_id)."
    )
    text: str = Field(description="The note's text; offsets in the result point into it.")
    metadata: dict[str, Any] | None = Field(
        default=None, description="Anything; returned unchanged with the note's result."
    )


def _body_kind(value: Any) -> str:
    return "notes" if isinstance(value, list) else "note"


# One note as an object, or several as an array; the discriminator keeps the validation errors
# of the shape that was sent only (a plain union would report both).
AnnotateBody = Annotated[
    Annotated[NoteIn, Tag("note")] | Annotated[list[NoteIn], Tag("notes")],
    Discriminator(_body_kind),
]


class NoteResult(BaseModel):
    """The result of one note, in the order of the request: ``ok`` with the same record that
    ``spacy-minialbert annotate`` writes, or ``failed`` with the reason and details."""

    id: str
    status: Literal["ok", "failed"]
    record: dict[str, Any] | None = Field(
        default=None,
        description="Entities (with ConText flags and section), categories, sections; its "
        "source is '<request id>#<position in the request>'.",
    )
    reason: str | None = Field(default=None, description="Why the note failed.")
    detail: str | None = Field(default=None, description="What failed, e.g. which component.")
    metadata: dict[str, Any] | None = None
    note_nlp: list[dict[str, Any]] | None = Field(
        default=None, description="With omop=true: the note's OMOP CDM v5.4 NOTE_NLP rows."
    )


class AnnotateResponse(BaseModel):
    request_id: str
    results: list[NoteResult]


class ModelInfo(BaseModel):
    name: str
    version: str
    lang: str
    components: list[str]
    labels: dict[str, list[str]]
    spacy_version: str
    spacy_minialbert_version: str
    service: dict[str, Any] = Field(description="Batching, queue and size limits; threads.")


class Problem(BaseModel):
    """An error response: what is wrong, and (for a bad body) where."""

    detail: str
    errors: list[dict[str, Any]] | None = None
