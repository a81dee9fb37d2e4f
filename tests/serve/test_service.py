"""`spacy-minialbert serve` over real HTTP: the server runs in a subprocess on a loopback port
with the tiny trained pipeline plus the components of ``components.py``.

One server for the module (starting one costs seconds); the tests run in order and the last one
shuts it down. Its limits are small so the tests can reach them: a queue of 8 notes (set through
the environment variable, to check the fallback), 8 notes per request, 2,000 characters per note,
20,000 bytes per request, and 150 ms of gathering so concurrent requests share a batch.
"""

from __future__ import annotations

import json
import random
import signal
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from spacy_minialbert.annotate import PipelineSpec, RunOptions, annotate, load_pipeline, open_notes
from tests.serve.components import FAILURE_MARKER, SLOW_MARKER, SLOW_SECONDS
from tests.serve.server import ServerProcess
from tests.support.synthetic_notes import TEST_NOTE, synthetic_note

COMPONENTS = Path(__file__).parent / "components.py"
LOAD_DELAY_S = 3.0  # the early requests must all land within it, even on a busy machine
NOTES = {"n0": TEST_NOTE} | {f"n{i}": synthetic_note(random.Random(i))[0] for i in range(1, 7)}
CONCEPTS = """kind,name,concept_id,source_concept_id
label,PROBLEM,4274025,17
section,chief_complaint,1234,
"""
FAILING_TEXT = f"Reports fever . {FAILURE_MARKER}"
SLOW_TEXT = f"Reports fever . {SLOW_MARKER}"


def without_source(record: dict[str, Any]) -> dict[str, Any]:
    """The record minus where it came from (a file line for annotate, request#position here)."""
    return {key: value for key, value in record.items() if key != "source"}


@pytest.fixture(scope="module")
def reference(serve_pipeline: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """What `annotate` writes for NOTES, by id."""
    directory = tmp_path_factory.mktemp("reference")
    source = directory / "notes.jsonl"
    source.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in NOTES.items()))
    nlp, _ = load_pipeline(PipelineSpec(str(serve_pipeline)))
    output = directory / "annotated.jsonl"
    annotate(nlp, open_notes(source), output, RunOptions(progress=False))
    records = [json.loads(line) for line in output.read_text().splitlines()]
    assert [record["id"] for record in records] == list(NOTES)
    assert any(record["entities"] for record in records)  # the comparison means something
    return {record["id"]: without_source(record) for record in records}


