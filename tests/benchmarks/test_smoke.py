"""Every benchmark at tiny shapes, so that none of them rots between the runs that make the
figures of docs/benchmarks.md. Not measured here: ``--package`` (spacy package and pip install
take minutes), the Spark and service runs against real processes (their tables and arithmetic
are checked on given figures)."""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import memory, serve_load, spark, tokenizer_runs
from benchmarks.speed.chart import chart
from benchmarks.speed.cli import machine_info
from benchmarks.speed.encoders import EncoderSpec
from benchmarks.speed.options import SpeedOptions
from benchmarks.speed.report import table
from benchmarks.speed.results import SpeedResults
from benchmarks.speed.sections import (
    ENCODERS,
    corpus_sizes,
    run_encoders,
    run_pipelines,
    run_training,
)
from benchmarks.speed.targets import targets
from benchmarks.speed.workers import LocalWorker, ProcessWorker

PIPELINES = [
    "minialbert-312",
    "minialbert-312 int8",
    "bert-base (spacy-transformers)",
    "bert-base int8 (spacy-transformers)",
    "cnn tok2vec+ner",
]


@pytest.fixture(scope="module")
def results(tiny_options: SpeedOptions, tiny_pipeline: Path) -> SpeedResults:
    """Encoders, pipelines and training, each contender in this process."""
    options = dataclasses.replace(tiny_options, trained=str(tiny_pipeline), pipelines=PIPELINES)
    found = SpeedResults("test", {}, machine_info(options.threads), "now")
    found.encoders = run_encoders(options, found.machine, LocalWorker)
    found.corpora = corpus_sizes(options)
    found.pipelines = run_pipelines(options, LocalWorker)
    found.training = run_training(options, LocalWorker)
    found.targets = targets(found)
    return found


def test_a_worker_process_answers_and_reports_its_failure(tiny_options: SpeedOptions) -> None:
    worker = ProcessWorker("machine", "machine", None, tiny_options)
    rates = worker.call("gemm")
    assert rates["fp32"] > 0
    assert worker.stop() > 0  # the worker's own peak RSS, in MB
    assert not worker.process.is_alive()
    with pytest.raises(RuntimeError, match=r"(?s)broken: worker failed.*KeyError: 'nope'"):
        ProcessWorker("nope", "broken", None, tiny_options)


def test_an_unknown_encoder_family_is_named(tiny_options: SpeedOptions) -> None:
    with pytest.raises(ValueError, match=r"Unknown encoder family 'gpt' \(broken\)"):
        LocalWorker("encoder", "broken", EncoderSpec("broken", "gpt"), tiny_options)


def test_every_encoder_is_measured_at_every_shape(results: SpeedResults) -> None:
    assert list(results.encoders) == [spec.name for spec in ENCODERS]
    ceiling = results.machine.gemm_gflops["fp32"]
    assert ceiling.median > 0 and len(ceiling.rounds) == 3  # every round, and once after
    for name, encoder in results.encoders.items():
        assert encoder.parameters > 0 and encoder.peak_rss_mb > 0, name
        assert list(encoder.shapes) == ["2x16", "1x32"]
        for shape in encoder.shapes.values():
            assert shape.tokens_per_s.median > 0 and len(shape.tokens_per_s.rounds) == 2
            assert shape.macs_per_token > 0
            if encoder.spec.act_depth is None:
                assert shape.gflops is not None and shape.gflops > 0
                assert shape.fraction_of_fp32_ceiling is not None
                assert shape.fraction_of_fp32_ceiling > 0
            else:  # ACT's work per token varies: no FLOP rate
                assert shape.gflops is None
    act = results.encoders["minialbert-312 ACT"]
    assert act.act_bias is not None
    assert all(0 < depth <= 2 for depth in act.mean_updates.values() if depth is not None)
    assert results.encoders["bert-base"].mean_updates == {"2x16": None, "1x32": None}


def test_every_pipeline_is_measured_and_the_trained_ones_scored(results: SpeedResults) -> None:
    assert list(results.pipelines) == PIPELINES
    assert results.corpora["mtsamples"].words >= 300 and results.corpora["ncbi"].texts > 0
    for name, pipeline in results.pipelines.items():
        for rate in pipeline.words_per_s.values():
            assert rate.median > 0 and len(rate.rounds) == 2, name
        assert pipeline.saved_mb > 0 and pipeline.peak_rss_mb > 0
        assert Path(pipeline.path, "config.cfg").is_file()
        if pipeline.spec.trained:
            assert pipeline.ner is not None
            assert all(0 <= pipeline.ner[key] <= 100 for key in ("ents_p", "ents_r", "ents_f"))
        else:
            assert pipeline.ner is None
    assert results.pipelines["cnn tok2vec+ner"].transformer_mb == 0


def test_training_compares_full_and_adapter_updates(results: SpeedResults) -> None:
    full, adapters = results.training["full"], results.training["adapters-only"]
    assert full.trainable == full.total
    assert 0 < adapters.trainable < adapters.total
    assert 0 < adapters.trainable_share < 1
    for mode in (full, adapters):
        assert mode.seconds_per_step.median > 0 and len(mode.seconds_per_step.rounds) == 2


def test_targets_are_computed_from_paired_rounds(results: SpeedResults) -> None:
    by_name = {target.target: target for target in results.targets}
    ratio = by_name["encoder fp32 / bert-base fp32 (2x16)"]
    assert ratio.value is not None and ratio.value > 0 and ratio.met is not None
    for corpus in ("mtsamples", "ncbi"):
        assert by_name[f"pipeline fp32 / bert-base pipeline ({corpus})"].value > 0
        assert by_name[f"int8 pipeline / bert-base int8 pipeline ({corpus})"].value > 0
    change = by_name["int8 NER F1 change (points)"]
    assert change.value is not None and change.value >= 0 and change.lower_is_better
    assert not any(name.startswith("packaged") for name in by_name)


