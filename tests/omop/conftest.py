"""A throwaway PostgreSQL 15 server for the test session, and OMOP test data.

``initdb`` refuses to run as root, and CI runs as root: the cluster then belongs to the
unprivileged ``postgres`` system user (``runuser``), in a temporary folder handed to it. The
server listens on 127.0.0.1 on a free port, its unix socket in that folder, and is stopped with
``pg_ctl`` when the session ends (immediate mode: the cluster is thrown away, no checkpoint
is worth waiting for). Skipped, saying why, only where the server binaries are missing, and
failed instead in CI (``CI`` set), which must run them.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
RUN_AS = "postgres"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", RUN_AS, "--", *command]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """``postgresql+psycopg2://...`` of an empty database on a server started for the session."""
    initdb, pg_ctl = PG_BIN / "initdb", PG_BIN / "pg_ctl"
    if not (initdb.exists() and pg_ctl.exists()):
        message = f"PostgreSQL server binaries not found in {PG_BIN} (set PG_BIN)"
        if os.environ.get("CI"):
            pytest.fail(f"{message}; CI must run the PostgreSQL tests")
        pytest.skip(message)
    pytest.importorskip("psycopg2", reason="psycopg2 (the omop extra) is not installed")
    root = Path(tempfile.mkdtemp(prefix="omop-pg-"))
    if os.geteuid() == 0:
        user = pwd.getpwnam(RUN_AS)
        os.chown(root, user.pw_uid, user.pw_gid)
    data, log = root / "data", root / "server.log"
    port = _free_port()
    subprocess.run(
        _as_server_user([str(initdb), "-D", str(data), "-U", "omop", "--auth=trust", "-E", "UTF8"]),
        check=True,
        capture_output=True,
    )
    options = f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={root}"
    started = subprocess.run(
        _as_server_user(
            [str(pg_ctl), "-D", str(data), "-l", str(log), "-o", options, "-w", "-t", "60", "start"]
        ),
        capture_output=True,
        text=True,
    )
    if started.returncode != 0:
        detail = log.read_text() if log.exists() else started.stderr
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"PostgreSQL did not start: {detail}")
    try:
        subprocess.run(
            _as_server_user(
                [str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "omop", "cdm"]
            ),
            check=True,
            capture_output=True,
        )
        yield f"postgresql+psycopg2://omop@127.0.0.1:{port}/cdm"
    finally:
        subprocess.run(
            _as_server_user([str(pg_ctl), "-D", str(data), "-m", "immediate", "-w", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)


_databases = iter(range(1, 10**6))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each kind: a SQLite file, or a new database on the session's
    PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'cdm.db'}"
    server = request.getfixturevalue("postgres_url")
    from sqlalchemy import create_engine, text

    name = f"cdm_{next(_databases)}"
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name}"))
    finally:
        engine.dispose()
    return server.rsplit("/", 1)[0] + f"/{name}"
