"""Speed and size of MiniALBERT-312 on CPU against BERT-shaped encoders and a spaCy CNN.

One run measures everything, alternating the contenders round by round (each round starts at
a different contender) so that drift in the machine's speed spreads over all of them; the
reported value is the median over rounds, with the rounds' spread. Each contender lives in its
own worker process: its peak resident memory is its own, and only one computes at a time.

Sections:
  machine    fp32 and bf16 matmul ceilings (GFLOP/s), measured every round;
  encoders   tokens/s at batch 8 x 128 and 1 x 512: MiniALBERT-312 (fp32, bf16 autocast, int8
             dynamic, ACT), BERT-base-shaped (fp32, bf16, int8) and a 6-layer BERT of width 768;
  pipelines  words/s of ``nlp.pipe`` over MTSamples notes and NCBI-disease sentences, saved size,
             peak RSS and NER F1 on NCBI-disease devel for the variants of the trained pipeline;
  training   adapter-only against full fine-tuning: trainable share and seconds per update;
  package    (``--package``) wheel and installed size of the 312 pipeline, fp32 and reduced.

Output: a table printed last, ``speed.json`` and ``speed.png`` in ``--out``.

    python benchmarks/prepare.py          # vocabulary, backbone, NCBI corpora, trained NER
    python benchmarks/speed.py --pipeline benchmarks/.cache/ner-312/model-best --package
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import random
import subprocess
import sys
import time
import traceback
from dataclasses import asdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import contenders as c
from data import CACHE, mtsamples_notes, ncbi_sentences, take_words

ENCODERS = [
    c.EncoderSpec("minialbert-312", "minialbert"),
    c.EncoderSpec("minialbert-312 bf16", "minialbert", precision="bf16"),
    c.EncoderSpec("minialbert-312 int8", "minialbert", precision="int8"),
    c.EncoderSpec("minialbert-312 ACT", "minialbert", act_depth=4.0),
    c.EncoderSpec("bert-base", "bert", layers=12),
    c.EncoderSpec("bert-base bf16", "bert", precision="bf16", layers=12),
    c.EncoderSpec("bert-base int8", "bert", precision="int8", layers=12),
    c.EncoderSpec("bert-6L", "bert", layers=6),
]
SHAPES = [(8, 128), (1, 512)]

PIPELINES = [
    c.PipelineSpec("minialbert-312", "minialbert", "fp32", trained=True),
    c.PipelineSpec("minialbert-312 int8", "minialbert", "int8", trained=True),
    c.PipelineSpec("minialbert-312 bf16", "minialbert", "bf16", trained=True),
    c.PipelineSpec("minialbert-312 fp16-storage", "minialbert", "fp16-storage", trained=True),
    c.PipelineSpec("minialbert-312 ACT", "minialbert", "act"),
    c.PipelineSpec("bert-base (spacy-transformers)", "bert", "fp32", layers=12),
    c.PipelineSpec("bert-base int8 (spacy-transformers)", "bert", "int8", layers=12),
    c.PipelineSpec("bert-6L (spacy-transformers)", "bert", "fp32", layers=6),
    c.PipelineSpec("cnn tok2vec+ner", "cnn"),
]


# --------------------------------------------------------------------------------------------
# Worker processes.


def worker_main(conn: Any, kind: str, spec: Any, options: dict[str, Any]) -> None:
    import torch

    torch.set_num_threads(options["threads"])
    try:
        state = SETUP[kind](spec, options)
        conn.send(("ready", state.pop("info", {})))
        while True:
            command, args = conn.recv()
            if command == "stop":
                conn.send(("ok", {"peak_rss_mb": c.peak_rss_mb()}))
                return
            conn.send(("ok", HANDLERS[command](state, *args)))
    except Exception:  # report to the orchestrator instead of dying silently
        conn.send(("error", traceback.format_exc()))


def setup_machine(spec: Any, options: dict[str, Any]) -> dict[str, Any]:
    return {"info": {}}


def setup_encoder(spec: c.EncoderSpec, options: dict[str, Any]) -> dict[str, Any]:
    model, info = c.build_encoder(spec)
    calls = {shape: c.encoder_call(model, spec, *shape) for shape in SHAPES}
    for call in calls.values():
        call()
        call()
    info["mean_updates"] = {f"{b}x{s}": c.mean_updates(model, b, s) for b, s in SHAPES}
    return {"calls": calls, "info": info}


def setup_pipeline(spec: c.PipelineSpec, options: dict[str, Any]) -> dict[str, Any]:
    nlp = c.load_pipeline(spec, options.get("trained"))
    corpora = options["corpora"]
    for texts in corpora.values():
        c.run_pipe(nlp, texts[:4])
    return {"nlp": nlp, "corpora": corpora, "spec": spec, "info": {}}


def setup_build(spec: c.PipelineSpec, options: dict[str, Any]) -> dict[str, Any]:
    trained = Path(options["trained"]) if options.get("trained") and spec.trained else None
    path = c.build_pipeline(spec, trained, options["act_depth"])
    return {"info": {"path": str(path)}}


def setup_training(spec: dict[str, Any], options: dict[str, Any]) -> dict[str, Any]:
    nlp, optimizer, counts = c.training_setup(Path(spec["base"]), spec["adapters_only"])
    examples = c._examples_for(nlp, 64)
    rng = random.Random(0)
    batches = [rng.sample(examples, options["train_batch"]) for _ in range(16)]
    c.training_step(nlp, optimizer, batches[0])  # warm-up (allocations, Adam state)
    return {"nlp": nlp, "optimizer": optimizer, "batches": batches, "info": counts}


def handle_gemm(state: dict[str, Any]) -> dict[str, float]:
    import torch

    rates = {"fp32": c.gemm_rate("fp32")}
    if torch.ops.mkldnn._is_mkldnn_bf16_supported():
        rates["bf16"] = c.gemm_rate("bf16")
    return rates


def handle_encode(state: dict[str, Any], batch: int, seq: int, seconds: float) -> float:
    elapsed, calls = c.timed(state["calls"][(batch, seq)], seconds)
    return batch * seq * calls / elapsed


def handle_pipe(state: dict[str, Any], corpus: str, seconds: float) -> float:
    texts = state["corpora"][corpus]
    elapsed, calls = c.timed(lambda: c.run_pipe(state["nlp"], texts), seconds)
    return c.count_words(texts) * calls / elapsed


def handle_f1(state: dict[str, Any]) -> dict[str, float]:
    return c.evaluate_f1(state["nlp"])


def handle_depth(state: dict[str, Any], corpus: str) -> float | None:
    return c.act_depth_of(state["nlp"], state["corpora"][corpus])


def handle_train(state: dict[str, Any], steps: int) -> float:
    batches = state["batches"]
    start = time.perf_counter()
    for step in range(steps):
        c.training_step(state["nlp"], state["optimizer"], batches[step % len(batches)])
    return (time.perf_counter() - start) / steps


SETUP = {
    "machine": setup_machine,
    "encoder": setup_encoder,
    "pipeline": setup_pipeline,
    "build": setup_build,
    "training": setup_training,
}
HANDLERS = {
    "gemm": handle_gemm,
    "encode": handle_encode,
    "pipe": handle_pipe,
    "f1": handle_f1,
    "depth": handle_depth,
    "train": handle_train,
}


class Worker:
    """One contender in its own process, driven over a pipe."""

    def __init__(self, kind: str, name: str, spec: Any, options: dict[str, Any]) -> None:
        context = multiprocessing.get_context("spawn")
        self.name = name
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=worker_main, args=(child, kind, spec, options), daemon=True
        )
        self.process.start()
        self.info = self._receive()

    def _receive(self) -> Any:
        status, payload = self.conn.recv()
        if status == "error":
            raise RuntimeError(f"{self.name}: worker failed:\n{payload}")
        return payload

    def call(self, command: str, *args: Any) -> Any:
        self.conn.send((command, args))
        return self._receive()

    def stop(self) -> dict[str, Any]:
        result = self.call("stop")
        self.process.join(timeout=60)
        return result


def rotated(items: list[Any], start: int) -> list[Any]:
    start %= len(items)
    return items[start:] + items[:start]


def settle() -> None:
    """Let the previous contender's OpenMP threads stop spinning before the next one starts."""
    time.sleep(0.3)


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


