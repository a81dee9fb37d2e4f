"""Load test of `spacy-minialbert serve`: real MTSamples notes sent by concurrent clients over
loopback, against `spacy-minialbert annotate` on the same notes and cores.

    .venv/bin/python -m benchmarks.serve_load              # 2,000 notes, 16 clients
    .venv/bin/python -m benchmarks.serve_load --notes 50   # a quick check that it works

1. ``annotate`` (the command, in a subprocess) on the notes as JSONL: its notes/s and words/s
   (the run's own timer, model loading excluded).
2. ``serve`` in a subprocess on a free 127.0.0.1 port; when ``/ready``, ``--clients`` async
   clients (httpx, one process) send the notes ``--notes-per-request`` at a time, each client
   sending its next request when its previous one is answered. Wall time from the first request
   to the last answer; latency per request; errors (any status but 200, or a failed note).

Both phases are bounded (``--time-limit`` each) and run one after the other, never together.
The clients share the machine with the server: on few cores their CPU time is part of what the
service costs. Prints a Markdown table (and writes it, and the raw figures as JSON, with
``--output``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from benchmarks.data import CLI, mtsamples_notes, write_notes, write_report

DEFAULT_MODEL = "en_minialbert_clinical_context"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=DEFAULT_MODEL, help="pipeline package or directory")
    parser.add_argument("--notes", type=int, default=2000, help="MTSamples notes to send")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients")
    parser.add_argument("--notes-per-request", type=int, default=1)
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    parser.add_argument("--max-batch-notes", type=int, default=32, help="server batch limit")
    parser.add_argument("--max-wait-ms", type=float, default=5.0, help="server gathering wait")
    parser.add_argument("--batch-size", type=int, default=32, help="annotate's batch size")
    parser.add_argument("--time-limit", type=float, default=1200.0, help="seconds per phase")
    parser.add_argument("--skip-annotate", action="store_true", help="serve only, no ratio")
    parser.add_argument("--output", type=Path, help="write the table (.md) and figures (.json)")
    return parser.parse_args()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run_annotate(
    args: argparse.Namespace, notes: list[tuple[str, str]], directory: Path
) -> dict[str, Any]:
    source, output = directory / "notes.jsonl", directory / "annotated.jsonl"
    write_notes(source, notes)
    command = [*CLI, "annotate", args.model, str(source), str(output), "--no-progress"]
    command += ["--batch-size", str(args.batch_size)]
    subprocess.run(command, check=True, timeout=args.time_limit, stdout=subprocess.DEVNULL)
    summary = json.loads((directory / "annotated.summary.json").read_text())
    seconds = summary["seconds"]
    return {
        "notes": summary["written"],
        "failed": summary["failed"],
        "words": summary["words"],
        "seconds": seconds,
        "notes_per_s": summary["written"] / seconds,
        "words_per_s": summary["words"] / seconds,
    }


@dataclass
class Load:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    notes_ok: int = 0
    notes_failed: int = 0
    transport_errors: int = 0
    unsent: int = 0


async def send_all(
    url: str, notes: list[tuple[str, str]], args: argparse.Namespace, deadline: float
) -> tuple[Load, float]:
    load = Load()
    queue: asyncio.Queue[list[tuple[str, str]]] = asyncio.Queue()
    for start in range(0, len(notes), args.notes_per_request):
        queue.put_nowait(notes[start : start + args.notes_per_request])
    limits = httpx.Limits(max_connections=args.clients, max_keepalive_connections=args.clients)

    async def client(http: httpx.AsyncClient) -> None:
        while not queue.empty():
            chunk = queue.get_nowait()
            if time.monotonic() > deadline:
                load.unsent += len(chunk)
                continue
            body = [{"id": note_id, "text": text} for note_id, text in chunk]
            started = time.perf_counter()
            try:
                response = await http.post(url + "/v1/annotate", json=body)
            except httpx.TransportError:
                load.transport_errors += 1
                continue
            load.latencies.append(time.perf_counter() - started)
            load.statuses[response.status_code] += 1
            if response.status_code == 200:
                ok = [result["status"] == "ok" for result in response.json()["results"]]
                load.notes_ok += sum(ok)
                load.notes_failed += len(ok) - sum(ok)

    async with httpx.AsyncClient(limits=limits, timeout=args.time_limit) as http:
        started = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(args.clients)))
        return load, time.perf_counter() - started


def run_serve(
    args: argparse.Namespace, notes: list[tuple[str, str]], words: int | None, log_path: Path
) -> dict[str, Any]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [*CLI, "serve", args.model, "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(args.workers), "--max-batch-notes", str(args.max_batch_notes)]
    command += ["--max-wait-ms", str(args.max_wait_ms), "--log-level", "info"]
    command += ["--max-notes-per-request", str(max(64, args.notes_per_request))]
    command += ["--max-queue-notes", str(max(256, args.clients * args.notes_per_request))]
    with log_path.open("wb") as log:
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_ready(url, server, time.monotonic() + 300)
            info = httpx.get(url + "/v1/model").json()
            deadline = time.monotonic() + args.time_limit
            load, seconds = asyncio.run(send_all(url, notes, args, deadline))
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(60)
            except subprocess.TimeoutExpired:
                server.kill()
    batches = batch_sizes(log_path.read_text(encoding="utf-8", errors="replace"))
    latencies = sorted(load.latencies)
    errors = sum(n for status, n in load.statuses.items() if status != 200)
    errors += load.transport_errors + load.notes_failed
    return {
        "model": f"{info['name']} {info['version']}",
        "torch_threads": info["service"]["torch_threads"],
        "notes": load.notes_ok,
        "unsent": load.unsent,
        "seconds": seconds,
        "notes_per_s": load.notes_ok / seconds,
        "words_per_s": (words / seconds) if words is not None and not load.unsent else None,
        "requests": len(latencies),
        "statuses": load.statuses,
        "errors": errors,
        **{f"p{q}_ms": percentile(latencies, q) * 1000 for q in (50, 95, 99)},
        "mean_ms": statistics.fmean(latencies) * 1000 if latencies else float("nan"),
        "mean_batch_notes": statistics.fmean(batches) if batches else None,
    }


def batch_sizes(log: str) -> list[int]:
    """The size of the batch each annotate request joined, from the server's access log."""
    return [
        int(line.split("batch_notes=")[1].split()[0])
        for line in log.splitlines()
        if "path=/v1/annotate status=200" in line and "batch_notes=" in line
    ]


