"""SERVICE and LOAD are refused before anything runs, however they are disguised.

A listener on a loopback port records connections: a query that slipped past the guard
would reach it, because pyoxigraph calls SERVICE targets over HTTP.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from flask import Flask
from flask.testing import FlaskClient

from server.config import Settings
from tests.http.conftest import settings_for
from tests.http.support import (
    EX,
    UPDATE_TOKEN,
    RecordingListener,
    count_quads,
    load_disguises,
    service_disguises,
)

# Built once so parametrize can name the cases; the listener's real URL is swapped in.
PLACEHOLDER = "http://127.0.0.1:9/sparql"
SERVICE_CASES = service_disguises(PLACEHOLDER)
LOAD_CASES = load_disguises(PLACEHOLDER)


@pytest.fixture(scope="module")
def listener() -> Iterator[RecordingListener]:
    """A loopback listener that must never be called."""
    with RecordingListener() as recording:
        yield recording


@pytest.mark.parametrize("name", SERVICE_CASES)
def test_service_is_refused_and_never_called(
    client: FlaskClient, listener: RecordingListener, name: str
) -> None:
    query = SERVICE_CASES[name].replace(PLACEHOLDER, listener.url)
    by_get = client.get("/sparql", query_string={"query": query})
    by_post = client.post("/sparql", data=query.encode(), content_type="application/sparql-query")
    assert (by_get.status_code, by_post.status_code) in {(403, 403), (400, 400)}, by_get.text
    assert by_get.mimetype == "text/plain"
    assert listener.connections == 0


@pytest.mark.parametrize("name", LOAD_CASES)
def test_load_is_refused_even_with_the_token(
    write_client: FlaskClient, listener: RecordingListener, name: str
) -> None:
    before = count_quads(write_client)
    update = LOAD_CASES[name].replace(PLACEHOLDER, listener.url)
    response = write_client.post(
        "/sparql", data={"update": update}, headers={"Authorization": f"Bearer {UPDATE_TOKEN}"}
    )
    assert response.status_code in (400, 403), response.text
    assert listener.connections == 0
    assert count_quads(write_client) == before


def test_load_sent_as_a_query_is_refused(client: FlaskClient, listener: RecordingListener) -> None:
    response = client.get("/sparql", query_string={"query": f"LOAD <{listener.url}>"})
    assert response.status_code == 400
    assert listener.connections == 0


@pytest.mark.parametrize(
    "query",
    [
        f'SELECT ?service WHERE {{ ?service <{EX}name> "SERVICE <http://x/> {{}}" }}',
        f"SELECT * WHERE {{ ?s <{EX}load> ?o }} # SERVICE <http://x/> {{ }}",
        "PREFIX sd: <http://www.w3.org/ns/sparql-service-description#>\n"
        "SELECT ?s WHERE { ?s a sd:Service ; <http://example.org/service/load> ?o }",
        "PREFIX dcat: <http://www.w3.org/ns/dcat#> SELECT ?u WHERE { ?d dcat:downloadURL ?u }",
        "SELECT ?s WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> '''load\nservice''' }",
        'SELECT ?s WHERE { ?s ?p ?o FILTER(?o < 3 && CONTAINS(STR(?s), "load")) }',
    ],
    ids=["string", "comment", "IRIs and names", "local name", "long string", "less-than"],
)
def test_words_in_strings_iris_comments_and_names_are_not_refused(
    client: FlaskClient, query: str
) -> None:
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 200, response.text


def allowing(listener: RecordingListener, store: Path) -> Settings:
    """Return settings that allow SERVICE calls to the listener's host."""
    return settings_for(store, service_allowlist=(listener.url.rsplit("/", 1)[0] + "/",))


def test_an_allowed_service_is_called(
    read_store: Path, make_app: Callable[[Settings], Flask]
) -> None:
    """The control: without a refusal the listener does see the call."""
    with RecordingListener() as own:
        client = make_app(allowing(own, read_store)).test_client()
        query = f"SELECT * WHERE {{ SERVICE SILENT <{own.url}> {{ ?s ?p ?o }} }}"
        response = client.get("/sparql", query_string={"query": query})
        assert response.status_code == 200, response.text
        assert own.connections > 0


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { VALUES ?svc { <URL> } SERVICE ?svc { ?s ?p ?o } }",
        "PREFIX loop: <URL/> SELECT * WHERE { SERVICE loop:x { ?s ?p ?o } }",
        "SELECT * WHERE { SERVICE <http://127.0.0.2:9/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { ?s ?p ?o.SERVICE<URL>{ ?s ?p ?o } }",
    ],
    ids=["variable target", "prefixed target", "target not allowed", "glued keyword"],
)
def test_allowlist_admits_only_full_allowed_iris(
    read_store: Path, make_app: Callable[[Settings], Flask], query: str
) -> None:
    with RecordingListener() as own:
        client = make_app(allowing(own, read_store)).test_client()
        response = client.get("/sparql", query_string={"query": query.replace("URL", own.url)})
        assert response.status_code == 403
        assert own.connections == 0


def test_the_disguises_are_live_without_the_guard() -> None:
    """Regression guard for the test itself: run straight on pyoxigraph, they do call out."""
    store = ox.Store()
    subject, graph = ox.NamedNode(EX + "s"), ox.NamedNode(EX + "g")
    for predicate, obj in [
        (EX + "p", ox.Literal("o")),
        (EX + "p", ox.Literal(True)),
        (EX + "p", ox.Literal(1.5e3)),
        (EX + "p", ox.NamedNode(EX)),
        (EX + "a#b", ox.Literal("o")),
    ]:
        store.add(ox.Quad(subject, ox.NamedNode(predicate), obj, graph))
    reached, tried = set(), set()
    with RecordingListener() as own:
        for name, query in service_disguises(own.url).items():
            tried.add(name)
            before = own.connections
            with contextlib.suppress(OSError, RuntimeError, SyntaxError):
                result = store.query(query, use_default_graph_as_union=True)
                list(result) if not isinstance(result, ox.QueryBoolean) else bool(result)
            if own.connections > before:
                reached.add(name)
    unparsable_or_unbound = {"u-escaped keyword", "U-escaped keyword", "variable target"}
    assert reached == tried - unparsable_or_unbound


def test_the_load_disguises_are_live_without_the_guard() -> None:
    """Regression guard for the test itself: run straight on pyoxigraph, they do call out."""
    reached, tried = set(), set()
    with RecordingListener() as own:
        for name, update in load_disguises(own.url).items():
            tried.add(name)
            before = own.connections
            store = ox.Store()
            store.add(ox.Quad(ox.NamedNode(EX + "s"), ox.NamedNode(EX + "p"), ox.Literal("o")))
            with contextlib.suppress(OSError, RuntimeError, SyntaxError):
                store.update(update)
            if own.connections > before:
                reached.add(name)
    assert reached == tried - {"u-escaped"}


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM <URL> WHERE { ?s ?p ?o }",
        "SELECT * FROM NAMED <URL> WHERE { GRAPH ?g { ?s ?p ?o } }",
        "SELECT * WHERE { GRAPH <URL> { ?s ?p ?o } }",
        "DESCRIBE <URL>",
    ],
    ids=["FROM", "FROM NAMED", "GRAPH", "DESCRIBE"],
)
def test_graph_names_are_not_fetched(
    client: FlaskClient, listener: RecordingListener, query: str
) -> None:
    """Regression guard: only SERVICE and LOAD go out; a graph IRI is just a name."""
    response = client.get("/sparql", query_string={"query": query.replace("URL", listener.url)})
    assert response.status_code == 200
    assert listener.connections == 0
