"""Sample where `mhkg serve` spends its time under load, with py-spy, by component.

Every process of the server (server workers, query processes) is sampled for the same
seconds while the load runs. Each sample is charged to the innermost frame that belongs to
a known component (our guard, Flask, the pipe to the query process, pyoxigraph's query,
...). Workers are sampled only while a thread holds the GIL (`--gil`): their threads mostly
wait, and only the GIL holder computes. Query processes are sampled through their fork
server (`--subprocesses`), so that replaced ones are followed; a query process has one
thread, and its samples while it waits for the next request are left out. So each column
reads "of the time this kind of process computed, this much went to".
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

IDLE = "waiting for work"
# (component, substrings of a frame's "function (file:line)"), innermost match wins.
COMPONENTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("query in pyoxigraph", ("_run_query (server/child.py", "_read_graph (server/child.py")),
    ("result serialisation", ("solutions_json", "_graph_result", "json/encoder", "serialize")),
    ("pickling over the pipe", ("reduction.py", "_pickle", "dumps (", "loads (")),
    (IDLE, ("recv (multiprocessing/connection.py", "_recv_bytes (multiprocessing/connection.py")),
    ("pipe to the query process", ("multiprocessing/connection.py",)),
    ("guard (SERVICE/LOAD check)", ("server/guard.py",)),
    ("result cache", ("server/result_cache.py",)),
    ("ETag/validators", ("server/caching.py",)),
    ("admission and polling of query processes", ("server/admission.py", "server/executor.py")),
    ("content negotiation", ("server/negotiation.py",)),
    ("access log and metrics", ("server/operations.py", "logging/", "prometheus_client/")),
    ("request parameters", ("server/request_params.py", "urllib/parse.py")),
    ("SPARQL view", ("server/sparql.py",)),
    ("Flask and Werkzeug", ("flask/", "werkzeug/")),
    ("granian (calling the app)", ("granian/",)),
    ("threads and queues", ("threading.py", "concurrent/futures", "queue.py")),
)


@dataclass(frozen=True)
class Profile:
    """Samples per component, per kind of process."""

    samples: dict[str, Counter[str]]  # process kind -> component -> samples
    seconds: float
    rate_hz: int


def py_spy() -> str | None:
    """Return the py-spy command, if installed."""
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


def start_sampling(pids: dict[int, str], seconds: float, rate_hz: int, workdir: Path):
    """Start py-spy on every process in `pids` (id -> kind); return a function that collects.

    A "query process" id is a fork server: its children are sampled, not itself.
    """
    command = py_spy()
    if command is None:
        raise RuntimeError("py-spy is missing: pip install -e '.[bench]'")
    recorders = []
    for pid, kind in pids.items():
        output = workdir / f"py-spy-{pid}.txt"
        options = ["--gil"] if kind == "worker" else ["--subprocesses"]
        recorder = subprocess.Popen(
            [command, "record", "--pid", str(pid), "--duration", str(int(seconds)),
             "--rate", str(rate_hz), "--format", "raw", "--nonblocking", *options,
             "--output", str(output)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        recorders.append((recorder, output, kind))

    def collect() -> Profile:
        samples: dict[str, Counter[str]] = {}
        for recorder, output, kind in recorders:
            try:
                recorder.wait(timeout=seconds + 30)
            except subprocess.TimeoutExpired:
                recorder.kill()
                recorder.wait()
            if output.exists():
                samples.setdefault(kind, Counter()).update(_components(output))
        return Profile(samples, seconds, rate_hz)

    return collect


def _components(path: Path) -> Counter[str]:
    counts: Counter[str] = Counter()
    for line in path.read_text(errors="replace").splitlines():
        stack, _, number = line.rpartition(" ")
        if not number.isdigit():
            continue
        component = _component(stack.split(";"))
        if component != IDLE:
            counts[component] += int(number)
    return counts


def _component(frames: list[str]) -> str:
    for frame in reversed(frames):
        for component, markers in COMPONENTS:
            if any(marker in frame for marker in markers):
                return component
    return "other Python"
