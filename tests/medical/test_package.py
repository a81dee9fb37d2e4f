"""The composed pipeline, packaged with `spacy package`, installed, and loaded by name in a fresh
offline process, without anyone importing medspaCy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.synthetic_notes import TEST_NOTE


@pytest.mark.slow  # spacy package + pip install + a fresh process: about 40 s
def test_packaged_pipeline_loads_by_name_offline(composed_pipeline: Path, tmp_path: Path) -> None:
    from spacy.cli.package import package

    (tmp_path / "packages").mkdir()
    package(composed_pipeline, tmp_path / "packages", name="notes_test", version="0.0.1",
            create_sdist=True, force=True)  # fmt: skip
    source = tmp_path / "packages" / "en_notes_test-0.0.1"
    meta = json.loads((source / "meta.json").read_text())
    assert any(r.startswith("spacy-minialbert") for r in meta["requirements"])
    assert any(r.startswith("medspacy") for r in meta["requirements"])
    site = tmp_path / "site"
    install = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index",
               "--no-build-isolation", "--target", str(site), str(source)]  # fmt: skip
    subprocess.run(install, check=True, timeout=300)

    code = (
        "import json, sys, spacy\n"
        "assert 'medspacy' not in sys.modules\n"
        "nlp = spacy.load('en_notes_test')\n"
        "doc = nlp(sys.argv[1])\n"
        "print(json.dumps([[e.text, e._.is_negated, e._.is_family, e._.section_category]"
        " for e in doc.ents]))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(site), "HF_HUB_OFFLINE": "1",
           "TRANSFORMERS_OFFLINE": "1"}  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code, TEST_NOTE], capture_output=True,
                          text=True, env=env, timeout=300, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    found = {text: flags for text, *flags in json.loads(done.stdout.strip().splitlines()[-1])}
    assert found["chest pain"] == [True, False, "chief_complaint"]
    assert found["diabetes"] == [False, True, "family_history"]
