"""Measure what `mhkg serve` adds in front of an external store: the Oxigraph server.

    python -m benchmarks.remote_backend [--rounds 3] [--seconds 5]

Builds the curated graph, starts `oxigraph serve-read-only` on it and `mhkg serve
--store-url` in front of that, and sends the cold query mix to both in interleaved rounds,
at one and at eight clients. Prints the median throughput and IRI-lookup p50 of each, for
docs/SCALING.md. Only 127.0.0.1 is used; both servers are stopped at the end.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

import pyoxigraph as ox

from benchmarks import datasets, servers
from benchmarks.client import Limits
from benchmarks.loadprocess import LoadProcess, Workload
from benchmarks.queries import Pools, mix_order
from benchmarks.run import PLANNED_REQUESTS
from server.config import Settings
from server.store import StoreDirectory


def main(argv: list[str] | None = None) -> None:
    """Run the comparison and print one line per server and concurrency."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="mhkg-remote-"))
    settings = Settings()
    store_dir = datasets.curated_store(settings, workdir)
    version = StoreDirectory(store_dir).current_path()
    pools = Pools.from_store(ox.Store.read_only(str(version)), settings.base_iri)
    limits = Limits(args.seconds, len(mix_order()), 60.0, PLANNED_REQUESTS, 60.0)
    oxigraph = servers.start_oxigraph(version, workdir)
    front = None
    load = LoadProcess()
    try:
        oxigraph.wait_until_ready(60)
        front = servers.start_mhkg(
            store_dir, workdir, f"http://127.0.0.1:{oxigraph.port}{oxigraph.endpoint}"
        )
        front.wait_until_ready(60)
        figures: dict[tuple[str, int], list[tuple[float, float]]] = {}
        for round_number in range(args.rounds):
            for concurrency in (1, 8):
                for server, name in ((oxigraph, "oxigraph"), (front, "mhkg -> oxigraph")):
                    run = f"remote {round_number} {concurrency} {name}"
                    workload = Workload("cold", pools, settings.base_iri, run, PLANNED_REQUESTS)
                    figures.setdefault((name, concurrency), []).append(
                        _measure(load, server, workload, concurrency, limits)
                    )
        for (name, concurrency), rows in sorted(figures.items(), key=lambda kv: kv[0][::-1]):
            throughput = statistics.median(row[0] for row in rows)
            lookup = statistics.median(row[1] for row in rows)
            print(f"{concurrency} client(s)  {name:17} {throughput:8.1f} requests/s  "
                  f"IRI lookup p50 {lookup:5.2f} ms")  # fmt: skip
    finally:
        load.close()
        if front is not None:
            front.stop()
        oxigraph.stop()


def _measure(
    load: LoadProcess,
    server: servers.Server,
    workload: Workload,
    concurrency: int,
    limits: Limits,
) -> tuple[float, float]:
    """Return the throughput and the IRI-lookup p50 (ms) of one measurement."""
    measured = load.http(server.port, server.endpoint, workload, concurrency, limits)
    outcomes = measured.outcomes
    errors = [outcome.error for outcome in outcomes if outcome.error]
    if errors:
        raise SystemExit(f"{server.name}: {len(errors)} errors, the first {errors[0]}")
    lookups = [outcome.seconds * 1000 for outcome in outcomes if outcome.kind == "iri_lookup"]
    return len(outcomes) / measured.seconds, statistics.median(lookups)


if __name__ == "__main__":
    main()
