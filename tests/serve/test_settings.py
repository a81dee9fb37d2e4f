"""The service's settings: the CPU shared between workers, limits that contradict each other, and
the round trip through the environment that carries them to uvicorn's worker processes."""

from __future__ import annotations

import pytest

from spacy_minialbert.serve.settings import SERVE_SETTINGS_ENV, ServeSettings, available_cores


def test_workers_share_the_cores() -> None:
    cores = available_cores()
    assert ServeSettings("m").torch_threads == cores
    assert ServeSettings("m", workers=2).torch_threads == max(1, cores // 2)
    assert ServeSettings("m", workers=4 * cores).torch_threads == 1
    assert ServeSettings("m", workers=2, threads=3).torch_threads == 3


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"workers": 0}, "workers must be at least 1"),
        ({"threads": 0}, "threads must be at least 1"),
        ({"max_wait_ms": -1}, "max_wait_ms must not be negative"),
        ({"max_queue_notes": 8, "max_notes_per_request": 9}, "must not exceed max_queue_notes"),
    ],
)
def test_contradictory_settings_are_refused(values: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ServeSettings("m", **values)


def test_settings_travel_through_the_environment() -> None:
    settings = ServeSettings("pipeline", code=("a.py", "b.py"), workers=3, max_wait_ms=2.5)
    assert ServeSettings.from_env({SERVE_SETTINGS_ENV: settings.to_env()}) == settings
    with pytest.raises(RuntimeError, match="spacy-minialbert serve MODEL"):
        ServeSettings.from_env({})
