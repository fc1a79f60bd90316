"""Benchmark `mhkg serve` against its peers in one interleaved session; write RESULTS.md.

    python -m benchmarks.run                       # the full run recorded in RESULTS.md
    python -m benchmarks.run --sizes 0 --rounds 1 --seconds 2 --output /tmp/r.md  # a try

On each data set (the curated graph alone, and with 10^5 and 10^6 generated triples) the
same query mix runs against `mhkg serve` (cold: every query text new; warm: a dashboard's
repeated queries, revalidated with If-None-Match), `oxigraph serve-read-only` on the same
store, rdflib-endpoint on the same quads, and pyoxigraph in-process (the floor), at each
concurrency. Rounds interleave the servers in a rotating order, so that other work on the
machine hits all of them alike; medians over rounds and ratios within a round are reported.
Start-up to first answer, `mhkg build`, memory per process and a py-spy profile of the
server under load are measured in the same session. Only 127.0.0.1 is used.
"""

from __future__ import annotations

import argparse
import os
import pickle
import platform
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import pyoxigraph as ox

from benchmarks import agreement, datasets, profiling, servers
from benchmarks.client import Limits
from benchmarks.loadprocess import LoadProcess, Workload
from benchmarks.measure import Cell
from benchmarks.queries import Pools, distinct_texts, mix_order, warm_queries
from benchmarks.results import Findings, write_results
from server.config import Settings
from server.store import StoreDirectory

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TARGETS = ("mhkg", "oxigraph", "rdflib-endpoint", "pyoxigraph")
WORKLOADS = ("cold", "warm")
PLANNED_REQUESTS = 30_000  # more than a measurement can send in its time
READY_LIMIT_S = {"mhkg": 60, "oxigraph": 60, "rdflib-endpoint": 1800}
IDLE_LIMIT_S = 600
VERSIONS = ("pyoxigraph", "oxigraph", "rdflib", "rdflib-endpoint", "flask", "granian", "pyshacl")


@dataclass
class Session:
    """What the run has measured so far."""

    args: argparse.Namespace
    workdir: Path
    cells: list[Cell] = field(default_factory=list)
    findings: Findings = field(default_factory=Findings)


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and write the results."""
    args = _parser().parse_args(argv)
    if args.render:
        with open(args.render, "rb") as saved:
            write_results(pickle.load(saved), Path(args.output))
        _say(f"wrote {args.output} from {args.render}")
        return
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="mhkg-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    session = Session(args, workdir)
    saved = workdir / "findings.pickle"
    if args.resume and saved.exists():
        with open(saved, "rb") as earlier:
            session.findings = pickle.load(earlier)
        session.cells = session.findings.cells
        session.findings.resumed.append(time.strftime("%H:%M:%S"))
    findings = session.findings
    if not findings.started:
        findings.command = "python -m benchmarks.run " + shlex.join(argv or sys.argv[1:])
        findings.machine = _machine()
        findings.versions = {name: _version(name) for name in VERSIONS}
        findings.load_at_start = os.getloadavg()
        findings.started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    settings = Settings()
    _say(f"work directory {workdir}")
    curated = datasets.curated_store(settings, workdir)
    if not args.skip_build and not findings.build_seconds:
        findings.build_seconds = _time_builds(workdir, args.build_runs)
    if not findings.startup:
        findings.startup = _time_startups(curated, workdir, args.startup_runs)
    _save(session)
    load = LoadProcess()
    try:
        for size in args.sizes:
            if _set_name(size) in findings.data_sets:
                continue  # measured before the run was interrupted (--resume)
            _run_data_set(session, load, curated, size, settings.base_iri)
            _save(session)  # a run cut short can be resumed, or written with --render
    finally:
        load.close()
    _save(session)
    write_results(findings, Path(args.output))
    _say(f"wrote {args.output}")


def _set_name(size: int) -> str:
    return "curated" if size == 0 else f"curated+{datasets.size_name(size)}"


def _save(session: Session) -> None:
    """Keep what has been measured in the work directory's findings.pickle."""
    session.findings.cells = session.cells
    session.findings.load_at_end = os.getloadavg()
    with open(session.workdir / "findings.pickle", "wb") as saved:
        pickle.dump(session.findings, saved)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[0, 100_000, 1_000_000],
        help="generated triples added to the curated graph, per data set",
    )
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--seconds",
        type=float,
        default=6.0,
        help="how long each measurement sends requests (at least one mix cycle)",
    )
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=60.0,
        help="hard limit per measurement, for a server too slow for one cycle",
    )
    parser.add_argument("--request-timeout", type=float, default=120.0)
    parser.add_argument("--build-runs", type=int, default=3)
    parser.add_argument("--startup-runs", type=int, default=5)
    parser.add_argument("--skip-build", action="store_true", help="do not time `mhkg build`")
    parser.add_argument(
        "--rdflib-max-triples",
        type=int,
        default=2_000_000,
        help="leave rdflib-endpoint out of larger data sets",
    )
    parser.add_argument("--no-profile", action="store_true", help="skip the py-spy profile")
    parser.add_argument("--workdir", help="where stores and logs go (default: a new temp dir)")
    parser.add_argument("--output", default=str(PROJECT_ROOT / "benchmarks" / "RESULTS.md"))
    parser.add_argument(
        "--resume",
        action="store_true",
        help="keep what an interrupted run in --workdir measured, and measure the rest",
    )
    parser.add_argument(
        "--render",
        metavar="FINDINGS",
        help="only write the report again from a run's findings.pickle",
    )
    return parser  # fmt: skip


