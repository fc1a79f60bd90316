"""Check that the servers under test give the same answers to the same queries.

A benchmark compares like with like only if every server answers the same: per query, the
number of solutions (or triples) from each server is compared with pyoxigraph's own answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import quote

import pyoxigraph as ox

from benchmarks.client import Connection, Planned, encode_get
from benchmarks.queries import RESULTS_JSON, Query
from benchmarks.servers import Server

TIMEOUT_S = 300


@dataclass(frozen=True)
class Disagreement:
    """A query on which a server's answer differs from pyoxigraph's in size, or failed."""

    server: str
    kind: str
    expected: int
    got: str


def answer_size(body: bytes, accept: str, status: int) -> str:
    """Return the number of solutions or triples in an answer, or why there is none."""
    if status != 200:
        return f"HTTP {status}"
    try:
        if accept == RESULTS_JSON:
            document = json.loads(body)
            if "boolean" in document:
                return str(int(document["boolean"]))
            return str(len(document["results"]["bindings"]))
        return str(len(list(ox.parse(body, format=ox.RdfFormat.TURTLE))))
    except (ValueError, KeyError, SyntaxError) as error:
        return f"unreadable: {error}"


def expected_size(store: ox.Store, query: Query) -> int:
    """Return the number of solutions or triples pyoxigraph gives for `query`."""
    result = store.query(query.text, use_default_graph_as_union=True)
    if isinstance(result, ox.QueryBoolean):
        return int(bool(result))
    return sum(1 for _ in result)


def disagreements(
    store: ox.Store, servers: list[Server], queries: list[Query]
) -> list[Disagreement]:
    """Return where a server's answer to one of `queries` differs from pyoxigraph's."""
    found = []
    for query in queries:
        expected = expected_size(store, query)
        for server in servers:
            path = f"{server.endpoint}?query={quote(query.text, safe='')}"
            planned = Planned(query.kind, path, query.accept)
            connection = Connection(server.port, TIMEOUT_S)
            try:
                response = connection.exchange(encode_get(server.port, planned, None))
                got = answer_size(response.body, query.accept, response.status)
            except OSError as error:
                got = type(error).__name__
            finally:
                connection.close()
            if got != str(expected):
                found.append(Disagreement(server.name, query.kind, expected, got))
    return found
