"""Every name the package registers with spaCy resolves in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import entry_points

SCRIPT = """
import json, sys
import spacy
failures = []
for group, name in json.loads(sys.argv[1]):
    registry = getattr(spacy.registry, group.removeprefix("spacy_"))
    try:
        if not callable(registry.get(name)):
            failures.append(f"{group} {name}: not callable")
    except Exception as error:  # report every failure, not the first
        failures.append(f"{group} {name}: {error}")
print(json.dumps(failures))
"""


def our_entry_points() -> list[tuple[str, str]]:
    names = []
    for group in ("spacy_architectures", "spacy_misc", "spacy_tokenizers", "spacy_callbacks",
                  "spacy_factories",
                  "spacy_readers", "spacy_annotation_setters", "spacy_span_getters"):  # fmt: skip
        for entry in entry_points(group=group):
            if entry.value.startswith("spacy_minialbert"):
                names.append((group, entry.name))
    return names


def test_every_registered_name_resolves_in_a_fresh_interpreter() -> None:
    names = our_entry_points()
    assert ("spacy_architectures", "spacy-minialbert.MiniAlbertTransformer.v1") in names
    assert ("spacy_architectures", "spacy-minialbert.MiniAlbertTok2Vec.v1") in names
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(names)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def test_names_follow_the_dist_camelcase_version_convention() -> None:
    for group, name in our_entry_points():
        if group != "spacy_factories":
            dist, rest = name.split(".", 1)
            assert dist == "spacy-minialbert" and rest[0].isupper() and ".v" in rest, name
