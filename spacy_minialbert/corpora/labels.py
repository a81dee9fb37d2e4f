"""Label maps: renaming (or dropping) entity labels on conversion, e.g. NCBI-disease's four types
collapsed to one ``DISEASE``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

WILDCARD = "*"


class LabelMap:
    """``{source label: output label}``; ``"*"`` maps every label not listed; an empty output
    label drops the mention (reported as "label mapped out"). Labels neither listed nor covered by
    ``"*"`` are kept as they are."""

    def __init__(self, mapping: Mapping[str, str | None]) -> None:
        for source, target in mapping.items():
            if not source.strip():
                raise ValueError(f"Label map: empty source label (mapped to {target!r}).")
        self.mapping = {
            source.strip(): (target or "").strip() for source, target in mapping.items()
        }

    def __call__(self, label: str) -> str | None:
        """The output label of ``label``, None when the map drops it."""
        target = self.mapping.get(label, self.mapping.get(WILDCARD, label))
        return target or None

    @classmethod
    def parse(cls, spec: str) -> LabelMap:
        """From a JSON file (an object of source -> output labels) or an inline list
        ``"SpecificDisease=DISEASE,Modifier=DISEASE"`` (``*=DISEASE`` for all; ``Modifier=``
        drops)."""
        if spec.endswith(".json"):
            path = Path(spec)
            mapping = json.loads(path.read_text(encoding="utf8"))
            if not isinstance(mapping, dict) or not all(
                isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in mapping.items()
            ):
                raise ValueError(f"{path}: a label map must be a JSON object of label -> label.")
            return cls(mapping)
        pairs: dict[str, str | None] = {}
        for item in filter(None, (part.strip() for part in spec.split(","))):
            source, equals, target = item.partition("=")
            if not equals:
                raise ValueError(f"Label map item {item!r} is not SOURCE=TARGET.")
            pairs[source] = target
        if not pairs:
            raise ValueError(f"Label map {spec!r} has no SOURCE=TARGET item.")
        return cls(pairs)
