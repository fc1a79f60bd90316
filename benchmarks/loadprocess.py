"""Generate load from a process of its own, so the load generator shares no GIL with anyone.

`LoadProcess` keeps one spawned process for the whole run. It sends HTTP requests to a
server under test, or runs the same queries on pyoxigraph in that process (the floor: what
any server over this store could at best reach), and reports each request's outcome with
the CPU time the load generator itself used.
"""

from __future__ import annotations

import multiprocessing
import resource
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from benchmarks.client import Limits, Outcome, run_http, run_in_process
from benchmarks.queries import TURTLE, Pools, Query, as_requests, cold_queries, warm_queries

_stores: dict[str, ox.Store] = {}


@dataclass(frozen=True)
class Workload:
    """How to make the queries of one measurement; the load process makes them itself."""

    kind: str  # "cold" or "warm"
    pools: Pools
    base: str
    run: str  # names the measurement, so that cold texts differ between measurements
    count: int

    def queries(self) -> list[Query]:
        """Return the queries, in the order they are sent."""
        if self.kind == "cold":
            return cold_queries(self.pools, self.base, self.count, self.run)
        return warm_queries(self.pools, self.base, self.count)


@dataclass(frozen=True)
class Measured:
    """The outcomes of one measurement and what it cost the load generator."""

    outcomes: list[Outcome]
    seconds: float
    client_cpu_s: float


class LoadProcess:
    """A spawned process that runs measurements one at a time."""

    def __init__(self) -> None:
        self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))

    def http(
        self,
        port: int,
        endpoint: str,
        workload: Workload | Sequence[Query],
        concurrency: int,
        limits: Limits,
    ) -> Measured:
        """Send the workload's queries as GET requests to `endpoint` on `port`."""
        return self._pool.submit(_http, port, endpoint, workload, concurrency, limits).result()

    def in_process(
        self, store: Path, workload: Workload, concurrency: int, limits: Limits
    ) -> Measured:
        """Run the workload's queries on pyoxigraph over the store version at `store`."""
        return self._pool.submit(_floor, str(store), workload, concurrency, limits).result()

    def close(self) -> None:
        """Stop the process."""
        self._pool.shutdown(wait=True, cancel_futures=True)


def _http(
    port: int,
    endpoint: str,
    workload: Workload | Sequence[Query],
    concurrency: int,
    limits: Limits,
) -> Measured:
    queries = workload.queries() if isinstance(workload, Workload) else list(workload)
    plans = as_requests(queries, endpoint)
    return _measured(lambda: run_http(port, plans, concurrency, limits))


def _floor(location: str, workload: Workload, concurrency: int, limits: Limits) -> Measured:
    queries = workload.queries()
    store = _stores.get(location)
    if store is None:
        store = _stores[location] = ox.Store.read_only(location)

    def answer(query: Query) -> int:
        """Evaluate and serialise as a server would: JSON results, or Turtle for graphs."""
        result = store.query(query.text, use_default_graph_as_union=True)
        if isinstance(result, ox.QuerySolutions | ox.QueryBoolean):
            return len(result.serialize(format=ox.QueryResultsFormat.JSON))
        graph_format = ox.RdfFormat.TURTLE if query.accept == TURTLE else ox.RdfFormat.N_TRIPLES
        return len(ox.serialize(result, format=graph_format))

    return _measured(lambda: run_in_process(answer, queries, concurrency, limits))


def _measured(run) -> Measured:
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    outcomes = run()
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return Measured(outcomes, seconds, cpu)