def _run_data_set(session: Session, load: LoadProcess, curated: Path, size: int, base: str) -> None:
    args, findings = session.args, session.findings
    data_set, seconds = datasets.timed_prepare(curated, session.workdir, size, base)
    findings.data_sets[data_set.name] = (data_set.quads, seconds)
    _say(f"{data_set.name}: {data_set.quads} quads ready in {seconds:.1f} s")
    store = ox.Store.read_only(str(data_set.current))
    pools = Pools.from_store(store, base)
    running = [
        servers.start_mhkg(data_set.store_dir, session.workdir),
        servers.start_oxigraph(data_set.current, session.workdir),
    ]
    if data_set.quads <= args.rdflib_max_triples:
        running.append(servers.start_rdflib_endpoint(data_set.dump, session.workdir))
    try:
        for server in running:
            ready = server.wait_until_ready(READY_LIMIT_S[server.name])
            findings.ready_after[(data_set.name, server.name)] = ready
            _say(f"  {server.name} answers after {ready:.1f} s")
        warm = warm_queries(pools, base, 3 * len(mix_order()))
        findings.disagreements[data_set.name] = agreement.disagreements(
            store, running, list(distinct_texts(warm[: len(mix_order())]))
        )
        _warm_up(load, running, warm, args)
        for round_number in range(args.rounds):
            for concurrency in args.concurrency:
                _run_round(session, load, running, data_set, pools, base, round_number,
                           concurrency)  # fmt: skip
        for server in running:
            findings.memory[(data_set.name, server.name)] = server.memory()
        if not args.no_profile and size in (min(args.sizes), max(args.sizes)):
            profile = _profile(session, load, running[0], pools, base, data_set.name)
            if profile is not None:
                findings.profiles.append(profile)
    finally:
        for server in running:
            server.stop()


def _warm_up(load: LoadProcess, running: list[servers.Server], warm, args) -> None:
    """Send every distinct warm query once to each server, as a page would before a dashboard."""
    first = list(distinct_texts(warm))
    for server in running:
        limits = Limits(0, len(first), args.max_seconds, len(first), args.request_timeout)
        load.http(server.port, server.endpoint, first, 1, limits)
        if server.name == "rdflib-endpoint":
            server.wait_until_idle(IDLE_LIMIT_S)