# --------------------------------------------------------------------------------------------
# Sections.


def run_machine_and_encoders(options: dict[str, Any], results: dict[str, Any]) -> None:
    names = options["encoders"]
    specs = [spec for spec in ENCODERS if not names or spec.name in names]
    machine = Worker("machine", "machine", None, options)
    workers = [Worker("encoder", spec.name, spec, options) for spec in specs]
    gemm: dict[str, list[float]] = {}
    rates: dict[tuple[str, str], list[float]] = {}
    for round_index in range(options["rounds"]):
        for dtype, rate in machine.call("gemm").items():
            gemm.setdefault(dtype, []).append(rate)
        for batch, seq in SHAPES:
            for worker in rotated(workers, round_index):
                settle()
                rate = worker.call("encode", batch, seq, options["seconds"])
                rates.setdefault((worker.name, f"{batch}x{seq}"), []).append(rate)
        print(f"  encoders: round {round_index + 1}/{options['rounds']} done", flush=True)
    for dtype, rate in machine.call("gemm").items():
        gemm[dtype].append(rate)
    results["machine"]["gemm_gflops"] = {
        dtype: {"median": c.median(v), "spread": c.spread(v), "rounds": v}
        for dtype, v in gemm.items()
    }
    encoders = {}
    for spec, worker in zip(specs, workers, strict=True):
        entry: dict[str, Any] = {"spec": asdict(spec), **worker.info}
        for batch, seq in SHAPES:
            key = f"{batch}x{seq}"
            values = rates[(spec.name, key)]
            tokens = c.median(values)
            macs = (
                c.minialbert_macs_per_token(seq)
                if spec.family == "minialbert"
                else c.bert_macs_per_token(spec.layers, seq)
            )
            shape_entry = {
                "tokens_per_s": tokens,
                "spread": c.spread(values),
                "rounds": values,
                "macs_per_token": macs,
            }
            if spec.act_depth is None:
                shape_entry["gflops"] = 2 * macs * tokens / 1e9
                # Each round's rate against the ceiling measured at the start of that round.
                shape_entry["fraction_of_fp32_ceiling"] = c.median(
                    [2 * macs * t / 1e9 / g for t, g in zip(values, gemm["fp32"], strict=False)]
                )
            entry[key] = shape_entry
        entry.update(worker.stop())
        encoders[spec.name] = entry
    machine.stop()
    results["encoders"] = encoders


