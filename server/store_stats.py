"""Count the triples of each named graph, once per store version."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass

from server.executor import Executor
from server.jobs import QueryRequest

_COUNT_PER_GRAPH = """
SELECT ?graph (COUNT(*) AS ?triples)
WHERE { GRAPH ?graph { ?s ?p ?o } }
GROUP BY ?graph
ORDER BY ?graph
"""


@dataclass(frozen=True)
class StoreStats:
    """The named graphs of one store version and their sizes."""

    version: str
    graph_triples: dict[str, int]

    @property
    def triples(self) -> int:
        """Return the number of triples over all named graphs."""
        return sum(self.graph_triples.values())


class StatsCache:
    """Remember the counts of the latest version; counting runs in a query process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._latest: StoreStats | None = None

    def get(self, executor: Executor) -> StoreStats:
        """Return the counts for the current version; raise HttpError if they cannot be had."""
        latest = self._latest
        if latest is not None and latest.version == executor.store_version():
            return latest
        with self._lock:  # one count at a time, not one per waiting request
            latest = self._latest
            if latest is not None and latest.version == executor.store_version():
                return latest
            result = executor.execute(QueryRequest(_COUNT_PER_GRAPH, "JSON", None))
            rows = json.loads(result.body)["results"]["bindings"]
            self._latest = StoreStats(
                result.store_version,
                {
                    row["graph"]["value"]: int(row["triples"]["value"])
                    for row in rows
                    if row["graph"]["type"] == "uri"
                },
            )
            return self._latest
