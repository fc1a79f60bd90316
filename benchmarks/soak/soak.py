"""Soak a real `mhkg serve`: 50 concurrent clients of mixed traffic for 10 minutes.

Every client has its own loopback source address (127.0.2.x), as distinct users would, and
sends a random mix of what the server offers: SPARQL queries in every form and format,
linked-data pages and their RDF, site pages, the named-query API, the Graph Store, the
catalogue, conditional requests (304), health and metrics. Each request has a client
timeout. The run reports, per minute, the request count, errors and latency percentiles,
and the resident memory of the server's processes (master, workers, fork servers, query
processes) at the start and at the end, and writes them to RESULTS.md beside this script.

    python benchmarks/soak/soak.py [--minutes 10] [--clients 50] [--store DIR]

Without --store it builds the project's graph into a temporary store first. It binds only
127.0.0.1, stops by itself after the given time and stops the server it started. Exit
status 0 when there were no errors and memory stayed within the bound, 1 otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import math
import os
import platform
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

PROJECT_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT_ROOT))

from server.config import Settings  # noqa: E402 - after the path is set
from server.process_usage import usage_of  # noqa: E402
from tests.live_server import free_port  # noqa: E402 - keeps clear of ephemeral ports

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
CLIENT_TIMEOUT_S = 60
THINK_TIME_S = (0.0, 0.4)
# End RSS of the whole tree may exceed the start by this factor before it counts as growth.
RSS_GROWTH_BOUND = 1.25
MAX_REQUESTS_PER_CLIENT = 1_000_000  # a bound; the clock ends the run long before
PERCENTILES = (50, 90, 99)


@dataclass
class Sample:
    """One request's outcome."""

    at: float
    kind: str
    status: int  # 0 when the request failed without an answer
    seconds: float
    error: str | None = None


@dataclass
class Server:
    """The server process group started for the soak."""

    process: subprocess.Popen
    port: int
    log: Path

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        source: str = "127.0.0.1",
    ) -> tuple[int, dict[str, str], bytes]:
        """Send one request from `source`; return status, headers and body."""
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=CLIENT_TIMEOUT_S, source_address=(source, 0)
        )
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, dict(response.headers), response.read()
        finally:
            connection.close()


@dataclass
class Traffic:
    """What the clients ask for, learnt from the running server."""

    entity_refs: list[str]
    graphs: list[str]
    api_paths: list[str]
    query_texts: list[str]
    etags: dict[str, str] = field(default_factory=dict)


def build_store(root: Path) -> Path:
    """Build the project's graph into `root` with `mhkg build`."""
    environment = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "MHKG_STORE_DIR": str(root)}
    subprocess.run(
        [sys.executable, "-m", "server.cli", "build"], cwd=PROJECT_ROOT, env=environment, check=True
    )
    return root