def corpora_for(options: dict[str, Any]) -> dict[str, list[str]]:
    rng = random.Random(0)
    notes = mtsamples_notes()
    rng.shuffle(notes)
    sentences = ncbi_sentences("devel")
    rng.shuffle(sentences)
    return {
        "mtsamples": take_words(notes, options["words"]),
        "ncbi": take_words(sentences, options["words"]),
    }


def run_pipelines(options: dict[str, Any], results: dict[str, Any]) -> None:
    names = options["pipelines"]
    specs = [spec for spec in PIPELINES if not names or spec.name in names]
    for spec in specs:  # built one at a time, each in a short-lived process
        if not (c.pipeline_path(spec, options.get("trained")) / "config.cfg").is_file():
            print(f"  building {spec.name}", flush=True)
            Worker("build", spec.name, spec, options).stop()
    corpora = options["corpora"]
    results["corpora"] = {
        name: {"texts": len(texts), "words": c.count_words(texts)}
        for name, texts in corpora.items()
    }
    workers = [Worker("pipeline", spec.name, spec, options) for spec in specs]
    rates: dict[tuple[str, str], list[float]] = {}
    for round_index in range(options["pipeline_rounds"]):
        for corpus in corpora:
            for worker in rotated(workers, round_index):
                settle()
                rate = worker.call("pipe", corpus, options["pipe_seconds"])
                rates.setdefault((worker.name, corpus), []).append(rate)
        print(f"  pipelines: round {round_index + 1}/{options['pipeline_rounds']} done", flush=True)
    pipelines = {}
    for spec, worker in zip(specs, workers, strict=True):
        entry: dict[str, Any] = {"spec": asdict(spec)}
        for corpus in corpora:
            values = rates[(spec.name, corpus)]
            entry[corpus] = {
                "words_per_s": c.median(values),
                "spread": c.spread(values),
                "rounds": values,
            }
        if spec.trained and options.get("trained"):
            entry["ner"] = worker.call("f1")
        if spec.variant == "act":
            entry["act_mean_recursions"] = {
                corpus: worker.call("depth", corpus) for corpus in corpora
            }
        path = c.pipeline_path(spec, options.get("trained"))
        entry["path"] = str(path)
        entry["saved_mb"] = directory_size(path) / 1e6
        entry["transformer_mb"] = directory_size(path / "transformer") / 1e6
        entry.update(worker.stop())
        pipelines[spec.name] = entry
    results["pipelines"] = pipelines