def _run_round(
    session: Session,
    load: LoadProcess,
    running: list[servers.Server],
    data_set: datasets.DataSet,
    pools: Pools,
    base: str,
    round_number: int,
    concurrency: int,
) -> None:
    """Measure every server and workload once, in an order that rotates with the round."""
    args = session.args
    by_name = {server.name: server for server in running}
    order = [(target, workload) for target in TARGETS for workload in WORKLOADS]
    shift = (round_number * 3 + concurrency) % len(order)
    order = order[shift:] + order[:shift]
    limits = Limits(args.seconds, len(mix_order()), args.max_seconds, PLANNED_REQUESTS,
                    args.request_timeout)  # fmt: skip
    for target, workload in order:
        if target != "pyoxigraph" and target not in by_name:
            continue
        run = f"{data_set.name} {target} {round_number} {concurrency}"
        queries = Workload(workload, pools, base, run, PLANNED_REQUESTS)
        load_1m = os.getloadavg()[0]
        by_kind: dict[str, float] | None = None
        if target == "pyoxigraph":
            measured = load.in_process(data_set.current, queries, concurrency, limits)
        else:
            server = by_name[target]
            before = server.cpu_by_kind()
            measured = load.http(server.port, server.endpoint, queries, concurrency, limits)
            after = server.cpu_by_kind()
            by_kind = {kind: after[kind] - before.get(kind, 0.0) for kind in after}
            if target == "rdflib-endpoint":
                server.wait_until_idle(IDLE_LIMIT_S)
        server_cpu = sum(by_kind.values()) if by_kind is not None else None
        cell = Cell(data_set.name, target, workload, concurrency, round_number, measured,
                    server_cpu, load_1m, by_kind)  # fmt: skip
        session.cells.append(cell)
        _say(f"  round {round_number + 1} c={concurrency} {target:15} {workload}: "
             f"{cell.throughput:9.1f} req/s, {sum(cell.errors.values())} errors")  # fmt: skip


def _profile(
    session: Session,
    load: LoadProcess,
    mhkg: servers.Server,
    pools: Pools,
    base: str,
    data_set: str,
) -> tuple[str, profiling.Profile] | None:
    """Sample the server's processes while a cold mix runs at the highest concurrency."""
    if profiling.py_spy() is None:
        _say("  py-spy is missing: no profile")
        return None
    concurrency = max(session.args.concurrency)
    seconds = 10
    # Query processes are sampled through their fork server, which follows the ones that
    # replace them after long queries.
    pids = {
        pid: "worker" if kind == "worker" else "query process"
        for pid, kind in mhkg.process_kinds().items()
        if kind in ("worker", "fork server")
    }
    collect = profiling.start_sampling(pids, seconds, 200, session.workdir)
    time.sleep(0.5)
    queries = Workload("cold", pools, base, f"profile {data_set}", PLANNED_REQUESTS)
    limits = Limits(seconds, 1, seconds + 5, PLANNED_REQUESTS, session.args.request_timeout)
    load.http(mhkg.port, mhkg.endpoint, queries, concurrency, limits)
    return f"{data_set}, cold, concurrency {concurrency}", collect()


def _time_builds(workdir: Path, runs: int) -> list[tuple[float, float]]:
    """Time `mhkg build` of the curated graph into a fresh store: (wall, CPU) seconds."""
    times = []
    for number in range(runs):
        target = workdir / f"build-{number}"
        cpu_before = _children_cpu_s()
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "server.cli", "build", "--store", str(target)],
            cwd=PROJECT_ROOT, check=True, capture_output=True, timeout=600,
        )  # fmt: skip
        times.append((time.perf_counter() - started, _children_cpu_s() - cpu_before))
        _say(f"mhkg build {number + 1}: {times[-1][0]:.2f} s, CPU {times[-1][1]:.2f} s")
    return times


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _time_startups(store: Path, workdir: Path, runs: int) -> dict[str, list[tuple[float, float]]]:
    """Time start-up to the first answered query, mhkg and oxigraph taking turns.

    Each start gives (wall seconds, CPU seconds of the server's processes until then).
    """
    current = StoreDirectory(store).current_path()
    times: dict[str, list[tuple[float, float]]] = {"mhkg": [], "oxigraph": []}
    for _ in range(runs):
        for name, start in (
            ("mhkg", lambda: servers.start_mhkg(store, workdir)),
            ("oxigraph", lambda: servers.start_oxigraph(current, workdir)),
        ):
            server = start()
            try:
                ready = server.wait_until_ready(READY_LIMIT_S[name])
                times[name].append((ready, server.ready_cpu_s or 0.0))
            finally:
                server.stop()
    medians = {
        name: round(statistics.median(t for t, _ in runs), 2) for name, runs in times.items()
    }
    _say(f"start-up medians: {medians}")
    return times


def _machine() -> dict[str, str]:
    memory_kb = 0
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_kb = int(line.split()[1])
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cores (nproc)": str(os.cpu_count()),
        "CPU": model,
        "memory": f"{memory_kb / 1024 / 1024:.1f} GiB",
        "system": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
    }


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
