"""Start a real server (`python -m server.serve`) on a free loopback port for these tests."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.http.support import UPDATE_TOKEN, build_store, descendants

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_S = 2
MAX_ROWS = 100
MAX_REQUEST_BYTES = 20_000
START_WAIT_S = 30
STOP_WAIT_S = 15


@dataclass
class Reply:
    """An HTTP response, read completely."""

    status: int
    headers: http.client.HTTPMessage
    data: bytes

    @property
    def text(self) -> str:
        """Return the body as text."""
        return self.data.decode()


@dataclass
class LiveServer:
    """A running server and how to talk to it."""

    port: int
    process: subprocess.Popen
    log: Path

    @property
    def base_url(self) -> str:
        """Return the URL of the server's root."""
        return f"http://127.0.0.1:{self.port}"

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 30,
    ) -> Reply:
        """Send one request on a new connection and read the whole answer."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return Reply(response.status, response.headers, response.read())
        finally:
            connection.close()

    def get(self, path: str, headers: dict[str, str] | None = None) -> Reply:
        """Send a GET, like a Flask test client (tests.http.support.count_quads uses it)."""
        return self.request("GET", path, headers=headers)

    def stable_descendants(self) -> dict[int, str]:
        """Return the server's process tree once it has stopped changing (bounded wait)."""
        deadline = time.monotonic() + 10
        previous = descendants(self.process.pid)
        while time.monotonic() < deadline:
            time.sleep(0.5)
            current = descendants(self.process.pid)
            if current.keys() == previous.keys():
                return current
            previous = current
        return previous


def free_port() -> int:
    """Return a port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_environment(store: Path, port: int) -> dict[str, str]:
    """Return the environment that configures the server under test."""
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")]),
        "MHKG_STORE_DIR": str(store),
        "MHKG_HOST": "127.0.0.1",
        "MHKG_PORT": str(port),
        "MHKG_WORKERS": "2",
        "MHKG_QUERY_PROCESSES": "2",
        "MHKG_QUERY_TIMEOUT_S": str(TIMEOUT_S),
        "MHKG_MAX_RESULT_ROWS": str(MAX_ROWS),
        "MHKG_MAX_REQUEST_BYTES": str(MAX_REQUEST_BYTES),
        "MHKG_UPDATE_TOKEN": UPDATE_TOKEN,
    }


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server over its own test store; stopped, with all its processes, at the end."""
    root = tmp_path_factory.mktemp("live")
    store = build_store(root / "store")
    port = free_port()
    log = root / "server.log"
    with open(log, "wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "server.serve"],
            cwd=root,
            env=server_environment(store, port),
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    server = LiveServer(port, process, log)
    try:
        _wait_until_healthy(server)
        yield server
    finally:
        tree = descendants(process.pid)
        process.terminate()
        try:
            process.wait(timeout=STOP_WAIT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_WAIT_S)
    _assert_all_gone(tree)


def _wait_until_healthy(server: LiveServer) -> None:
    deadline = time.monotonic() + START_WAIT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"the server exited at start:\n{server.log.read_text()}")
        try:
            if server.request("GET", "/healthz", timeout=2).status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    pytest.fail(f"the server did not become healthy in {START_WAIT_S} s:\n{server.log.read_text()}")


def _assert_all_gone(pids: dict[int, str]) -> None:
    deadline = time.monotonic() + STOP_WAIT_S
    running = set(pids)
    while running and time.monotonic() < deadline:
        running = {pid for pid in running if _is_running(pid)}
        time.sleep(0.1)
    assert not running, f"processes left running after the server stopped: {sorted(running)}"


def _is_running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has stopped running