def run_training(options: dict[str, Any], results: dict[str, Any]) -> None:
    base = options.get("trained") or str(c.pipeline_path(PIPELINES[0], None))
    workers = {
        mode: Worker(
            "training", mode, {"base": base, "adapters_only": mode == "adapters-only"}, options
        )
        for mode in ("full", "adapters-only")
    }
    times: dict[str, list[float]] = {mode: [] for mode in workers}
    for round_index in range(options["train_rounds"]):
        for mode in rotated(list(workers), round_index):
            settle()
            times[mode].append(workers[mode].call("train", options["train_steps"]))
    training = {}
    for mode, worker in workers.items():
        info = worker.info
        training[mode] = {
            "trainable": info["trainable"],
            "total": info["total"],
            "trainable_share": info["trainable"] / info["total"],
            "seconds_per_step": c.median(times[mode]),
            "spread": c.spread(times[mode]),
            "rounds": times[mode],
            "batch_docs": options["train_batch"],
            **worker.stop(),
        }
    results["training"] = training


# Loads a packaged pipeline by name in a fresh interpreter that imports nothing of ours first
# (spaCy must find the architecture through the entry point) and scores it on NCBI devel.
FRESH_BY_NAME = """
import json, sys
import spacy
nlp = spacy.load(sys.argv[1])
sys.path.insert(0, sys.argv[2])
from contenders import evaluate_f1
print(json.dumps(evaluate_f1(nlp)))
"""


def run_packaging(options: dict[str, Any], results: dict[str, Any]) -> None:
    """``spacy package`` the 312 pipeline (fp32 and int8), install each wheel into a private
    directory, and load it by name in a fresh process (NER F1 on NCBI devel when trained)."""
    import shutil
    import zipfile

    packages = CACHE / "packages"
    sizes = {}
    for spec in PIPELINES[:2]:
        name = "minialbert_" + spec.variant
        output = packages / spec.variant
        if output.exists():
            shutil.rmtree(output)
        output.mkdir(parents=True)
        source = c.pipeline_path(spec, options.get("trained"))
        subprocess.run(
            [sys.executable, "-m", "spacy", "package", str(source), str(output), "--name", name,
             "--version", "0.0.0", "--build", "wheel", "--force"],
            check=True, capture_output=True,
        )  # fmt: skip
        wheel = next(output.rglob("*.whl"))
        with zipfile.ZipFile(wheel) as archive:
            installed = sum(info.file_size for info in archive.infolist())
        site = output / "site"
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target",
             str(site), str(wheel)],
            check=True, capture_output=True,
        )  # fmt: skip
        env = {**os.environ, "PYTHONPATH": str(site)}
        loaded = subprocess.run(
            [sys.executable, "-c", FRESH_BY_NAME, f"en_{name}", str(Path(__file__).parent)],
            capture_output=True, text=True, env=env, check=False,
        )  # fmt: skip
        entry: dict[str, Any] = {
            "wheel_mb": wheel.stat().st_size / 1e6,
            "installed_mb": installed / 1e6,
            "installed_mib": installed / 2**20,
            "loads_by_name_in_fresh_process": loaded.returncode == 0,
        }
        if loaded.returncode == 0:
            entry["ner_by_name"] = json.loads(loaded.stdout.strip().splitlines()[-1])
        else:
            entry["error"] = loaded.stderr[-2000:]
        sizes[spec.name] = entry
    results["packages"] = sizes


def directory_size(path: Path) -> int:
    return sum(item.stat().st_size for item in path.rglob("*") if item.is_file())


# --------------------------------------------------------------------------------------------
# Report.


def machine_info(options: dict[str, Any]) -> dict[str, Any]:
    import torch

    model = "unknown"
    flags: set[str] = set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name") and model == "unknown":
                model = line.split(":", 1)[1].strip()
            if line.startswith("flags") and not flags:
                flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return {
        "cpu": model,
        "logical_cpus": os.cpu_count(),
        "threads": options["threads"],
        "isa": sorted(
            flags
            & {"avx2", "avx512f", "avx512_bf16", "avx512_vnni", "amx_bf16", "amx_int8", "avx_vnni"}
        ),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "platform": platform.platform(),
        "load_average_start": load_average(),
    }


