"""`spacy project run all` on a small brat corpus with a backbone in the published nlpie format:
convert, split, train, evaluate, package; then the wheel loads by name in a fresh process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project (project.yml, configs/) in a scratch directory, with 24 NCBI-disease
    abstracts as "your corpus"."""
    directory = tmp_path_factory.mktemp("project")
    shutil.copy(ROOT / "project.yml", directory)
    shutil.copytree(ROOT / "configs", directory / "configs")
    corpus = directory / "assets" / "mine"
    corpus.mkdir(parents=True)
    for text in sorted((ROOT / "assets" / "ncbi-disease" / "train").glob("*.txt"))[:24]:
        shutil.copy(text, corpus)
        shutil.copy(text.with_suffix(".ann"), corpus)
    return directory


def run(project: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "spacy", "project", "run", *args],
        cwd=project, capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert result.returncode == 0, (result.stdout[-4000:], result.stderr[-4000:])
    return result


def test_all_workflow_with_a_published_format_backbone(
    project: Path, published_backbone: Path, tmp_path: Path
) -> None:
    variables = {
        "backbone": str(published_backbone), "corpus": "mine", "format": "brat",
        "source": "assets/mine", "label_map": "*=DISEASE", "config": "ner",
        "max_steps": 12, "eval_frequency": 6, "batch_size": 600, "window": 32, "stride": 24,
        "learn_rate": 0.001, "version": "0.0.1",
    }  # fmt: skip
    options = [f"--vars.{key}={value}" for key, value in variables.items()]
    for command in ("convert", "split", "train", "evaluate", "package"):
        run(project, command, ".", *options)

    account = json.loads((project / "corpus" / "mine.account.json").read_text())
    assert account["documents"]["converted"] == 24
    scores = json.loads((project / "metrics" / "mine" / "scores.json").read_text())
    assert set(scores["ents_per_label"]) <= {"DISEASE"}
    for chart in ("per_label.png", "training.png", "predictions.html"):
        assert (project / "metrics" / "mine" / chart).stat().st_size > 0
    wheel = (
        project / "packages" / "en_minialbert_clinical-0.0.1" / "dist"
        / "en_minialbert_clinical-0.0.1-py3-none-any.whl"
    )  # fmt: skip
    with zipfile.ZipFile(wheel) as archive:
        metadata = next(n for n in archive.namelist() if n.endswith("METADATA"))
        requirements = archive.read(metadata).decode()
    assert "Requires-Dist: spacy-minialbert" in requirements
    assert "Requires-Dist: spacy-transformers" in requirements

    # Install into a scratch target (not this environment) and load by name, offline.
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q",
         "--target", str(site), str(wheel)],
        check=True,
    )  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(site), "HF_HUB_OFFLINE": "1"}
    loaded = subprocess.run(
        [sys.executable, "-c",
         "import spacy, json; nlp = spacy.load('en_minialbert_clinical');"
         "doc = nlp('Familial adenomatous polyposis and colon cancer.');"
         "print(json.dumps([nlp.meta['version'], nlp.pipe_names, len(doc)]))"],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    version, pipes, n_tokens = json.loads(loaded.stdout.strip().splitlines()[-1])
    assert version == "0.0.1" and pipes == ["transformer", "ner"] and n_tokens == 7
