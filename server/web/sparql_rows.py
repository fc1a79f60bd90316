"""Run the site's SELECT queries through the executor and hand back rows of RDF terms."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import pyoxigraph as ox

from server.context import current_executor, current_settings
from server.jobs import QueryRequest

Term = ox.NamedNode | ox.BlankNode | ox.Literal
Row = dict[str, Term]
T = TypeVar("T")


@dataclass(frozen=True)
class Rows:
    """The solutions of one query, as it was answered by one store version."""

    variables: tuple[str, ...]
    rows: list[Row]
    store_version: str
    truncated_at: int | None


def select(query: str, bindings: dict[str, Term] | None = None) -> Rows:
    """Run `query` with `bindings` substituted as RDF terms; relative IRIs resolve on the base.

    The bound variables must be projected by the query (a pyoxigraph 0.5 rule).
    """
    request = QueryRequest(
        query,
        "JSON",
        None,
        substitutions=tuple((bindings or {}).items()),
        base_iri=current_settings().base_iri,
    )
    result = current_executor().execute(request)
    return decode(result.body, result.store_version, result.truncated_at)


def decode(body: bytes, store_version: str, truncated_at: int | None = None) -> Rows:
    """Turn SPARQL JSON results into rows of pyoxigraph terms (pyoxigraph parses them)."""
    solutions = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    assert isinstance(solutions, ox.QuerySolutions)
    variables = tuple(variable.value for variable in solutions.variables)
    rows = []
    for solution in solutions:
        row = {}
        for name in variables:
            term = solution[name]
            if term is not None:
                row[name] = term
        rows.append(row)
    return Rows(variables, rows, store_version, truncated_at)


class VersionedCache:
    """Keep values computed from one store version until a new version is published."""

    def __init__(self, max_entries: int = 64) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[str, str], object] = OrderedDict()
        self._max_entries = max_entries

    def get(self, version: str, key: str, compute: Callable[[], tuple[T, str]]) -> T:
        """Return the value for (version, key), computing it once.

        `compute` returns the value and the version it was read from; a value read from a
        newer version than asked is kept under that version.
        """
        with self._lock:
            if (version, key) in self._entries:
                self._entries.move_to_end((version, key))
                return self._entries[(version, key)]  # type: ignore[return-value]
        value, read_from = compute()
        with self._lock:
            self._entries[(read_from, key)] = value
            self._entries.move_to_end((read_from, key))
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)
        return value
