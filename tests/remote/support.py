"""Run a real Oxigraph server (PyPI `oxigraph`) on a loopback port as the external store."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

import pyoxigraph as ox

from tests.http.support import sample_quads
from tests.live_server import free_port

START_WAIT_S = 30
STOP_WAIT_S = 10


@dataclass(frozen=True)
class Oxigraph:
    """A running Oxigraph server and its endpoints."""

    port: int
    process: subprocess.Popen

    @property
    def base(self) -> str:
        """Return the server's root URL."""
        return f"http://127.0.0.1:{self.port}"

    def store_settings(self) -> dict[str, object]:
        """Return the settings that make our server use this one as its store."""
        return {
            "store_url": f"{self.base}/query",
            "store_update_url": f"{self.base}/update",
            "store_graph_url": f"{self.base}/store",
            # One version for the whole test, so ETags compare; writes still start new ones.
            "store_refresh_s": 86_400.0,
        }


def oxigraph_command() -> str:
    """Return the `oxigraph` command installed beside this Python, or on PATH."""
    beside = Path(sys.executable).parent / "oxigraph"
    found = str(beside) if beside.exists() else shutil.which("oxigraph")
    assert found, "the `oxigraph` command is missing: pip install -e '.[test]'"
    return found


def write_sample_store(location: Path) -> Path:
    """Write the test data (tests.http.support.sample_quads) into a store at `location`."""
    store = ox.Store(str(location))
    store.extend(sample_quads())
    store.flush()
    del store  # closes RocksDB before the server opens it
    return location


@contextmanager
def running_oxigraph(
    location: Path, *, read_only: bool, timeout_s: int | None = None
) -> Iterator[Oxigraph]:
    """Serve the store at `location` with `oxigraph serve` on 127.0.0.1; stop it after."""
    port = free_port()
    command = [oxigraph_command(), "serve-read-only" if read_only else "serve",
               "--location", str(location), "--bind", f"127.0.0.1:{port}",
               "--union-default-graph"]  # fmt: skip
    if timeout_s is not None:
        command += ["--timeout-s", str(timeout_s)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    server = Oxigraph(port, process)
    try:
        _wait_until_answering(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=STOP_WAIT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_WAIT_S)
        if process.stderr is not None:
            process.stderr.close()


def _wait_until_answering(server: Oxigraph) -> None:
    deadline = time.monotonic() + START_WAIT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"oxigraph exited at start with status {server.process.returncode}")
        try:
            with urlopen(f"{server.base}/query?query=ASK%7B%7D", timeout=2) as reply:
                if reply.status == 200:
                    return
        except (URLError, OSError):
            time.sleep(0.05)
    raise RuntimeError(f"oxigraph did not answer within {START_WAIT_S} s")
