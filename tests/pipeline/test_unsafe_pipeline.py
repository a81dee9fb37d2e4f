"""A crafted pipeline directory must not write outside its temporary directory or run code.

The transformer's saved tokenizer is a map of file names to bytes plus loading options. Each test
takes a real saved pipeline, rewrites that map the way an attacker would, and loads it with
``spacy.load``: the load must be refused with a clear message before anything is written, and
the Python file shipped in the pipeline must never run (it would create a marker file).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import spacy
import srsly

from spacy_minialbert.pipeline.tokenizer_files import UnsafePipelineError
from tests.support.pipelines import build_tiny_backbone, transformer_only_pipeline

Tokenizer = dict[str, Any]


@pytest.fixture(scope="module")
def saved_pipeline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("unsafe")
    nlp = transformer_only_pipeline(build_tiny_backbone(root / "backbone"))
    nlp.to_disk(root / "pipeline")
    return root / "pipeline"


def craft(source: Path, target: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    """A copy of the pipeline at ``source`` whose stored transformer message ``edit`` changed."""
    shutil.copytree(source, target)
    model_file = target / "transformer" / "model"
    model = srsly.msgpack_loads(model_file.read_bytes())
    node_shims = next(shims for shims in model["shims"] if shims)  # thinc: one list per node
    shim = srsly.msgpack_loads(node_shims[0])
    edit(shim)
    node_shims[0] = srsly.msgpack_dumps(shim)
    model_file.write_bytes(srsly.msgpack_dumps(model))
    return target


def evil_module(marker: Path) -> bytes:
    return (
        "from pathlib import Path\n"
        f"Path({str(marker)!r}).write_text('code from the pipeline ran')\n"
        "from transformers import BertTokenizerFast\n"
        "class EvilTokenizer(BertTokenizerFast):\n"
        "    pass\n"
    ).encode()


def with_remote_code(marker: Path) -> Callable[[dict[str, Any]], None]:
    """Everything that makes ``AutoTokenizer.from_pretrained`` import a stored Python file."""

    def edit(shim: dict[str, Any]) -> None:
        tokenizer: Tokenizer = shim["tokenizer"]
        config = json.loads(tokenizer["tokenizer_config.json"])
        config["auto_map"] = {"AutoTokenizer": [None, "tokenization_evil.EvilTokenizer"]}
        config["tokenizer_class"] = "EvilTokenizer"
        tokenizer["tokenizer_config.json"] = json.dumps(config).encode()
        tokenizer["tokenization_evil.py"] = evil_module(marker)
        tokenizer["kwargs"] = {"use_fast": True, "trust_remote_code": True}

    return edit


def test_remote_code_in_a_saved_pipeline_is_refused_and_never_runs(
    saved_pipeline: Path, tmp_path: Path
) -> None:
    marker = tmp_path / "ran.txt"
    crafted = craft(saved_pipeline, tmp_path / "crafted", with_remote_code(marker))
    with pytest.raises(UnsafePipelineError, match="Refusing to load it"):
        spacy.load(crafted)
    assert not marker.exists(), "the Python file stored in the pipeline was executed"


@pytest.mark.parametrize("kind", ["parent", "absolute", "nested"])
def test_file_names_that_escape_are_refused_before_anything_is_written(
    saved_pipeline: Path, tmp_path: Path, kind: str
) -> None:
    canary = f"canary-{uuid.uuid4().hex}.txt"
    names = {
        "parent": (f"../{canary}", Path(tempfile.gettempdir()) / canary),
        "absolute": (str(tmp_path / canary), tmp_path / canary),
        "nested": (f"sub/{canary}", None),
    }
    stored_name, escaped_to = names[kind]

    def edit(shim: dict[str, Any]) -> None:
        shim["tokenizer"][stored_name] = b"written by a crafted pipeline"

    crafted = craft(saved_pipeline, tmp_path / "crafted", edit)
    with pytest.raises(UnsafePipelineError, match="not one of the files a tokenizer writes"):
        spacy.load(crafted)
    if escaped_to is not None:
        assert not escaped_to.exists()


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("trust_remote_code", True, "only use_fast may be stored"),
        ("revision", "main", "only use_fast may be stored"),
        ("use_fast", "yes", "not a bool"),
    ],
)
def test_stored_loading_options_other_than_use_fast_are_refused(
    saved_pipeline: Path, tmp_path: Path, option: str, value: Any, message: str
) -> None:
    def edit(shim: dict[str, Any]) -> None:
        shim["tokenizer"]["kwargs"] = {option: value}

    with pytest.raises(UnsafePipelineError, match=message):
        spacy.load(craft(saved_pipeline, tmp_path / "crafted", edit))


@pytest.mark.parametrize(
    ("config_edit", "message"),
    [
        ({"auto_map": {"AutoTokenizer": [None, "x.Y"]}}, "auto_map"),
        ({"tokenizer_class": "EvilTokenizer"}, "not a tokenizer that ships with transformers"),
        ({"tokenizer_class": "os.system"}, "no usable tokenizer_class"),
        ({"tokenizer_class": "AutoModel"}, "not a tokenizer that ships with transformers"),
    ],
)
def test_tokenizer_classes_from_outside_transformers_are_refused(
    saved_pipeline: Path, tmp_path: Path, config_edit: dict[str, Any], message: str
) -> None:
    def edit(shim: dict[str, Any]) -> None:
        config = json.loads(shim["tokenizer"]["tokenizer_config.json"])
        config.update(config_edit)
        shim["tokenizer"]["tokenizer_config.json"] = json.dumps(config).encode()

    with pytest.raises(UnsafePipelineError, match=message):
        spacy.load(craft(saved_pipeline, tmp_path / "crafted", edit))


def test_remote_code_in_the_stored_initialisation_options_is_refused(tmp_path: Path) -> None:
    from spacy_minialbert.pipeline.shim import FORMAT, MiniAlbertShim

    message = {
        "format": FORMAT,
        "config": {},
        "_init_tokenizer_config": {"trust_remote_code": True},
        "_init_transformer_config": {},
    }
    shim = MiniAlbertShim.__new__(MiniAlbertShim)
    with pytest.raises(UnsafePipelineError, match="never runs code from a model repository"):
        shim.from_bytes(srsly.msgpack_dumps(message))


def test_an_untouched_pipeline_still_loads_and_saves_only_tokenizer_files(
    saved_pipeline: Path,
) -> None:
    from spacy_minialbert.pipeline.tokenizer_files import TOKENIZER_FILE_NAMES

    nlp = spacy.load(saved_pipeline)
    assert len(nlp("the patient denies chest pain .")._.trf_data.tensors) > 0
    model = srsly.msgpack_loads((saved_pipeline / "transformer" / "model").read_bytes())
    shim = srsly.msgpack_loads(next(shims for shims in model["shims"] if shims)[0])
    stored = set(shim["tokenizer"]) - {"kwargs"}
    assert stored and stored <= TOKENIZER_FILE_NAMES
    assert shim["tokenizer"]["kwargs"] == {"use_fast": True}
