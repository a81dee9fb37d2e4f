"""Compressed pipelines: quantize -> save -> load (in process, in a fresh process, by package
name), half-precision storage, reduced-precision inference, and the options in the config."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import spacy
import srsly
from safetensors.torch import load as load_safetensors
from typer.testing import CliRunner

from spacy_minialbert.cli import app
from spacy_minialbert.cli import commands as _commands  # noqa: F401  (registers commands)
from spacy_minialbert.compression import cpu_supports, state_bytes
from spacy_minialbert.pipeline.compress import compress_pipeline, minialbert_shims
from spacy_minialbert.pipeline.shim import FORMAT, FORMAT_INT8
from tests.support.pipelines import TEXTS, annotate, annotate_in_fresh_process

TRANSFORMER = "components.transformer.model"


def saved_format(path: Path, component: str = "transformer") -> dict:
    """The MiniALBERT shim's own message inside a saved component's Thinc model."""
    model = srsly.msgpack_loads((path / component / "model").read_bytes())
    for node_shims in model["shims"]:
        for shim_bytes in node_shims:
            msg = srsly.msgpack_loads(shim_bytes)
            if isinstance(msg, dict) and "format" in msg:
                return msg
    raise AssertionError(f"No MiniALBERT shim in {path / component}.")


def cosine(a: list[np.ndarray], b: list[np.ndarray]) -> float:
    values = []
    for x, y in zip(a, b, strict=True):
        x2, y2 = x.reshape(-1, x.shape[-1]), y.reshape(-1, y.shape[-1])
        keep = np.abs(y2).sum(axis=1) > 0
        x2, y2 = x2[keep], y2[keep]
        values.append((x2 * y2).sum(1) / (np.linalg.norm(x2, axis=1) * np.linalg.norm(y2, axis=1)))
    return float(np.concatenate(values).min())


def tensor_bytes(path: Path) -> int:
    """Bytes of the saved transformer's tensors (without the safetensors header)."""
    return state_bytes(load_safetensors(saved_format(path)["weights"]))


def size(path: Path) -> int:
    return sum(item.stat().st_size for item in path.rglob("*") if item.is_file())


