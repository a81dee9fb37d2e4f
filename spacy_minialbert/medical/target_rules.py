"""``minialbert_target_matcher``: medspaCy target rules that save with the pipeline.

medspaCy's ``medspacy_target_matcher`` keeps its rules only in memory (no ``to_disk``), so a saved
pipeline loses every rule added with ``.add``; its ``rules`` path argument fails in medspaCy 1.3.1
(it adds rules before its matcher exists) and would point at a file outside the pipeline anyway.
This component wraps medspaCy's matcher, writes its rules into the pipeline directory as
``target_rules.json`` (medspaCy's own rule format) and reads them back on load.

Matches become entities alongside the trained ``ner``'s: where a rule's span overlaps an entity
the model found, the model's entity stays and the match is dropped (counted in
``conflicts``, not warned about once per note as medspaCy does).

Importing this module imports medspaCy.
"""

# No `from __future__ import annotations`: spaCy validates the factory's signature at run time.
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from medspacy.target_matcher import TargetMatcher, TargetRule
from spacy.language import Language
from spacy.tokens import Doc, Span

FACTORY_NAME = "minialbert_target_matcher"
RULES_FILE = "target_rules.json"


def read_target_rules(path: str | Path) -> list[TargetRule]:
    """Rules from a medspaCy target-rule JSON file: ``{"target_rules": [{"literal": ...,
    "category": ..., "pattern": ...}, ...]}``. Errors name the file and the rule's index."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: not JSON ({error}).") from error
    entries = data.get("target_rules") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ValueError(f'{path}: expected an object {{"target_rules": [...]}}.')
    return [_rule(entry, f"{path}: rule {index}") for index, entry in enumerate(entries)]


def _rule(entry: Any, where: str) -> TargetRule:
    if not isinstance(entry, dict):
        raise ValueError(f"{where}: expected an object, found {type(entry).__name__}.")
    for key in ("literal", "category"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise ValueError(f"{where}: {key!r} must be a non-empty string.")
    try:
        return TargetRule.from_dict(entry)
    except (ValueError, TypeError) as error:
        raise ValueError(f"{where}: {error}") from error


class SavedTargetMatcher:
    """medspaCy's ``TargetMatcher`` plus serialisation of its rules."""

    def __init__(
        self, nlp: Language, name: str, *, phrase_matcher_attr: str = "LOWER", prune: bool = True
    ) -> None:
        self.name = name
        self._nlp = nlp
        self._settings = {"phrase_matcher_attr": phrase_matcher_attr, "prune": prune}
        self._matcher = self._new_matcher()
        self._rules: list[TargetRule] = []
        self.conflicts = 0

    def _new_matcher(self) -> TargetMatcher:
        # result_type=None: the matcher returns spans and this component merges them itself.
        return TargetMatcher(self._nlp, name=self.name, result_type=None, **self._settings)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(sorted({rule.category for rule in self._rules}))

    def add(self, rules: Iterable[TargetRule]) -> None:
        rules = list(rules)
        self._matcher.add(rules)
        self._rules.extend(rules)

    def __call__(self, doc: Doc) -> Doc:
        spans: list[Span] = self._matcher(doc)
        taken = {token.i for entity in doc.ents for token in entity}
        added = []
        for span in sorted(spans, key=lambda span: (span.start, -len(span))):
            if any(i in taken for i in range(span.start, span.end)):
                self.conflicts += 1
                continue
            taken.update(range(span.start, span.end))
            added.append(span)
        if added:
            doc.ents = sorted([*doc.ents, *added], key=lambda span: span.start)
        return doc

    # Serialisation: the rules, as medspaCy's JSON rule format.

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        return json.dumps({"target_rules": [rule.to_dict() for rule in self._rules]}).encode()

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> "SavedTargetMatcher":
        entries = json.loads(data.decode())["target_rules"]
        self._matcher = self._new_matcher()
        self._rules = []
        self.add(_rule(entry, f"{self.name}: rule {index}") for index, entry in enumerate(entries))
        return self

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        (path / RULES_FILE).write_bytes(self.to_bytes())

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> "SavedTargetMatcher":
        return self.from_bytes((Path(path) / RULES_FILE).read_bytes())


@Language.factory(
    FACTORY_NAME,
    assigns=["doc.ents"],
    default_config={"phrase_matcher_attr": "LOWER", "prune": True},
)
def make_target_matcher(
    nlp: Language, name: str, phrase_matcher_attr: str, prune: bool
) -> "SavedTargetMatcher":
    """phrase_matcher_attr: token attribute literal rules match on (``LOWER``: case-insensitive).
    prune: drop a match contained in a longer match, as medspaCy does."""
    return SavedTargetMatcher(nlp, name, phrase_matcher_attr=phrase_matcher_attr, prune=prune)
