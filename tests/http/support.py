"""Build a small test store, listen for calls that must never come, count child processes.

Shared by the Flask test-client tests and the real-server tests.
"""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pyoxigraph as ox

from server.store import StoreDirectory

EX = "http://example.org/"
PEOPLE = EX + "graph/people"
PLACES = EX + "graph/places"
NUMBERS = EX + "graph/numbers"
NUMBER_COUNT = 400
UPDATE_TOKEN = "test-update-token-7f3a"

# Runs for hours: a three-way cross join over every literal with a regex on each row.
ENDLESS_QUERY = """
SELECT (COUNT(*) AS ?n) WHERE {
  GRAPH ?g1 { ?a ?p ?x } GRAPH ?g2 { ?b ?q ?y } GRAPH ?g3 { ?c ?r ?z }
  FILTER(REGEX(CONCAT(STR(?x), STR(?y), STR(?z)), "^(a|aa)+b$"))
}
"""


def _iri(local: str) -> ox.NamedNode:
    return ox.NamedNode(EX + local)


def sample_quads() -> list[ox.Quad]:
    """Return the quads of the test store: two small graphs and one of numbers."""
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    people, places, numbers = ox.NamedNode(PEOPLE), ox.NamedNode(PLACES), ox.NamedNode(NUMBERS)
    quads = [
        ox.Quad(_iri("alice"), rdf_type, _iri("Person"), people),
        ox.Quad(_iri("alice"), _iri("name"), ox.Literal("Alice"), people),
        ox.Quad(_iri("alice"), _iri("knows"), _iri("bob"), people),
        ox.Quad(_iri("bob"), rdf_type, _iri("Person"), people),
        ox.Quad(_iri("bob"), _iri("name"), ox.Literal("Bob", language="en"), people),
        ox.Quad(_iri("amsterdam"), rdf_type, _iri("Place"), places),
        ox.Quad(_iri("amsterdam"), _iri("label"), ox.Literal("Amsterdam", language="nl"), places),
        ox.Quad(_iri("alice"), _iri("livesIn"), _iri("amsterdam"), places),
    ]
    quads += [
        ox.Quad(_iri(f"n{i}"), _iri("value"), ox.Literal(i), numbers) for i in range(NUMBER_COUNT)
    ]
    return quads


def graph_sizes() -> dict[str, int]:
    """Return the number of triples in each named graph of the test store."""
    sizes: dict[str, int] = {}
    for quad in sample_quads():
        name = quad.graph_name.value
        sizes[name] = sizes.get(name, 0) + 1
    return sizes


def count_quads(client: Any) -> int:
    """Return how many triples the store holds, in its named graphs and its default graph.

    `client` is a Flask test client or anything with a compatible `get(path, headers=)`.
    """
    query = urlencode({"query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"})
    named = client.get(f"/sparql?{query}", headers={"Accept": "application/sparql-results+json"})
    default = client.get("/store?default", headers={"Accept": "application/n-triples"})
    count = json.loads(named.data)["results"]["bindings"][0]["n"]["value"]
    return int(count) + len(default.data.splitlines())


def build_store(root: Path) -> Path:
    """Build and publish the test store under `root`; return `root`."""
    directory = StoreDirectory(root)
    with directory.building() as path:
        store = ox.Store(str(path))
        store.extend(sample_quads())
        store.flush()
        del store
        directory.publish(path)
    return root


class RecordingListener:
    """A TCP listener on 127.0.0.1 that records every connection made to it."""

    def __init__(self) -> None:
        self._socket = socket.create_server(("127.0.0.1", 0))
        self._socket.settimeout(0.1)
        self.connections = 0
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        """Return a SPARQL endpoint URL on this listener."""
        return f"http://127.0.0.1:{self._socket.getsockname()[1]}/sparql"

    def __enter__(self) -> RecordingListener:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)
        self._socket.close()

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, _ = self._socket.accept()
            except TimeoutError:
                continue
            self.connections += 1
            connection.close()