def start_server(store: Path, args: argparse.Namespace, log: Path) -> Server:
    """Start `mhkg serve` in its own process group and wait until it is healthy."""
    port = free_port()
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("MHKG_")},
        "PYTHONPATH": str(PROJECT_ROOT),
        "MHKG_STORE_DIR": str(store),
        "MHKG_HOST": "127.0.0.1",
        "MHKG_PORT": str(port),
        "MHKG_WORKERS": str(args.workers),
        "MHKG_QUERY_PROCESSES": str(args.query_processes),
    }
    with open(log, "wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "serve"],
            cwd=PROJECT_ROOT,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(process, port, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited at start:\n{log.read_text()}")
        try:
            if server.request("GET", "/healthz")[0] == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    stop_server(server)
    raise SystemExit("the server did not become healthy within 60 s")


def stop_server(server: Server) -> None:
    """Stop the server gracefully, then kill whatever of its group is left."""
    if server.process.poll() is None:
        server.process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.process.wait(timeout=30)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.process.pid, signal.SIGKILL)
    server.process.wait(timeout=30)


def process_tree(root: int) -> dict[int, tuple[int, str]]:
    """Return {pid: (parent, command line)} of `root` and everything below it."""
    table: dict[int, tuple[int, str]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            command = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        table[int(entry)] = (int(stat.rsplit(")", 1)[1].split()[1]), command)
    tree = {root: table.get(root, (0, ""))}
    changed = True
    while changed:
        changed = False
        for pid, (parent, command) in table.items():
            if parent in tree and pid not in tree:
                tree[pid] = (parent, command)
                changed = True
    return tree


def rss_by_role(root: int) -> dict[str, tuple[int, int]]:
    """Return {role: (process count, resident bytes)} for the server's process tree."""
    tree = process_tree(root)
    roles: dict[str, tuple[int, int]] = {}
    for pid, (parent, command) in tree.items():
        if pid == root:
            role = "master"
        elif "resource_tracker" in command:
            role = "resource tracker"
        elif parent == root:
            role = "workers"
        elif tree.get(parent, (0, ""))[0] == root:
            role = "fork servers"  # started by a worker
        elif "forkserver" in command:
            role = "query processes"  # forked by a fork server, whose command line they keep
        else:
            role = "other"
        count, total = roles.get(role, (0, 0))
        usage = usage_of(pid)
        roles[role] = (count + 1, total + (usage.resident_bytes if usage is not None else 0))
    return roles


def learn_traffic(server: Server) -> Traffic:
    """Ask the server what there is, so the clients ask for real things."""
    base = Settings().base_iri
    query = urlencode(
        {
            "query": f"SELECT DISTINCT ?s WHERE {{ ?s a ?t FILTER(STRSTARTS(STR(?s), "
            f'"{base}id/")) }} LIMIT 400'
        }
    )
    status, _, body = server.request(
        "GET", f"/sparql?{query}", headers={"Accept": "application/sparql-results+json"}
    )
    assert status == 200, body[:300]
    refs = [
        row["s"]["value"].removeprefix(base + "id/")
        for row in json.loads(body)["results"]["bindings"]
    ]
    status, _, body = server.request("GET", "/healthz")
    graphs_query = urlencode({"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }"})
    status, _, body = server.request(
        "GET", f"/sparql?{graphs_query}", headers={"Accept": "application/sparql-results+json"}
    )
    graphs = [row["g"]["value"] for row in json.loads(body)["results"]["bindings"]]
    api_paths = []
    status, _, body = server.request("GET", "/api/openapi.json")
    if status == 200:
        for path, item in json.loads(body)["paths"].items():
            parameters = item.get("get", {}).get("parameters", [])
            values = {p["name"]: example_value(p) for p in parameters if p.get("required")}
            api_paths.append(path + ("?" + urlencode(values) if values else ""))
    texts = [
        path.read_text(encoding="utf-8")
        for path in sorted((PROJECT_ROOT / "queries").glob("*.rq"))
        if "?_" not in path.read_text(encoding="utf-8")  # no required parameter
    ]
    texts = [f"BASE <{base}>\n{text}" for text in texts]
    return Traffic(refs, graphs, api_paths, texts)


def example_value(parameter: dict) -> str:
    """Return the first example an OpenAPI parameter gives, or its default."""
    examples = list((parameter.get("examples") or {}).values())
    if examples:
        return str(examples[0]["value"])
    return str(parameter.get("example", parameter.get("schema", {}).get("default", "")))


def request_kinds(traffic: Traffic) -> dict[str, tuple[int, Callable[[], tuple]]]:
    """Return {kind: (weight, make request)}; a request is (method, path, body, headers)."""
    accept_results = [
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
    ]
    accept_graph = ["text/turtle", "application/ld+json", "application/n-triples"]
    form = {"Content-Type": "application/x-www-form-urlencoded"}

    def ref() -> str:
        return quote(random.choice(traffic.entity_refs))

    def sparql_get() -> tuple:
        text = random.choice(traffic.query_texts)
        path = "/sparql?" + urlencode({"query": text})
        return "GET", path, None, {"Accept": random.choice(accept_results)}

    def sparql_post() -> tuple:
        text = random.choice(traffic.query_texts)
        if random.random() < 0.5:
            return "POST", "/sparql", urlencode({"query": text}).encode(), form
        return "POST", "/sparql", text.encode(), {"Content-Type": "application/sparql-query"}

    def describe() -> tuple:
        iri = Settings().base_iri + "id/" + random.choice(traffic.entity_refs)
        path = "/sparql?" + urlencode({"query": f"DESCRIBE <{iri}>"})
        return "GET", path, None, {"Accept": random.choice(accept_graph)}

    def page() -> tuple:
        return "GET", f"/doc/{ref()}", None, {"Accept": "text/html"}

    def page_rdf() -> tuple:
        return "GET", f"/doc/{ref()}", None, {"Accept": random.choice(accept_graph)}

    def thing() -> tuple:
        return "GET", f"/id/{ref()}", None, {"Accept": "text/html"}

    def site() -> tuple:
        path = random.choice(
            ["/", "/actoren", "/documenten", "/tijdlijn", "/aanbevelingen", "/cijfers",
             "/onderzoek", "/interventies", "/query", "/def", "/zoeken?q=mensenhandel",
             "/zoeken?q=" + quote(random.choice(["politie", "gemeente", "slachtoffer"]))]
        )  # fmt: skip
        return "GET", path, None, {"Accept": "text/html"}

    def api() -> tuple:
        path = random.choice(traffic.api_paths) if traffic.api_paths else "/api/openapi.json"
        return "GET", path, None, {"Accept": "application/json"}

    def graph_store() -> tuple:
        path = "/store?" + urlencode({"graph": random.choice(traffic.graphs)})
        return "GET", path, None, {"Accept": random.choice(accept_graph)}

    def conditional() -> tuple:
        path = "/sparql?" + urlencode({"query": traffic.query_texts[0]})
        etag = traffic.etags.get(path)
        return "GET", path, None, {"If-None-Match": etag} if etag else {}

    def operations() -> tuple:
        return "GET", random.choice(["/healthz", "/metrics", "/catalog", "/.well-known/void",
                                     "/download/", "/api/", "/sparql"]), None, {}  # fmt: skip

    return {
        "sparql GET": (20, sparql_get),
        "sparql POST": (10, sparql_post),
        "DESCRIBE": (8, describe),
        "entity page": (15, page),
        "entity RDF": (6, page_rdf),
        "id redirect": (5, thing),
        "site page": (12, site),
        "API": (10, api),
        "graph store": (3, graph_store),
        "conditional": (5, conditional),
        "operations": (6, operations),
    }


def client(
    server: Server,
    traffic: Traffic,
    address: str,
    end: float,
    samples: list[Sample],
    lock: threading.Lock,
) -> None:
    """Send random requests until `end`, recording every outcome."""
    kinds = request_kinds(traffic)
    names = list(kinds)
    weights = [kinds[name][0] for name in names]
    for _ in range(MAX_REQUESTS_PER_CLIENT):
        if time.monotonic() >= end:
            return
        kind = random.choices(names, weights)[0]
        method, path, body, headers = kinds[kind][1]()
        started = time.monotonic()
        try:
            status, response_headers, data = server.request(method, path, body, headers, address)
            error = None
            if status >= 400:
                said = data[:160].decode("utf-8", "replace").strip()
                error = f"HTTP {status} for {method} {path[:120]}: {said}"
        except OSError as failure:
            status, response_headers, error = 0, {}, f"{failure!r} for {method} {path[:120]}"
        sample = Sample(started, kind, status, time.monotonic() - started, error)
        if kind == "conditional" and status == 200 and "ETag" in response_headers:
            traffic.etags[path] = response_headers["ETag"]
        with lock:
            samples.append(sample)
        time.sleep(random.uniform(*THINK_TIME_S))


def percentile(ordered: list[float], rank: int) -> float:
    """Return the nearest-rank percentile of an ordered list."""
    return ordered[max(0, math.ceil(rank / 100 * len(ordered)) - 1)] if ordered else 0.0


def report(
    args: argparse.Namespace,
    command: str,
    samples: list[Sample],
    started: float,
    rss_start: dict[str, tuple[int, int]],
    rss_end: dict[str, tuple[int, int]],
    rss_minutes: list[int],
    warm_up_errors: list[Sample],
) -> tuple[str, bool]:
    """Return the Markdown report and whether the run passed (the warm-up counts too)."""
    errors = [*warm_up_errors, *(s for s in samples if s.error)]
    total_start = sum(bytes_ for _, bytes_ in rss_start.values())
    total_end = sum(bytes_ for _, bytes_ in rss_end.values())
    passed = not errors and total_end <= total_start * RSS_GROWTH_BOUND
    lines = [
        "# Soak: 50 concurrent clients of mixed traffic for 10 minutes",
        "",
        "Command (from the project root):",
        "",
        "```sh",
        command,
        "```",
        "",
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}. Server: `mhkg serve` on 127.0.0.1 with "
        f"{args.workers} workers x {args.query_processes} query processes, default time "
        f"limit ({Settings().query_timeout_s:g} s); the project's own graph. Clients: "
        f"{args.clients}, each from its own loopback address, think time "
        f"{THINK_TIME_S[0]:g}-{THINK_TIME_S[1]:g} s, client timeout {CLIENT_TIMEOUT_S} s. "
        f"The same traffic ran for a {args.warm_up:g} s warm-up first (its errors count "
        "too; its latencies are not in the table); memory is measured from its end.",
        "",
        f"**Result: {'PASS' if passed else 'FAIL'}** - {len(samples):,} requests, "
        f"{len(errors)} errors; resident memory of the server tree "
        f"{total_start / 2**20:.0f} MiB at the start, {total_end / 2**20:.0f} MiB at the end "
        f"(bound: x{RSS_GROWTH_BOUND}).",
        "",
        "## Latency per minute",
        "",
        "| minute | requests | errors | p50 ms | p90 ms | p99 ms | max ms | server RSS MiB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for minute in range(args.minutes):
        chosen = [s for s in samples if minute * 60 <= s.at - started < (minute + 1) * 60]
        ordered = sorted(s.seconds for s in chosen)
        cells = [percentile(ordered, rank) * 1000 for rank in PERCENTILES]
        rss = rss_minutes[minute] / 2**20 if minute < len(rss_minutes) else float("nan")
        lines.append(
            f"| {minute + 1} | {len(chosen):,} | {sum(1 for s in chosen if s.error)} | "
            + " | ".join(f"{cell:.0f}" for cell in cells)
            + f" | {(ordered[-1] if ordered else 0) * 1000:.0f} | {rss:.0f} |"
        )
    lines += [
        "",
        "## Resident memory by process role",
        "",
        "| role | processes at start | MiB at start | processes at end | MiB at end |",
        "|---|---:|---:|---:|---:|",
    ]
    for role in sorted(set(rss_start) | set(rss_end)):
        count_start, bytes_start = rss_start.get(role, (0, 0))
        count_end, bytes_end = rss_end.get(role, (0, 0))
        lines.append(
            f"| {role} | {count_start} | {bytes_start / 2**20:.0f} | {count_end} | "
            f"{bytes_end / 2**20:.0f} |"
        )
    lines += [
        "",
        "## Requests by kind",
        "",
        "| kind | requests | p50 ms | p99 ms |",
        "|---|---:|---:|---:|",
    ]
    for kind in sorted({s.kind for s in samples}):
        ordered = sorted(s.seconds for s in samples if s.kind == kind)
        lines.append(
            f"| {kind} | {len(ordered):,} | {percentile(ordered, 50) * 1000:.0f} | "
            f"{percentile(ordered, 99) * 1000:.0f} |"
        )
    if errors:
        lines += ["", "## Errors (first 20)", ""]
        lines += [f"- {s.error}" for s in errors[:20]]
    return "\n".join(lines) + "\n", passed


def main() -> int:
    """Run the soak and write RESULTS.md."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=int, default=10)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--query-processes", type=int, default=4)
    parser.add_argument("--store", type=Path, help="a built store (default: build one)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument(
        "--warm-up", type=float, default=60, help="seconds of traffic before measuring"
    )
    args = parser.parse_args()
    command = " ".join(["python benchmarks/soak/soak.py", *sys.argv[1:]])

    workdir = Path(tempfile.mkdtemp(prefix="mhkg-soak-"))
    try:
        store = args.store or build_store(workdir / "store")
        server = start_server(store, args, workdir / "server.log")
        try:
            traffic = learn_traffic(server)
            samples: list[Sample] = []
            lock = threading.Lock()
            warm_up_end = time.monotonic() + args.warm_up
            end = warm_up_end + args.minutes * 60
            threads = [
                threading.Thread(
                    target=client,
                    args=(server, traffic, f"127.0.2.{10 + n}", end, samples, lock),
                    daemon=True,
                )
                for n in range(args.clients)
            ]
            for thread in threads:
                thread.start()
            # Caches fill during the warm-up; memory is measured from its end.
            time.sleep(max(0.0, warm_up_end - time.monotonic()))
            rss_start = rss_by_role(server.process.pid)
            started = time.monotonic()
            with lock:
                warm_up = len(samples)
                warm_up_errors = [s for s in samples if s.error]
                del samples[:]
            print(f"warm-up: {warm_up:,} requests, {len(warm_up_errors)} errors", flush=True)
            rss_minutes = []
            for minute in range(args.minutes):
                time.sleep(max(0.0, started + (minute + 1) * 60 - time.monotonic()))
                rss_minutes.append(sum(b for _, b in rss_by_role(server.process.pid).values()))
                done = [s for s in samples if s.at - started < (minute + 1) * 60]
                print(
                    f"minute {minute + 1}: {len(done):,} requests, "
                    f"{sum(1 for s in done if s.error)} errors, "
                    f"RSS {rss_minutes[-1] / 2**20:.0f} MiB",
                    flush=True,
                )
            for thread in threads:
                thread.join(timeout=CLIENT_TIMEOUT_S + 10)
            rss_end = rss_by_role(server.process.pid)
        finally:
            stop_server(server)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    text, passed = report(
        args, command, samples, started, rss_start, rss_end, rss_minutes, warm_up_errors
    )
    args.output.write_text(text, encoding="utf-8")
    print(text)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