def paired_ratio(a: list[float], b: list[float]) -> float | None:
    """Median over rounds of a / b measured in the same round: drift between rounds cancels."""
    if not a or not b or len(a) != len(b):
        return None
    return c.median([x / y for x, y in zip(a, b, strict=True)])


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    enc = results.get("encoders", {})
    pipes = results.get("pipelines", {})
    checks = []

    def add(name: str, value: float | None, goal: float, unit: str = "x", lower: bool = False):
        met = None if value is None else (value <= goal if lower else value >= goal)
        checks.append({"target": name, "value": value, "goal": goal, "unit": unit, "met": met})

    def tok(name: str) -> list[float]:
        return enc.get(name, {}).get("8x128", {}).get("rounds", [])

    def words(name: str, corpus: str) -> list[float]:
        return pipes.get(name, {}).get(corpus, {}).get("rounds", [])

    if enc:
        add(
            "encoder fp32 / bert-base fp32 (8x128)",
            paired_ratio(tok("minialbert-312"), tok("bert-base")),
            1.9,
        )
        fraction = enc.get("minialbert-312", {}).get("8x128", {}).get("fraction_of_fp32_ceiling")
        add("encoder fp32 share of fp32 matmul ceiling (8x128)", fraction, 0.85, "share")
    if pipes:
        base = "bert-base (spacy-transformers)"
        base_int8 = "bert-base int8 (spacy-transformers)"
        for corpus in ("mtsamples", "ncbi"):
            add(
                f"pipeline fp32 / bert-base pipeline ({corpus})",
                paired_ratio(words("minialbert-312", corpus), words(base, corpus)),
                1.8,
            )
        for variant in ("int8", "bf16"):
            name = f"minialbert-312 {variant}"
            for corpus in ("mtsamples", "ncbi"):
                add(
                    f"{variant} pipeline / bert-base fp32 pipeline ({corpus})",
                    paired_ratio(words(name, corpus), words(base, corpus)),
                    5.0,
                )
                add(
                    f"{variant} pipeline / bert-base int8 pipeline ({corpus})",
                    paired_ratio(words(name, corpus), words(base_int8, corpus)),
                    1.7,
                )
            reference = pipes.get("minialbert-312", {}).get("ner", {}).get("ents_f")
            value = pipes.get(name, {}).get("ner", {}).get("ents_f")
            if reference is not None and value is not None:
                add(f"{variant} NER F1 change (points)", abs(value - reference), 0.5, "pts", True)
    packages = results.get("packages", {})
    if packages:
        add(
            "packaged 312 pipeline fp32 (installed MB)",
            packages.get("minialbert-312", {}).get("installed_mb"),
            70,
            "MB",
            True,
        )
        add(
            "packaged 312 pipeline reduced (installed MB)",
            packages.get("minialbert-312 int8", {}).get("installed_mb"),
            30,
            "MB",
            True,
        )
    return checks


