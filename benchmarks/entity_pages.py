"""Time the entity pages of the site on the curated graph: the server time of every /doc/ page.

Run by hand, not by the test suite:

    python -m benchmarks.entity_pages [--store DIR] [--rounds 3]

It builds the real graph into a temporary store (or uses --store), starts the app with its
query processes, warms the caches that live per store version (labels, letter text), then
requests the HTML page of every resource under {base}id/ `rounds` times through the WSGI
app, timing each request in-process (no network, no browser). Prints the median, 90th
percentile and slowest page, and exits 1 if the median is 50 ms or more.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from server import context
from server.app import create_app
from server.build import build
from server.config import Settings
from server.store import PublishedStore, StoreDirectory

BUDGET_MS = 50.0


def entity_paths(settings: Settings) -> list[str]:
    """Return the /doc/ path of every IRI under {base}id/ that is the subject of a triple."""
    store, _ = PublishedStore(StoreDirectory(settings.store_dir)).get()
    prefix = settings.base_iri + "id/"
    subjects = {
        quad.subject.value
        for quad in store.quads_for_pattern(None, None, None, None)
        if isinstance(quad.subject, ox.NamedNode) and quad.subject.value.startswith(prefix)
    }
    return sorted("/doc/" + iri[len(prefix) :] for iri in subjects)


def main() -> int:
    """Measure and report; exit 1 when the median exceeds the budget."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", type=Path, help="a built store (default: build one)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        settings = Settings(store_dir=args.store or Path(scratch))
        if args.store is None:
            build(settings)
        paths = entity_paths(settings)
        app = create_app(settings)
        try:
            client = app.test_client()
            client.get(paths[0])  # starts the query processes, reads labels and the letter
            timings: list[tuple[float, str]] = []
            for _ in range(args.rounds):
                for path in paths:
                    started = time.perf_counter()
                    response = client.get(path, headers={"Accept": "text/html"})
                    elapsed_ms = (time.perf_counter() - started) * 1000
                    if response.status_code != 200:
                        print(f"{path}: status {response.status_code}", file=sys.stderr)
                        return 2
                    timings.append((elapsed_ms, path))
        finally:
            context.of(app).executor.close()
    values = sorted(ms for ms, _ in timings)
    median = statistics.median(values)
    p90 = values[int(len(values) * 0.9) - 1]
    slowest_ms, slowest = max(timings)
    print(f"{len(paths)} entity pages x {args.rounds} rounds = {len(values)} requests")
    print(f"median {median:.1f} ms, p90 {p90:.1f} ms, max {slowest_ms:.1f} ms ({slowest})")
    print(f"budget: median under {BUDGET_MS:.0f} ms: {'met' if median < BUDGET_MS else 'MISSED'}")
    return 0 if median < BUDGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