def wait_ready(url: str, server: subprocess.Popen[bytes], deadline: float) -> None:
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with {server.returncode} (see its log)")
        try:
            if httpx.get(url + "/ready", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise TimeoutError("the server was not ready in 300 s")


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile of sorted ``values``."""
    if not values:
        return float("nan")
    rank = max(1, round(q / 100 * len(values) + 0.5 - 1e-9))
    return values[min(rank, len(values)) - 1]


def table(args: argparse.Namespace, base: dict[str, Any] | None, serve: dict[str, Any]) -> str:
    def fmt(value: float | None, digits: int = 1) -> str:
        return "n/a" if value is None else f"{value:,.{digits}f}"

    ratio = serve["notes_per_s"] / base["notes_per_s"] if base else None
    lines = [
        f"Model `{serve['model']}`; {serve['notes']:,} MTSamples notes sent by {args.clients} "
        f"clients, {args.notes_per_request} note(s) per request, over loopback; "
        f"{args.workers} worker(s) x {serve['torch_threads']} torch thread(s); server batches of "
        f"at most {args.max_batch_notes} notes gathered for {args.max_wait_ms:g} ms; "
        f"{os.cpu_count()} cores ({platform.processor() or platform.machine()}).",
        "",
        "| | notes/s | words/s | p50 ms | p95 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    if base:
        lines.append(
            f"| `annotate` (batch {args.batch_size}) | {fmt(base['notes_per_s'])} "
            f"| {fmt(base['words_per_s'], 0)} | | | | {base['failed']} |"
        )
    lines.append(
        f"| `serve`, {args.clients} clients | {fmt(serve['notes_per_s'])} "
        f"| {fmt(serve['words_per_s'], 0)} | {fmt(serve['p50_ms'], 0)} | {fmt(serve['p95_ms'], 0)} "
        f"| {fmt(serve['p99_ms'], 0)} | {serve['errors']} |"
    )
    lines.append("")
    if ratio is not None:
        verdict = "meets" if ratio >= 0.8 else "misses"
        lines.append(f"Service throughput: {ratio:.0%} of `annotate`'s ({verdict} the 80% target).")
    if serve["unsent"]:
        lines.append(f"Time limit reached: {serve['unsent']} notes were not sent.")
    lines.append(f"Statuses: {json.dumps(serve['statuses'])}.")
    if serve["mean_batch_notes"] is not None:
        lines.append(
            f"Each request was annotated in a batch of {serve['mean_batch_notes']:.1f} notes "
            "on average (from the server's access log)."
        )
    return "\n".join(lines)


def main() -> None:
    args = parse_args()
    texts = mtsamples_notes()
    if len(texts) < args.notes:
        raise SystemExit(f"MTSamples holds {len(texts)} distinct notes, fewer than {args.notes}.")
    notes = [(str(i), text) for i, text in enumerate(texts[: args.notes])]
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="serve-load-") as scratch:
        directory = Path(scratch)
        base = None if args.skip_annotate else run_annotate(args, notes, directory)
        log_path = args.output.with_suffix(".server.log") if args.output else directory / "log"
        serve = run_serve(args, notes, base["words"] if base else None, log_path)
    report = table(args, base, serve)
    print(report)
    if args.output:
        write_report(args, report + "\n", annotate=base, serve=serve)


if __name__ == "__main__":
    main()