@pytest.fixture(scope="module")
def quantized(trained: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The trained pipeline through `spacy-minialbert quantize`."""
    target = tmp_path_factory.mktemp("quantized") / "pipeline"
    result = CliRunner().invoke(app, ["quantize", str(trained), str(target)])
    assert result.exit_code == 0, result.output
    assert "linear layers int8" in result.output
    return target


def test_quantize_save_load_in_a_fresh_process(
    trained: Path, quantized: Path, tmp_path: Path
) -> None:
    reference = annotate(spacy.load(trained))
    here = annotate(spacy.load(quantized))
    fresh = annotate_in_fresh_process(quantized, tmp_path)
    # The quantized pipeline reloads exactly as it was written...
    assert here[0] == fresh[0]
    for x, y in zip(here[1], fresh[1], strict=True):
        np.testing.assert_allclose(x, y, atol=1e-6)
    # ...and stays close to the float32 pipeline it came from.
    assert here[0]["ents"] == reference[0]["ents"]
    assert cosine(here[1], reference[1]) > 0.98


def test_quantized_pipeline_records_its_options(quantized: Path) -> None:
    msg = saved_format(quantized)
    assert msg["format"] == FORMAT_INT8
    assert "encoder.layer.attention.query" in msg["int8_linears"]
    config = spacy.util.load_config(quantized / "config.cfg")
    block = config["components"]["transformer"]["model"]
    assert block["quantize"] is True and block["storage_dtype"] == "float16"
    nlp = spacy.load(quantized)
    (_, shim), *_ = minialbert_shims(nlp)
    assert shim.is_quantized


def test_quantized_pipeline_is_smaller(trained: Path, quantized: Path) -> None:
    assert tensor_bytes(quantized) < 0.4 * tensor_bytes(trained)
    assert size(quantized / "transformer") < size(trained / "transformer")


def test_quantized_pipeline_refuses_training(quantized: Path) -> None:
    from spacy.training import Example

    nlp = spacy.load(quantized)
    example = Example.from_dict(nlp.make_doc(TEXTS[0]), {})
    with pytest.raises(ValueError, match="int8-quantized"):
        nlp.update([example])


def test_quantize_at_load_from_the_config(trained: Path, tmp_path: Path) -> None:
    nlp = spacy.load(trained, config={TRANSFORMER: {"quantize": True}})
    (_, shim), *_ = minialbert_shims(nlp)
    assert shim.is_quantized
    assert cosine(annotate(nlp)[1], annotate(spacy.load(trained))[1]) > 0.98
    nlp.to_disk(tmp_path / "saved")
    assert saved_format(tmp_path / "saved")["format"] == FORMAT_INT8


def test_float32_pipelines_keep_format_1(trained: Path) -> None:
    assert saved_format(trained)["format"] == FORMAT


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_storage_only(trained: Path, tmp_path: Path, dtype: str) -> None:
    nlp = spacy.load(trained)
    reference = annotate(nlp)
    compress_pipeline(nlp, int8=False, storage_dtype=dtype)
    nlp.to_disk(tmp_path / "half")
    assert saved_format(tmp_path / "half")["format"] == FORMAT
    assert tensor_bytes(tmp_path / "half") == tensor_bytes(trained) // 2
    reloaded = annotate_in_fresh_process(tmp_path / "half", tmp_path)
    assert reloaded[0]["ents"] == reference[0]["ents"]
    assert cosine(reloaded[1], reference[1]) > 0.999


@pytest.mark.skipif(not cpu_supports(__import__("torch").bfloat16), reason="no native bf16")
@pytest.mark.parametrize("dtype", ["bfloat16", "auto"])
def test_reduced_precision_inference(trained: Path, dtype: str) -> None:
    reference = annotate(spacy.load(trained))
    nlp = spacy.load(trained, config={TRANSFORMER: {"inference_dtype": dtype}})
    reduced = annotate(nlp)
    assert all(array.dtype == np.float32 for array in reduced[1])
    assert reduced[0]["ents"] == reference[0]["ents"]
    assert cosine(reduced[1], reference[1]) > 0.99


def test_bad_option_values_fail_at_load(trained: Path) -> None:
    with pytest.raises(ValueError, match="Unknown inference dtype"):
        spacy.load(trained, config={TRANSFORMER: {"inference_dtype": "int4"}})
    with pytest.raises(ValueError, match="cannot be combined"):
        spacy.load(trained, config={TRANSFORMER: {"quantize": True, "inference_dtype": "bfloat16"}})


def test_quantize_after_replace_listeners(trained: Path, tmp_path: Path) -> None:
    nlp = spacy.load(trained)
    for pipe in ("ner", "textcat"):
        nlp.replace_listeners("transformer", pipe, ["model.tok2vec"])
    report = compress_pipeline(nlp)
    assert [name for name, _ in report.transformers] == ["transformer", "ner", "textcat"]
    nlp.to_disk(tmp_path / "replaced")
    tok2vec = nlp.get_pipe_config("ner")["model"]["tok2vec"]
    assert tok2vec["quantize"] is True
    annotate_in_fresh_process(tmp_path / "replaced", tmp_path)


@pytest.mark.slow
def test_quantized_package_loads_by_name(quantized: Path, tmp_path: Path) -> None:
    """`spacy package` the quantized pipeline, install the wheel into a private directory and
    load it by name in a fresh process that imports nothing of ours."""
    packages = tmp_path / "packages"
    packages.mkdir()
    subprocess.run(
        [sys.executable, "-m", "spacy", "package", str(quantized), str(packages),
         "--name", "quantized_test", "--version", "0.0.1", "--build", "wheel", "--force"],
        check=True, capture_output=True,
    )  # fmt: skip
    wheel = next(packages.rglob("*.whl"))
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(site), str(wheel)],
        check=True, capture_output=True,
    )  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(site), "HF_HUB_OFFLINE": "1"}
    script = (
        "import spacy, json; nlp = spacy.load('en_quantized_test'); "
        f"print(json.dumps([[(e.start_char, e.end_char, e.label_) for e in nlp(t).ents] "
        f"for t in {TEXTS!r}]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    here = annotate(spacy.load(quantized))[0]["ents"]
    assert [
        [list(e) for e in doc] for doc in srsly.json_loads(result.stdout.splitlines()[-1])
    ] == here
