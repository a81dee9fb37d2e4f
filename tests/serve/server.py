"""`spacy-minialbert serve` in a subprocess on a free loopback port, for tests and benchmarks."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class ServerProcess:
    """The service as a child process; its stdout and stderr go to ``log_path``."""

    def __init__(
        self, model: Path | str, log_path: Path, *args: str, env: dict[str, str] | None = None
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        command = [sys.executable, "-m", "spacy_minialbert", "serve", str(model)]
        command += ["--host", "127.0.0.1", "--port", str(self.port), *args]
        self._log = log_path.open("wb")
        self.process = subprocess.Popen(
            command, stdout=self._log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
        )

    def log(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_for(self, path: str, timeout_s: float = 120.0) -> httpx.Response:
        """Poll ``path`` until it answers 200; fails if the process dies or time runs out."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the server exited with {self.process.returncode}:\n{self.log()}"
                )
            try:
                response = httpx.get(self.url + path, timeout=5.0)
                if response.status_code == 200:
                    return response
                if path == "/health":  # 503: the pipeline failed to load, no use waiting
                    raise RuntimeError(f"{response.json()['detail']}\n{self.log()}")
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise TimeoutError(f"{path} did not answer 200 in {timeout_s} s:\n{self.log()}")

    def stop(self, timeout_s: float = 60.0) -> int:
        """SIGTERM (a graceful shutdown), then the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        self._log.close()
        return code
