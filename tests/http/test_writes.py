"""Writes: refused without the token (changing nothing), applied copy-on-write with it."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from flask.testing import FlaskClient

from server.store import StoreDirectory
from tests.http.conftest import MAX_REQUEST_BYTES
from tests.http.support import EX, PEOPLE, UPDATE_TOKEN, count_quads

AUTHORISED = {"Authorization": f"Bearer {UPDATE_TOKEN}"}
INSERT = f"INSERT DATA {{ GRAPH <{PEOPLE}> {{ <{EX}carol> a <{EX}Person> }} }}"
NEW_GRAPH = EX + "graph/new"
TURTLE = f"<{EX}x> <{EX}y> <{EX}z> , <{EX}w> .".encode()


def versions(store: Path) -> list[str]:
    """Return the version directories of the store."""
    return sorted(path.name for path in StoreDirectory(store).versions.iterdir())


REFUSED_WRITES = {
    "update without token": dict(path="/sparql", method="POST", data={"update": INSERT}),
    "update with wrong token": dict(
        path="/sparql",
        method="POST",
        data={"update": INSERT},
        headers={"Authorization": "Bearer wrong"},
    ),
    "update with basic auth": dict(
        path="/sparql",
        method="POST",
        data={"update": INSERT},
        headers={"Authorization": f"Basic {UPDATE_TOKEN}"},
    ),
    "direct update without token": dict(
        path="/sparql",
        method="POST",
        data=INSERT.encode(),
        content_type="application/sparql-update",
    ),
    "graph PUT without token": dict(
        path=f"/store?graph={NEW_GRAPH}", method="PUT", data=TURTLE, content_type="text/turtle"
    ),
    "graph POST with token as query parameter": dict(
        path=f"/store?graph={PEOPLE}&token={UPDATE_TOKEN}",
        method="POST",
        data=TURTLE,
        content_type="text/turtle",
    ),
    "graph DELETE without token": dict(path=f"/store?graph={PEOPLE}", method="DELETE"),
}


@pytest.mark.parametrize("request_args", REFUSED_WRITES.values(), ids=REFUSED_WRITES.keys())
def test_writes_without_the_token_are_refused_and_change_nothing(
    write_client: FlaskClient, write_store: Path, request_args: dict
) -> None:
    before, before_versions = count_quads(write_client), versions(write_store)
    response = write_client.open(**request_args)
    assert response.status_code == 403
    assert "Bearer" in response.text
    assert count_quads(write_client) == before
    assert versions(write_store) == before_versions


@pytest.mark.parametrize(
    "request_args",
    [
        dict(path="/sparql", method="POST", data={"update": INSERT}, headers=AUTHORISED),
        dict(path=f"/store?graph={PEOPLE}", method="DELETE", headers=AUTHORISED),
    ],
    ids=["update", "graph delete"],
)
def test_a_read_only_endpoint_refuses_even_a_token(client: FlaskClient, request_args: dict) -> None:
    before = count_quads(client)
    response = client.open(**request_args)
    assert response.status_code == 403
    assert "read-only" in response.text
    assert count_quads(client) == before


def test_an_update_with_the_token_is_applied_and_published(
    write_client: FlaskClient, write_store: Path
) -> None:
    before = count_quads(write_client)
    old_version = StoreDirectory(write_store).current_version()
    response = write_client.post("/sparql", data={"update": INSERT}, headers=AUTHORISED)
    assert response.status_code == 204
    new_version = StoreDirectory(write_store).current_version()
    assert response.headers["MHKG-Store-Version"] == new_version != old_version
    assert count_quads(write_client) == before + 1
    # Copy-on-write: the old version is still on disk, untouched, for readers still on it.
    old = ox.Store.read_only(str(StoreDirectory(write_store).versions / old_version))
    assert len(old) == before
    assert write_client.get("/healthz").json["store_version"] == new_version


def test_a_direct_update_with_the_token_is_applied(write_client: FlaskClient) -> None:
    before = count_quads(write_client)
    response = write_client.post(
        "/sparql",
        data=INSERT.encode(),
        content_type="application/sparql-update",
        headers=AUTHORISED,
    )
    assert response.status_code == 204
    assert count_quads(write_client) == before + 1


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({"update": "INSERT DATA { <a> }"}, 400),
        ({"update": "SELECT * WHERE { ?s ?p ?o }"}, 400),
        ({"update": INSERT, "using-graph-uri": PEOPLE}, 400),
        ({"update": "   "}, 400),
    ],
    ids=["syntax error", "a query", "using-graph-uri", "empty"],
)
def test_failed_updates_change_nothing(
    write_client: FlaskClient, write_store: Path, data: dict, status: int
) -> None:
    before, before_versions = count_quads(write_client), versions(write_store)
    response = write_client.post("/sparql", data=data, headers=AUTHORISED)
    assert response.status_code == status
    assert response.mimetype == "text/plain"
    assert count_quads(write_client) == before
    assert versions(write_store) == before_versions


def test_graph_store_put_post_delete(write_client: FlaskClient) -> None:
    target = f"/store?graph={NEW_GRAPH}"

    def graph_size() -> int:
        response = write_client.get(target, headers={"Accept": "application/n-triples"})
        return -1 if response.status_code == 404 else len(response.data.strip().splitlines())

    assert graph_size() == -1
    created = write_client.put(target, data=TURTLE, content_type="text/turtle", headers=AUTHORISED)
    assert created.status_code == 201
    assert graph_size() == 2
    replaced = write_client.put(
        target,
        data=f'<{EX}only> <{EX}one> "1" .'.encode(),
        content_type="application/n-triples",
        headers=AUTHORISED,
    )
    assert replaced.status_code == 204
    assert graph_size() == 1
    appended = write_client.post(
        target, data=TURTLE, content_type="text/turtle", headers=AUTHORISED
    )
    assert appended.status_code == 204
    assert graph_size() == 3
    assert write_client.delete(target, headers=AUTHORISED).status_code == 204
    assert graph_size() == -1
    assert write_client.delete(target, headers=AUTHORISED).status_code == 404


def test_default_graph_writes(write_client: FlaskClient) -> None:
    put = write_client.put(
        "/store?default", data=TURTLE, content_type="text/turtle", headers=AUTHORISED
    )
    assert put.status_code == 204
    assert (
        len(
            write_client.get(
                "/store?default", headers={"Accept": "application/n-triples"}
            ).data.splitlines()
        )
        == 2
    )
    assert write_client.delete("/store?default", headers=AUTHORISED).status_code == 204
    assert write_client.get("/store?default").data.strip() == b""


@pytest.mark.parametrize(
    ("data", "content_type", "status"),
    [
        (b"<not turtle", "text/turtle", 400),
        (f"<{EX}a> <{EX}b> <{EX}c> <{EX}g> .".encode(), "application/n-quads", 400),
        (TURTLE, "text/plain", 415),
        (TURTLE, "", 415),
    ],
    ids=["bad turtle", "payload names a graph", "unsupported type", "no type"],
)
def test_bad_graph_payloads_change_nothing(
    write_client: FlaskClient, write_store: Path, data: bytes, content_type: str, status: int
) -> None:
    before, before_versions = count_quads(write_client), versions(write_store)
    response = write_client.put(
        f"/store?graph={PEOPLE}", data=data, content_type=content_type, headers=AUTHORISED
    )
    assert response.status_code == status, response.text
    assert count_quads(write_client) == before
    assert versions(write_store) == before_versions


def test_a_body_over_the_limit_is_413_and_changes_nothing(write_client: FlaskClient) -> None:
    before = count_quads(write_client)
    big = b"# padding\n" * (MAX_REQUEST_BYTES // 10 + 1)
    response = write_client.put(
        f"/store?graph={NEW_GRAPH}", data=big, content_type="text/turtle", headers=AUTHORISED
    )
    assert response.status_code == 413
    assert str(MAX_REQUEST_BYTES) in response.text
    assert count_quads(write_client) == before