def service_disguises(url: str) -> dict[str, str]:
    """Return queries that would call `url` if SERVICE were not refused, by disguise."""
    base, local = url.rsplit("/", 1)
    keyword = "SERVICE"
    escaped = keyword.replace("I", "\\u0049")
    body = "{ ?s ?p ?o }"
    return {
        "plain": f"SELECT * {{ SERVICE <{url}> {body} }}",
        "silent": f"SELECT * {{ SERVICE SILENT <{url}> {body} }}",
        "lowercase": f"select * {{ service <{url}> {body} }}",
        "mixed case and no spaces": f"SELECT * {{ ?s ?p ?o.SeRvIcE<{url}>{body} }}",
        "prefixed-name target": (
            f"PREFIX loop: <{base}/> SELECT * {{ SERVICE loop:{local} {body} }}"
        ),
        "BASE-relative target": f"BASE <{base}/> SELECT * {{ SERVICE <{local}> {body} }}",
        "u-escaped keyword": f"SELECT * {{ {escaped} <{url}> {body} }}",
        "U-escaped keyword": f"SELECT * {{ \\U00000053ERVICE <{url}> {body} }}",
        "escaped target": f"SELECT * {{ SERVICE <{url.replace('s', chr(92) + 'u0073')}> {body} }}",
        "variable target": f"SELECT * {{ VALUES ?svc {{ <{url}> }} SERVICE ?svc {body} }}",
        "in OPTIONAL": f"SELECT * {{ ?s ?p ?o OPTIONAL {{ SERVICE <{url}> {body} }} }}",
        "in subquery": f"SELECT * {{ {{ SELECT * {{ SERVICE <{url}> {body} }} }} }}",
        "in FILTER EXISTS": f"SELECT * {{ ?s ?p ?o FILTER EXISTS {{ SERVICE <{url}> {body} }} }}",
        "after a comment ending in CR": f"SELECT * {{ ?s ?p ?o # x\r SERVICE <{url}> {body} }}",
        "glued to a literal": f'SELECT * {{ ?s ?p "o"SERVICE<{url}>{body} }}',
        "glued to true": f"SELECT * {{ ?s ?p trueSERVICE <{url}> {body} }}",
        "glued to a number": f"SELECT * {{ ?s ?p 1.5e3SERVICE <{url}> {body} }}",
        "SILENT glued on": f"SELECT * {{ ?s ?p ?o SERVICESILENT<{url}>{body} }}",
        "empty local name": f"PREFIX ex: <{EX}> SELECT * {{ ?s ?p ex:.SERVICE <{url}> {body} }}",
        "escaped # in a name": (
            f"PREFIX ex: <{EX}> SELECT * {{ ?s ex:a\\#b ?o SERVICE <{url}> {body} }}"
        ),
        "< read as less-than hiding a quote": (
            f"SELECT * {{ ?s ?p ?o FILTER(?o<STR('>')||true) SERVICE <{url}> {body} "
            "FILTER(?o!=''||true) }"
        ),
        "< read as less-than hiding a comment": (
            f"SELECT * {{ ?s ?p ?o FILTER(?o<1||true#>'''\n) SERVICE <{url}> {body} "
            "FILTER(?o != ''' '''||true) }"
        ),
        "CONSTRUCT": f"CONSTRUCT {body} WHERE {{ SERVICE <{url}> {body} }}",
        "ASK": f"ASK {{ SERVICE <{url}> {body} }}",
    }


def load_disguises(url: str) -> dict[str, str]:
    """Return updates that would fetch `url` if LOAD were not refused, by disguise."""
    return {
        "plain": f"LOAD <{url}>",
        "silent into graph": f"LOAD SILENT <{url}> INTO GRAPH <{EX}loaded>",
        "lowercase after an insert": f"INSERT DATA {{ <{EX}a> <{EX}b> 1 }} ; load <{url}>",
        "u-escaped": f"LO\\u0041D <{url}>",
        "SERVICE in WHERE": f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    }
