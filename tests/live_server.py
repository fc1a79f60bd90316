"""Start a real `mhkg serve` process on a free loopback port, talk to it, measure it, stop it.

Every request has a client timeout, so a server that hangs fails the test instead of
hanging it; every server started here is stopped (or killed) by its own process group id.
"""

from __future__ import annotations

import http.client
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from server.process_usage import usage_of

PROJECT_ROOT = Path(__file__).resolve().parents[1]
START_WAIT_S = 45
STOP_WAIT_S = 15
REQUEST_TIMEOUT_S = 15
_PORT_TRIES = 100
# The same code as the `mhkg` console script, without depending on where it is installed.
SERVE_COMMAND = (sys.executable, "-m", "server.cli", "serve")


@dataclass
class Reply:
    """An HTTP response, read completely, and how long it took."""

    status: int
    headers: http.client.HTTPMessage
    data: bytes
    seconds: float

    @property
    def text(self) -> str:
        """Return the body as text (undecodable bytes replaced)."""
        return self.data.decode("utf-8", "replace")

    @property
    def media_type(self) -> str:
        """Return the Content-Type without parameters, lower-cased."""
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()


def free_port() -> int:
    """Return a port on 127.0.0.1 that was free a moment ago, outside the ephemeral range.

    A port from the ephemeral range (which binding to port 0 gives) may be picked again as
    the local end of a connection to it. Polled before the server listens, such a
    connection meets itself: the client reads its own request back as the answer, and the
    server then finds its port taken.
    """
    lowest_ephemeral = ephemeral_ports().start
    candidates = range(max(1024, lowest_ephemeral // 2), lowest_ephemeral)
    for port in random.sample(candidates, min(_PORT_TRIES, len(candidates))):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port below the ephemeral range in {_PORT_TRIES} tries")


def ephemeral_ports() -> range:
    """Return the range the kernel picks the local ports of connections from."""
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
    except (OSError, ValueError):
        return range(32768, 61000)  # Linux's default
    return range(int(low), int(high) + 1)


def server_environment(store: Path, port: int, **settings: object) -> dict[str, str]:
    """Return an environment configuring `mhkg serve` with MHKG_* variables."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("MHKG_")}
    environment["PYTHONPATH"] = os.pathsep.join(
        part for part in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")) if part
    )
    values = {"store_dir": store, "host": "127.0.0.1", "port": port, **settings}
    for name, value in values.items():
        environment["MHKG_" + name.upper()] = str(value)
    return environment


@dataclass
class LiveServer:
    """A running `mhkg serve` process group and how to talk to it."""

    port: int
    process: subprocess.Popen
    log: Path
    settings: dict[str, object] = field(default_factory=dict)

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
        *,
        timeout: float = REQUEST_TIMEOUT_S,
        source: str = "127.0.0.1",
    ) -> Reply:
        """Send one request on a new connection from address `source`; read the answer."""
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=timeout, source_address=(source, 0)
        )
        started = time.monotonic()
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            data = response.read()
            return Reply(response.status, response.headers, data, time.monotonic() - started)
        finally:
            connection.close()

    def get(self, path: str, headers: dict[str, str] | None = None) -> Reply:
        """Send a GET."""
        return self.request("GET", path, headers=headers)

    def log_text(self) -> str:
        """Return what the server wrote to stdout and stderr so far."""
        return self.log.read_text(encoding="utf-8", errors="replace")

    def tree(self) -> dict[int, str]:
        """Return the server's processes (the master included) with their state letters."""
        return {self.process.pid: process_state(self.process.pid), **descendants(self.process.pid)}

    def direct_children(self) -> set[int]:
        """Return the master's own children: the server workers (and helpers it started)."""
        return {pid for pid in descendants(self.process.pid) if parent_of(pid) == self.process.pid}

    def stable_tree(self, wait_s: float = 10) -> dict[int, str]:
        """Return the process tree once it has stopped changing (bounded wait)."""
        deadline = time.monotonic() + wait_s
        previous = self.tree()
        while time.monotonic() < deadline:
            time.sleep(0.5)
            current = self.tree()
            if current.keys() == previous.keys() and "Z" not in current.values():
                return current
            previous = current
        return previous

    def rss_bytes(self) -> int:
        """Return the resident memory of the whole process tree."""
        return sum(resident_bytes(pid) for pid in self.tree())

    def kill(self) -> None:
        """Kill the whole process group at once with SIGKILL, as a crash would."""
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=STOP_WAIT_S)
        _wait_until_gone(self.process.pid)

    def stop(self) -> None:
        """Stop the server gracefully (SIGTERM), then make sure no process of it is left."""
        tree = descendants(self.process.pid)
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_WAIT_S)
            except subprocess.TimeoutExpired:
                self.kill()
        left = [pid for pid in tree if _wait_until_gone(pid)]
        if left:
            _kill_group(self.process.pid)
        assert not left, f"processes left running after the server stopped: {left}"


def start_server(
    store: Path,
    log: Path,
    *,
    command: tuple[str, ...] = SERVE_COMMAND,
    **settings: object,
) -> LiveServer:
    """Start `command` (by default `mhkg serve`) over `store` and wait until it is healthy."""
    port = free_port()
    with open(log, "ab") as log_file:
        process = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=server_environment(store, port, **settings),
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so a crash can kill it whole
        )
    server = LiveServer(port, process, log, dict(settings))
    try:
        _wait_until_healthy(server)
    except BaseException:
        server.kill()
        raise
    return server


@contextmanager
def running_server(store: Path, log: Path, **options: object) -> Iterator[LiveServer]:
    """Run a server for the duration of the block."""
    server = start_server(store, log, **options)
    try:
        yield server
    finally:
        server.stop()


def _wait_until_healthy(server: LiveServer) -> None:
    deadline = time.monotonic() + START_WAIT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"the server exited at start:\n{server.log_text()}")
        try:
            if server.request("GET", "/healthz", timeout=5).status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError(
        f"the server was not healthy within {START_WAIT_S} s:\n{server.log_text()}"
    )


def descendants(pid: int) -> dict[int, str]:
    """Return the process ids below `pid`, with their state letter (Z = zombie)."""
    parents: dict[int, tuple[int, str]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:  # the process ended meanwhile
            continue
        state, parent = stat.rsplit(")", 1)[1].split()[:2]
        parents[int(entry)] = (int(parent), state)
    found: dict[int, str] = {}
    frontier = [pid]
    while frontier:
        current = frontier.pop()
        for child, (parent, state) in parents.items():
            if parent == current and child not in found:
                found[child] = state
                frontier.append(child)
    return found


def parent_of(pid: int) -> int | None:
    """Return the parent process id of `pid`, or None once it has gone."""
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except OSError:
        return None


def process_state(pid: int) -> str:
    """Return the state letter of `pid`, or "gone"."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"


def resident_bytes(pid: int) -> int:
    """Return the resident set size of `pid` (0 once it has gone)."""
    usage = usage_of(pid)
    return usage.resident_bytes if usage is not None else 0


def _wait_until_gone(pid: int) -> bool:
    """Wait (bounded) until `pid` has gone or is a zombie; return True if it still runs."""
    deadline = time.monotonic() + STOP_WAIT_S
    while time.monotonic() < deadline:
        if process_state(pid) in ("gone", "Z"):
            return False
        time.sleep(0.05)
    return True


def _kill_group(pgid: int) -> None:
    with suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)
