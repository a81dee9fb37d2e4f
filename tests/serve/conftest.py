"""The tiny trained pipeline of tests/conftest.py with the test components of
``components.py`` (a note that breaks a component, a note that is slow), saved for the server."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy

from tests.serve import components  # noqa: F401  (registers the test components here too)


@pytest.fixture(scope="session")
def serve_pipeline(composed_pipeline: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    nlp = spacy.load(composed_pipeline)
    nlp.add_pipe("serve_test_fails_on_marker", after="ner")
    nlp.add_pipe("serve_test_slow_on_marker", after="ner")
    target = tmp_path_factory.mktemp("serve") / "pipeline"
    nlp.to_disk(target)
    return target
