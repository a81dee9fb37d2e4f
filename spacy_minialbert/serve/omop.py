"""OMOP CDM ``NOTE_NLP`` rows in the response, on request (``POST /v1/annotate?omop=true``).

The rows are those ``spacy-minialbert annotate-omop`` writes (``spacy_minialbert.omop.rows``):
the same ids (``note_id * ids_per_note + ordinal``), ConText-derived term_exists, term_temporal
and term_modifiers, and concept ids from the service's mapping file (``--omop-concepts``). The
writer's package needs SQLAlchemy (the ``omop`` extra): it is imported when a request asks for
rows, so a service without the extra still runs, and answers such a request with a clear 501.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .settings import ServeSettings


class OmopRows:
    """Makes the rows of one note's record; the settings every row shares are fixed at the first
    request (nlp_system from the pipeline's meta, the concept map read once)."""

    def __init__(self, settings: ServeSettings, pipeline_meta: dict[str, Any]) -> None:
        from ..omop import ConceptMap, nlp_system_name, read_concept_map

        omop_concepts = settings.omop_concepts
        self.concepts = read_concept_map(Path(omop_concepts)) if omop_concepts else ConceptMap()
        self.nlp_system = nlp_system_name(pipeline_meta)
        self.ids_per_note = settings.omop_ids_per_note

    def rows(self, record: dict[str, Any], text: str) -> list[dict[str, Any]]:
        """JSON-ready rows (dates as ISO strings); ValueError as ``note_rows`` raises it."""
        from ..omop.rows import RowSettings, Truncations, note_rows

        # TIMESTAMP without time zone, as the CDM has it: the UTC wall time (as the writer does).
        processed = datetime.now(timezone.utc).replace(tzinfo=None)
        settings = RowSettings(
            nlp_system=self.nlp_system,
            processed=processed,
            concepts=self.concepts,
            ids_per_note=self.ids_per_note,
        )
        rows = note_rows(dict(record), text, settings, Truncations())
        for row in rows:
            row["nlp_date"] = row["nlp_date"].isoformat()
            row["nlp_datetime"] = row["nlp_datetime"].isoformat()
        return rows