def test_report_json_and_chart(results: SpeedResults, tmp_path: Path) -> None:
    text = table(results)
    assert "| minialbert-312 ACT (mean depth" in text
    assert "| cnn tok2vec+ner |" in text
    assert "| adapters-only (2 abstracts/step) |" in text
    assert "| int8 NER F1 change (points) |" in text
    # Every Markdown table's rows (separator included) have as many cells as its header.
    for block in text.split("\n\n"):
        rows = [line for line in block.splitlines() if line.startswith("|")]
        assert len({row.count("|") for row in rows}) <= 1, block
    saved = json.loads(results.to_json())
    assert saved["encoders"]["bert-6L"]["shapes"]["2x16"]["tokens_per_s"]["median"] > 0
    assert 0 < saved["training"]["adapters-only"]["trainable_share"] < 1
    assert all(isinstance(target["met"], bool | None) for target in saved["targets"])
    assert chart(results, tmp_path / "speed.png")
    assert (tmp_path / "speed.png").stat().st_size > 0


def test_the_speed_command_parses_its_options() -> None:
    from benchmarks.speed.cli import parse_args

    options, sections, out = parse_args(["--package", "--encoders", "bert-6L", "--rounds", "2"])
    assert sections == {"encoders", "pipelines", "training", "package"}
    assert (options.encoders, options.rounds) == (["bert-6L"], 2)
    assert out == Path(__file__).parents[2] / "benchmarks" / "results"


def test_tokenizer_runs_time_both_tokenizers(tiny_pipeline: Path, capsys) -> None:
    rows = tokenizer_runs.time_runs([100, 200], spacy_max=100)
    assert len(rows) == 2 * len(tokenizer_runs.RUNS)
    for row in rows:
        assert row.clinical_seconds > 0 and row.clinical_tokens > 0
        assert (row.spacy_seconds is None) == (row.chars > 100)
    assert "clinical s" in tokenizer_runs.tokenizer_table(rows)
    tokenizer_runs.annotate_table(tiny_pipeline, 200)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 + len(tokenizer_runs.RUNS)
    assert all(line.split()[2] == "1" for line in lines[2:])  # one note written per run


def test_memory_measures_an_annotate_run(tiny_pipeline: Path) -> None:
    run = memory.measure(str(tiny_pipeline), 3, 200, [])
    assert (run.notes, run.written) == (3, 3)
    assert run.characters > 3 * 50 and run.seconds > 0 and run.peak_rss_mb > 50
    larger = dataclasses.replace(run, notes=6, peak_rss_mb=run.peak_rss_mb * 1.05)
    assert memory.peak_ratio([run, larger]) == pytest.approx(1.05)


def test_spark_report_and_projection() -> None:
    runs = [
        spark.Run("annotate, 1 process", 1, 100, 50_000, 10.0, 20.0, 600.0),
        spark.Run("annotate, 2 processes", 2, 100, 50_000, 5.0, 15.0, 1100.0),
        spark.Run("annotate-spark, local[1]", 1, 100, 50_000, 12.5, 40.0, 1500.0),
        spark.Run("annotate-spark, local[2]", 2, 100, 50_000, 6.25, 30.0, 2000.0),
    ]
    args = argparse.Namespace(model="tiny", quantize=True, batch_size=32)
    text = spark.report(runs, args)
    assert "Spark at 1 core: 80% of the local command's words/s (overhead 20%)" in text
    assert "Projection from Spark `local[2]`: 4,000 words/s per core" in text
    # 10 million notes of 500 words on 16 cores at 4,000 words/s each: 21.7 hours.
    assert "| 10 million notes (~500 words) | 5,000 M | 21.7 h |" in text


def test_spark_memory_sums_a_process_tree() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(5)"])
    try:
        alone = spark._tree_rss(child.pid)
        assert alone > 0
        assert spark._tree_rss(os.getpid()) > alone  # this process and its child
    finally:
        child.kill()
        child.wait()


def test_serve_load_statistics_and_table() -> None:
    assert serve_load.percentile([0.1, 0.2, 0.3, 0.4], 50) == 0.2
    assert serve_load.percentile([0.1, 0.2, 0.3, 0.4], 99) == 0.4
    assert math.isnan(serve_load.percentile([], 50))
    log = "path=/v1/annotate status=200 batch_notes=4 ms=3\npath=/ready status=200\n"
    assert serve_load.batch_sizes(log) == [4]
    args = argparse.Namespace(
        clients=4, notes_per_request=1, workers=1, max_batch_notes=32, max_wait_ms=5.0,
        batch_size=32,
    )  # fmt: skip
    base = {"notes_per_s": 10.0, "words_per_s": 5000.0, "failed": 0}
    serve = {
        "model": "tiny 0.0.1", "torch_threads": 1, "notes": 40, "notes_per_s": 9.0,
        "words_per_s": 4500.0, "p50_ms": 100.0, "p95_ms": 200.0, "p99_ms": 300.0, "errors": 0,
        "unsent": 0, "statuses": {200: 40}, "mean_batch_notes": 3.5,
    }  # fmt: skip
    text = serve_load.table(args, base, serve)
    assert "Service throughput: 90% of `annotate`'s (meets the 80% target)." in text
    assert "in a batch of 3.5 notes" in text
