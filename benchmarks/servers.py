"""Start the servers under test on 127.0.0.1, wait until they answer, measure and stop them.

`mhkg serve` (ours), `oxigraph serve-read-only` (PyPI `oxigraph`) on the same store
directory, and rdflib-endpoint (PyPI) on an N-Quads dump of the same quads.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from benchmarks.client import Connection, Planned, encode_get

# The test suite's port picker, which keeps clear of the ports connections are made from.
from tests.live_server import free_port

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PROBE_QUERY = "ASK {}"
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
STOP_WAIT_S = 15


@dataclass
class Server:
    """A running server process and where it answers SPARQL."""

    name: str
    port: int
    endpoint: str
    process: subprocess.Popen
    log: Path
    started_at: float = field(default_factory=time.perf_counter)
    ready_after_s: float | None = None
    ready_cpu_s: float | None = None

    def probe(self, timeout_s: float) -> int:
        """Send one ASK {} and return the status; raise OSError when nothing answers."""
        planned = Planned("probe", f"{self.endpoint}?query={quote(PROBE_QUERY)}", "*/*")
        connection = Connection(self.port, timeout_s)
        try:
            return connection.exchange(encode_get(self.port, planned, None)).status
        finally:
            connection.close()

    def wait_until_ready(self, limit_s: float) -> float:
        """Return the seconds from start to the first answered query; fail after `limit_s`.

        `ready_cpu_s` is then the CPU time the server's processes used to get there.
        """
        deadline = self.started_at + limit_s
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start:\n{self.log.read_text()[-3000:]}")
            try:
                if self.probe(timeout_s=2) == 200:
                    self.ready_after_s = time.perf_counter() - self.started_at
                    self.ready_cpu_s = self.cpu_seconds()
                    return self.ready_after_s
            except OSError:
                pass
            time.sleep(0.02)
        raise RuntimeError(f"{self.name} did not answer within {limit_s} s")

    def wait_until_idle(self, limit_s: float) -> float:
        """Wait until a probe is answered within 1 s, i.e. queued work is done; return seconds.

        A server that evaluates queries one at a time (rdflib-endpoint) keeps working on
        requests whose clients gave up; the next measurement must not share the CPU with it.
        """
        started = time.perf_counter()
        while time.perf_counter() - started < limit_s:
            probe_started = time.perf_counter()
            try:
                if self.probe(timeout_s=limit_s) == 200 and time.perf_counter() - probe_started < 1:
                    return time.perf_counter() - started
            except OSError:
                pass
        raise RuntimeError(f"{self.name} stayed busy for {limit_s} s")

    def cpu_seconds(self) -> float:
        """Return the CPU time the server's processes have used so far."""
        return sum(self.cpu_by_kind().values())

    def cpu_by_kind(self) -> dict[str, float]:
        """Return the CPU time used so far by each kind of the server's processes.

        Processes that ended were reaped by their parent and count there: a query process
        replaced after a long query counts in its fork server's children's time, which is
        charged to the query processes.
        """
        totals: dict[str, float] = {}
        for pid, kind in self.process_kinds().items():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # ended meanwhile
            own, children = fields[11:13], fields[13:15]
            totals[kind] = totals.get(kind, 0.0) + sum(map(int, own)) / _CLOCK_TICKS
            heir = "query process" if kind == "fork server" else kind
            totals[heir] = totals.get(heir, 0.0) + sum(map(int, children)) / _CLOCK_TICKS
        return totals

    def process_kinds(self) -> dict[int, str]:
        """Return the server's processes by kind: master, worker, fork server, query process.

        Anything else (a resource tracker) is "other"; a server of one process is "master".
        """
        kinds = {self.process.pid: "master"}
        fork_servers = set()
        for pid in descendants(self.process.pid):
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
                parent = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            if b"forkserver" in command and parent in fork_servers | set(kinds):
                if parent in fork_servers:
                    kinds[pid] = "query process"
                else:
                    fork_servers.add(pid)
                    kinds[pid] = "fork server"
            elif parent == self.process.pid and b"resource_tracker" not in command:
                kinds[pid] = "worker"
            else:
                kinds[pid] = "other"
        return kinds

    def memory(self) -> dict[str, list[float]]:
        """Return the proportional set size (PSS, MB) of each of the server's processes, by kind.

        PSS shares pages between the processes that map them, so the sizes add up.
        """
        sizes: dict[str, list[float]] = {}
        for pid, kind in self.process_kinds().items():
            try:
                sizes.setdefault(kind, []).append(_smaps_field(pid, "Pss") / 1024)
            except OSError:
                continue  # the process ended meanwhile
        return sizes

    def stop(self) -> None:
        """Stop the server and everything it started."""
        tree = [self.process.pid, *descendants(self.process.pid)]
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_WAIT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=STOP_WAIT_S)
        for pid in tree[1:]:  # children that outlived their parent (only ours, by id)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def start_mhkg(store_dir: Path, logdir: Path, store_url: str | None = None) -> Server:
    """Start `mhkg serve` on `store_dir` with the default settings (2 workers).

    With `store_url`, it serves that external SPARQL store instead (`--store-url`).
    """
    port = free_port()
    store = ["--store-url", store_url] if store_url else ["--store", str(store_dir)]
    command = [sys.executable, "-m", "server.cli", "serve", *store,
               "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
    # The defaults, not whatever MHKG_* settings the caller's shell has.
    environment = {
        name: value for name, value in os.environ.items() if not name.startswith("MHKG_")
    }
    environment["PYTHONPATH"] = os.pathsep.join(
        [str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")]
    )
    return _start("mhkg", command, port, "/sparql", logdir, environment)


def start_oxigraph(location: Path, logdir: Path, timeout_s: int | None = None) -> Server:
    """Start `oxigraph serve-read-only` on the store version at `location`.

    Without a time limit by default, as it is usually run: with `--timeout-s`, Oxigraph
    0.5 starts a thread per query that sleeps for the whole limit, and under a few thousand
    requests a second it answers HTTP 500 once threads run out (seen here, and reported
    upstream: benchmarks/RESULTS.md).
    """
    port = free_port()
    command = [oxigraph_binary(), "serve-read-only", "--location", str(location),
               "--bind", f"127.0.0.1:{port}", "--union-default-graph"]  # fmt: skip
    if timeout_s is not None:
        command += ["--timeout-s", str(timeout_s)]
    return _start("oxigraph", command, port, "/query", logdir, dict(os.environ))


def start_rdflib_endpoint(dump: Path, logdir: Path) -> Server:
    """Start rdflib-endpoint serving the quads of `dump` from memory (its default store)."""
    port = free_port()
    command = [sys.executable, "-m", "rdflib_endpoint", "serve",
               "--host", "127.0.0.1", "--port", str(port), str(dump)]  # fmt: skip
    return _start("rdflib-endpoint", command, port, "/", logdir, dict(os.environ))


def oxigraph_binary() -> str:
    """Return the path of the `oxigraph` command installed beside this Python, or on PATH."""
    beside = Path(sys.executable).parent / "oxigraph"
    found = str(beside) if beside.exists() else shutil.which("oxigraph")
    if found is None:
        raise RuntimeError("the `oxigraph` command is missing: pip install oxigraph")
    return found


def _start(
    name: str, command: list[str], port: int, endpoint: str, logdir: Path, env: dict[str, str]
) -> Server:
    log = logdir / f"{name}-{port}.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    return Server(name, port, endpoint, process, log)


def descendants(pid: int) -> list[int]:
    """Return the ids of the processes below `pid`."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry))
    found, frontier = [], [pid]
    while frontier:
        for child in children.get(frontier.pop(), []):
            found.append(child)
            frontier.append(child)
    return found


def _smaps_field(pid: int, name: str) -> int:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    raise OSError(f"no {name} for process {pid}")