@pytest.fixture(scope="module")
def server(serve_pipeline: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    directory = tmp_path_factory.mktemp("server")
    log_path = directory / "server.log"
    (directory / "concepts.csv").write_text(CONCEPTS)
    server = ServerProcess(
        serve_pipeline,
        log_path,
        "--code", str(COMPONENTS),
        "--omop-concepts", str(directory / "concepts.csv"),
        "--threads", "1",
        "--max-batch-notes", "16",
        "--max-wait-ms", "150",
        "--max-notes-per-request", "8",
        "--max-note-chars", "2000",
        "--max-request-bytes", "20000",
        env={
            "SPACY_MINIALBERT_SERVE_MAX_QUEUE_NOTES": "8",
            "SERVE_TEST_LOAD_DELAY_S": str(LOAD_DELAY_S),
        },
    )  # fmt: skip
    try:
        server.wait_for("/health")
        server.early = {path: httpx.get(server.url + path) for path in ("/ready", "/v1/model")} | {
            "/v1/annotate": httpx.post(server.url + "/v1/annotate", json=note("n0"))
        }
        server.wait_for("/ready")
        yield server
    finally:
        server.stop()


def note(note_id: str, **extra: Any) -> dict[str, Any]:
    return {"id": note_id, "text": NOTES[note_id], **extra}


def post(server: Any, body: Any, **kwargs: Any) -> httpx.Response:
    return httpx.post(server.url + "/v1/annotate", json=body, timeout=60.0, **kwargs)


def test_not_ready_until_the_pipeline_is_loaded(server: Any) -> None:
    for path, response in server.early.items():
        assert response.status_code == 503, path
        assert int(response.headers["retry-after"]) >= 1
        assert "loading" in response.json()["detail"]
    assert httpx.get(server.url + "/health").json() == {"status": "alive"}
    assert httpx.get(server.url + "/ready").json() == {"status": "ready"}


def test_single_note_gives_the_record_annotate_writes(server: Any, reference: dict) -> None:
    response = post(server, note("n0"), headers={"X-Request-ID": "req-single"})
    assert response.status_code == 200
    assert response.headers["x-request-id"] == "req-single"
    body = response.json()
    assert body["request_id"] == "req-single"
    [result] = body["results"]
    assert (result["id"], result["status"]) == ("n0", "ok")
    assert result["record"]["source"] == "req-single#0"
    assert without_source(result["record"]) == reference["n0"]


def test_batch_gives_annotates_records_and_a_failing_note_fails_alone(
    server: Any, reference: dict
) -> None:
    body = [
        note("n1", metadata={"encounter": 7}),
        {"id": "broken", "text": FAILING_TEXT},
        note("n2"),
        {"id": "blank", "text": "  \n "},
        note("n3"),
        {"id": "n3", "text": NOTES["n4"]},
    ]
    response = post(server, body)
    assert response.status_code == 200
    results = response.json()["results"]
    assert [(r["id"], r["status"]) for r in results] == [
        ("n1", "ok"), ("broken", "failed"), ("n2", "ok"),
        ("blank", "failed"), ("n3", "ok"), ("n3", "failed"),
    ]  # fmt: skip
    for result in results:
        if result["status"] == "ok":
            assert without_source(result["record"]) == reference[result["id"]]
    assert results[0]["metadata"] == {"encounter": 7}
    assert results[1]["reason"] == "pipeline error"
    assert "component 'serve_test_fails_on_marker'" in results[1]["detail"]
    assert "RuntimeError" in results[1]["detail"]
    # As in annotate's errors file, the exception's message is withheld: it may quote the note.
    assert "this note breaks the component" not in results[1]["detail"]
    assert results[3]["reason"] == "empty text"
    assert results[5]["reason"] == "duplicate id"


def access_lines(server: Any, marker: str, count: int) -> list[str]:
    """The access log lines holding ``marker``, once there are ``count`` (the server writes a
    line just after sending its response, so the client can be a little ahead)."""
    deadline = time.monotonic() + 10
    while True:
        lines = [line for line in server.log().splitlines() if marker in line]
        if len(lines) >= count or time.monotonic() > deadline:
            return lines
        time.sleep(0.05)


def test_concurrent_requests_share_a_batch_and_get_their_own_records(
    server: Any, reference: dict
) -> None:
    # The requests arrive while a slow note holds the worker: when it is free, it takes every
    # request waiting into one batch (no timing luck needed), and each gets its own records.
    ids = [f"n{i}" for i in range(1, 7)]
    with ThreadPoolExecutor(1 + len(ids)) as pool:
        slow = pool.submit(post, server, {"id": "slow", "text": SLOW_TEXT})
        time.sleep(0.5)
        responses = list(
            pool.map(
                lambda i: post(server, note(i), headers={"X-Request-ID": f"concurrent-{i}"}), ids
            )
        )
        assert slow.result().status_code == 200
    for note_id, response in zip(ids, responses, strict=True):
        assert response.status_code == 200
        [result] = response.json()["results"]
        assert result["id"] == note_id
        assert without_source(result["record"]) == reference[note_id]
    lines = access_lines(server, "request_id=concurrent-", len(ids))
    assert len(lines) == len(ids)
    batch_sizes = [int(line.split("batch_notes=")[1].split()[0]) for line in lines]
    assert max(batch_sizes) >= 2, lines


@pytest.mark.parametrize(
    ("content", "where"),
    [
        (b'{"id": "1", "text": "Denies chest pain .', "body (character"),
        (b'{"id": "1"}', "body.text: Field required"),
        (b'[{"id": "1", "text": "a"}, {"id": "2", "txt": "b"}]', "body.notes[1].text"),
        (b'{"id": "1", "text": 17}', "body.text: Input should be a valid string"),
        (b'{"id": "", "text": "a"}', "body.id"),
        (b'{"id": true, "text": "a"}', "body.id: Input should be a valid string"),
        (b'"just text"', "body"),
        (b"[]", "no notes"),
    ],
)
def test_bad_bodies_get_422_saying_where(server: Any, content: bytes, where: str) -> None:
    response = httpx.post(
        server.url + "/v1/annotate", content=content, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert where in detail
    assert "Denies chest pain" not in response.text  # values are not echoed back


def test_too_much_gets_413(server: Any) -> None:
    nine = [{"id": str(i), "text": "Reports fever ."} for i in range(9)]
    response = post(server, nine)
    assert response.status_code == 413
    assert "9 notes" in response.json()["detail"]

    long = {"id": "long", "text": "fever . " * 300}
    response = post(server, [note("n1"), long])
    assert response.status_code == 413
    assert "Note 1 (id 'long') has 2400 characters" in response.json()["detail"]

    big = json.dumps([{"id": str(i), "text": "x" * 2600} for i in range(8)]).encode()
    response = httpx.post(
        server.url + "/v1/annotate", content=big, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert "limit is 20000 bytes" in response.json()["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit applies as it streams
        yield big[:10_000]
        yield big[10_000:]

    response = httpx.post(
        server.url + "/v1/annotate", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert "more than 20000 bytes" in response.json()["detail"]


def test_model_and_docs(server: Any) -> None:
    info = httpx.get(server.url + "/v1/model").json()
    assert info["components"][:2] == ["transformer", "ner"]
    assert {"textcat", "serve_test_fails_on_marker", "medspacy_context"} <= set(info["components"])
    assert set(info["labels"]["ner"]) == {"PROBLEM", "TREATMENT"}
    assert info["service"]["max_queue_notes"] == 8  # from SPACY_MINIALBERT_SERVE_MAX_QUEUE_NOTES
    assert info["service"]["torch_threads"] == 1
    import spacy_minialbert

    assert info["spacy_minialbert_version"] == spacy_minialbert.__version__
    assert "/v1/annotate" in httpx.get(server.url + "/openapi.json").json()["paths"]
    assert httpx.get(server.url + "/docs").status_code == 200


def test_overload_gets_503_with_retry_after_and_the_server_stays_up(
    server: Any, reference: dict
) -> None:
    # One slow note holds the worker; then 24 single-note requests meet a queue of 8 notes.
    with ThreadPoolExecutor(25) as pool:
        slow = pool.submit(post, server, {"id": "slow", "text": SLOW_TEXT})
        time.sleep(0.5)
        responses = list(pool.map(lambda i: post(server, note(f"n{1 + i % 6}")), range(24)))
        assert slow.result().status_code == 200
    statuses = [response.status_code for response in responses]
    # How many get in depends on how fast the requests arrive while the slow note holds the
    # worker (it takes one place of the 8); some must be refused, and none may fail otherwise.
    assert set(statuses) == {200, 503}, statuses
    for response in responses:
        if response.status_code == 503:
            assert int(response.headers["retry-after"]) >= 1
            assert "queue is full" in response.json()["detail"]
        else:
            [result] = response.json()["results"]
            assert without_source(result["record"]) == reference[result["id"]]
    assert httpx.get(server.url + "/health").status_code == 200
    assert post(server, note("n1")).status_code == 200


def test_omop_note_nlp_rows_on_request(server: Any, reference: dict) -> None:
    from spacy_minialbert.omop import ConceptMap, RowSettings, note_rows
    from spacy_minialbert.omop.rows import Truncations

    body = [{"id": 17, "text": NOTES["n0"]}, {"id": "18", "text": FAILING_TEXT}]
    response = post(server, body, params={"omop": "true"})
    assert response.status_code == 200
    ok, failed = response.json()["results"]
    assert (failed["status"], failed["reason"], "note_nlp" in failed) == (
        "failed",
        "pipeline error",
        False,
    )
    assert ok["id"] == ok["record"]["id"] == "17"  # an integer id, as its text
    rows = ok["note_nlp"]
    entities = reference["n0"]["entities"]
    assert len(rows) == len(entities) > 0
    assert [row["note_nlp_id"] for row in rows] == [17_000 + i for i in range(len(entities))]
    # The rows annotate-omop writes for the same record and text (the same mapping too).
    expected = note_rows(
        {**reference["n0"], "id": "17"},
        NOTES["n0"],
        RowSettings(
            nlp_system=rows[0]["nlp_system"],
            processed=datetime.fromisoformat(rows[0]["nlp_datetime"]),
            concepts=ConceptMap({"PROBLEM": (4274025, 17)}, {"chief_complaint": 1234}),
        ),
        Truncations(),
    )
    for row in expected:
        row["nlp_date"], row["nlp_datetime"] = (
            row["nlp_date"].isoformat(),
            row["nlp_datetime"].isoformat(),
        )
    assert rows == expected
    assert {row["note_nlp_concept_id"] for row in rows if "PROBLEM" in row["term_modifiers"]} == {
        4274025
    }
    assert rows[0]["nlp_system"].startswith("spacy-minialbert ")

    assert "note_nlp" not in post(server, note("n0")).json()["results"][0]
    response = post(server, [{"id": "17", "text": "a"}, note("n1")], params={"omop": "true"})
    assert response.status_code == 422
    assert "Note 1 (id 'n1') is not a non-negative integer" in response.json()["detail"]


def test_the_log_has_ids_sizes_and_timings_but_no_note_text(server: Any) -> None:
    log = server.log()
    assert "status=503" in log and "status=413" in log and "status=422" in log
    assert "request_id=req-single method=POST path=/v1/annotate status=200 notes=1" in log
    for text in [*NOTES.values(), FAILING_TEXT, SLOW_TEXT]:
        for line in text.splitlines():
            if line.strip():
                assert line.strip() not in log
    for phrase in ("chest pain", "fever", "this note breaks the component", "Denies"):
        assert phrase not in log


def test_shutdown_finishes_the_requests_in_flight(server: Any) -> None:
    with ThreadPoolExecutor(1) as pool:
        in_flight = pool.submit(post, server, [{"id": "slow", "text": SLOW_TEXT}, note("n2")])
        time.sleep(SLOW_SECONDS / 4)  # admitted, and the worker is sleeping on it
        started = time.monotonic()
        # uvicorn ends a graceful shutdown by re-raising the signal it caught
        assert server.stop() in (0, -signal.SIGTERM)
        response = in_flight.result()
    assert time.monotonic() - started >= SLOW_SECONDS / 2  # it waited for the note
    assert response.status_code == 200
    assert [r["status"] for r in response.json()["results"]] == ["ok", "ok"]
    assert "Finished server process" in server.log()