def fmt(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def table(results: dict[str, Any]) -> str:
    lines = []
    machine = results["machine"]
    gemm = machine.get("gemm_gflops", {})
    lines.append(
        f"Machine: {machine['cpu']}, {machine['logical_cpus']} CPUs, "
        f"{machine['threads']} threads, torch {machine['torch']}, "
        f"ISA {' '.join(machine['isa'])}"
    )
    lines.append(
        f"Load average (1/5/15 min) at start {machine['load_average_start']}, "
        f"at end {machine.get('load_average_end')}"
    )
    if gemm:
        lines.append(
            "Matmul ceiling: "
            + ", ".join(
                f"{d} {fmt(v['median'])} GFLOP/s (±{100 * v['spread']:.0f}%)"
                for d, v in gemm.items()
            )
        )
    enc = results.get("encoders")
    if enc:
        base = enc.get("bert-base", {}).get("8x128", {}).get("rounds", [])
        lines += [
            "",
            "| encoder | params | tok/s 8x128 | tok/s 1x512 | GFLOP/s | of fp32 ceiling"
            " | vs bert-base | peak RSS MB |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for name, e in enc.items():
            a, b = e["8x128"], e["1x512"]
            gf = a.get("gflops")
            share = a.get("fraction_of_fp32_ceiling")
            label = name
            depth = e.get("mean_updates", {}).get("8x128")
            if depth:
                label += f" (mean depth {depth:.1f}/6)"
            lines.append(
                f"| {label} | {e['parameters'] / 1e6:.1f}M | {fmt(a['tokens_per_s'])} "
                f"(±{100 * a['spread']:.0f}%) | {fmt(b['tokens_per_s'])} | {fmt(gf)} | "
                f"{'-' if share is None else f'{100 * share:.0f}%'} | "
                f"{fmt(paired_ratio(a['rounds'], base), 2)}x | {fmt(e['peak_rss_mb'])} |"
            )
    pipes = results.get("pipelines")
    if pipes:
        corp = results["corpora"]
        base = pipes.get("bert-base (spacy-transformers)", {})

        def base_rounds(corpus: str) -> list[float]:
            return base.get(corpus, {}).get("rounds", [])

        ref_f1 = pipes.get("minialbert-312", {}).get("ner", {}).get("ents_f")
        lines += [
            "",
            f"Pipelines: nlp.pipe(batch_size={c.BATCH_SIZE}) over "
            f"{corp['mtsamples']['texts']} MTSamples notes ({corp['mtsamples']['words']:,} "
            f"words) and {corp['ncbi']['texts']} NCBI-disease sentences "
            f"({corp['ncbi']['words']:,} words)",
            "",
            "| pipeline | words/s MTSamples | words/s NCBI | vs bert-base (MTS / NCBI) "
            "| saved MB | peak RSS MB | NER F1 (devel) |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for name, p in pipes.items():
            mts, ncbi = p["mtsamples"]["words_per_s"], p["ncbi"]["words_per_s"]
            ner = p.get("ner", {}).get("ents_f")
            f1 = "-"
            if ner is not None:
                f1 = f"{ner:.2f}"
                if ref_f1 is not None and name != "minialbert-312":
                    f1 += f" ({ner - ref_f1:+.2f})"
            depth = (p.get("act_mean_recursions") or {}).get("mtsamples")
            label = name + (f" (mean depth {depth:.1f}/6)" if depth else "")
            lines.append(
                f"| {label} | {fmt(mts)} (±{100 * p['mtsamples']['spread']:.0f}%) | "
                f"{fmt(ncbi)} (±{100 * p['ncbi']['spread']:.0f}%) | "
                f"{fmt(paired_ratio(p['mtsamples']['rounds'], base_rounds('mtsamples')), 2)}x / "
                f"{fmt(paired_ratio(p['ncbi']['rounds'], base_rounds('ncbi')), 2)}x | "
                f"{p['saved_mb']:.1f} | {fmt(p['peak_rss_mb'])} | {f1} |"
            )
    training = results.get("training")
    if training:
        full = training["full"]["seconds_per_step"]
        lines += [
            "",
            "| training (nlp.update, 312 + ner) | trainable transformer params | "
            "s/step | vs full |",
            "|---|---:|---:|---:|",
        ]
        for mode, t in training.items():
            lines.append(
                f"| {mode} ({t['batch_docs']} abstracts/step) | {t['trainable']:,} "
                f"({100 * t['trainable_share']:.1f}%) | {t['seconds_per_step']:.2f} "
                f"(±{100 * t['spread']:.0f}%) | {t['seconds_per_step'] / full:.2f}x |"
            )
    packages = results.get("packages")
    if packages:
        lines += [
            "",
            "| package (spacy package --build wheel) | wheel MB | installed MB (MiB) "
            "| spacy.load by name, fresh process | NER F1 by name |",
            "|---|---:|---:|---|---:|",
        ]
        for name, p in packages.items():
            f1 = p.get("ner_by_name", {}).get("ents_f")
            lines.append(
                f"| {name} | {p['wheel_mb']:.1f} | {p['installed_mb']:.1f} "
                f"({p['installed_mib']:.1f}) | "
                f"{'yes' if p['loads_by_name_in_fresh_process'] else 'NO'} | {fmt(f1, 2)} |"
            )
    checks = results.get("targets")
    if checks:
        lines += ["", "| target | measured | goal | met |", "|---|---:|---:|---|"]
        for t in checks:
            op = "<=" if t["unit"] in ("MB", "pts") else ">="
            value = "-" if t["value"] is None else f"{t['value']:.2f}"
            met = {True: "yes", False: "NO", None: "-"}[t["met"]]
            lines.append(f"| {t['target']} | {value} | {op} {t['goal']} | {met} |")
    return "\n".join(lines)


def chart(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = []
    if results.get("encoders"):
        enc = results["encoders"]
        panels.append(
            (
                "Encoder tokens/s (batch 8 x 128)",
                {n: e["8x128"]["tokens_per_s"] for n, e in enc.items()},
            )
        )
    if results.get("pipelines"):
        pipes = results["pipelines"]
        for corpus, title in (("mtsamples", "MTSamples notes"), ("ncbi", "NCBI-disease sentences")):
            panels.append(
                (
                    f"Pipeline words/s: {title}",
                    {n: p[corpus]["words_per_s"] for n, p in pipes.items()},
                )
            )
    if not panels:
        return
    figure, axes = plt.subplots(len(panels), 1, figsize=(9, 3.2 * len(panels)))
    axes = [axes] if len(panels) == 1 else list(axes)
    for axis, (title, values) in zip(axes, panels, strict=True):
        names = list(values)
        colours = [
            "tab:blue"
            if n.startswith("minialbert")
            else "tab:gray"
            if n.startswith("cnn")
            else "tab:orange"
            for n in names
        ]
        axis.barh(names[::-1], [values[n] for n in names][::-1], color=colours[::-1])
        axis.set_title(title, fontsize=10)
        axis.tick_params(labelsize=8)
        for y, n in enumerate(names[::-1]):
            axis.text(values[n], y, f" {values[n]:,.0f}", va="center", fontsize=7)
    machine = results["machine"]
    figure.suptitle(
        f"{machine['cpu']}, {machine['threads']} threads, torch {machine['torch']}", fontsize=9
    )
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pipeline", help="Trained 312 NER pipeline (F1 per option).")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results"))
    parser.add_argument(
        "--sections",
        default="encoders,pipelines,training",
        help="Comma-separated: encoders, pipelines, training, package.",
    )
    parser.add_argument("--package", action="store_true", help="Also build wheels (sizes).")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5, help="Encoder rounds.")
    parser.add_argument("--seconds", type=float, default=2.0, help="Per encoder measurement.")
    parser.add_argument("--pipeline-rounds", type=int, default=3)
    parser.add_argument("--pipe-seconds", type=float, default=2.0)
    parser.add_argument("--words", type=int, default=10000, help="Words per corpus sample.")
    parser.add_argument("--train-rounds", type=int, default=3)
    parser.add_argument("--train-steps", type=int, default=3)
    parser.add_argument("--train-batch", type=int, default=4, help="Abstracts per update.")
    parser.add_argument("--act-depth", type=float, default=4.0)
    parser.add_argument("--encoders", default="", help="Only these (comma-separated names).")
    parser.add_argument("--pipelines", default="", help="Only these (comma-separated names).")
    args = parser.parse_args()
    sections = set(args.sections.split(","))
    if args.package:
        sections.add("package")
    options = {
        "threads": args.threads,
        "rounds": args.rounds,
        "seconds": args.seconds,
        "pipeline_rounds": args.pipeline_rounds,
        "pipe_seconds": args.pipe_seconds,
        "words": args.words,
        "train_rounds": args.train_rounds,
        "train_steps": args.train_steps,
        "train_batch": args.train_batch,
        "act_depth": args.act_depth,
        "trained": args.pipeline,
        "encoders": [n for n in args.encoders.split(",") if n],
        "pipelines": [n for n in args.pipelines.split(",") if n],
    }
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    results: dict[str, Any] = {
        "command": " ".join(["python", *sys.argv]),
        "options": {k: v for k, v in options.items()},
        "machine": machine_info(options),
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    if sections & {"pipelines"}:
        options["corpora"] = corpora_for(options)
    print(f"load average {load_average()}", flush=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    def save() -> None:  # after every section, so a failure keeps what was measured
        results["machine"]["load_average_end"] = load_average()
        results["targets"] = targets(results)
        (out / "speed.json").write_text(json.dumps(results, indent=2, default=str) + "\n")

    for section, run in (
        ("encoders", run_machine_and_encoders),
        ("pipelines", run_pipelines),
        ("training", run_training),
        ("package", run_packaging),
    ):
        if section in sections:
            results.setdefault("load_average_before", {})[section] = load_average()
            run(options, results)
            save()
    save()
    chart(results, out / "speed.png")
    print(f"\nCommand: {results['command']}\nResults: {out / 'speed.json'}, {out / 'speed.png'}\n")
    print(table(results))


if __name__ == "__main__":
    main()
