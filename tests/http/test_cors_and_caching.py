"""CORS on every response and preflight; ETag, Cache-Control and 304 on GET answers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from server.config import Settings
from tests.http.conftest import settings_for
from tests.http.support import EX, PEOPLE, UPDATE_TOKEN

QUERY = f"SELECT ?s WHERE {{ ?s a <{EX}Person> }}"


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("GET", "/sparql", {"query_string": {"query": QUERY}}),
        ("GET", "/sparql", {"query_string": {"query": "SELECT WHERE"}}),
        ("POST", "/sparql", {"data": b"x", "content_type": "text/plain"}),
        ("GET", "/store", {"query_string": {"graph": PEOPLE}}),
        ("GET", "/healthz", {}),
        ("GET", "/no-such-page", {}),
    ],
)
def test_every_response_carries_cors_headers(
    client: FlaskClient, method: str, path: str, kwargs: dict
) -> None:
    response = client.open(path, method=method, **kwargs)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    exposed = response.headers["Access-Control-Expose-Headers"]
    assert "MHKG-Result-Truncated" in exposed and "ETag" in exposed


@pytest.mark.parametrize("path", ["/sparql", "/store"])
def test_preflight_allows_our_methods_and_headers(client: FlaskClient, path: str) -> None:
    response = client.options(
        path,
        headers={
            "Origin": "https://app.example.net",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    allowed = response.headers["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed and "content-type" in allowed


def test_configured_origin_is_sent_and_varies(
    read_store: Path, make_app: Callable[[Settings], Flask]
) -> None:
    settings = settings_for(read_store, cors_origin="https://app.example.net")
    response = make_app(settings).test_client().get("/healthz")
    assert response.headers["Access-Control-Allow-Origin"] == "https://app.example.net"
    assert "Origin" in response.headers["Vary"]


def test_get_answers_are_cacheable(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": QUERY})
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert response.headers["ETag"].startswith('"')
    assert "Accept" in response.headers["Vary"]


@pytest.mark.parametrize(
    ("path", "query_string"),
    [("/sparql", {"query": QUERY}), ("/sparql", {}), ("/store", {"graph": PEOPLE})],
)
def test_matching_if_none_match_gets_304(
    client: FlaskClient, path: str, query_string: dict
) -> None:
    etag = client.get(path, query_string=query_string).headers["ETag"]
    response = client.get(path, query_string=query_string, headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.data == b""
    assert response.headers["ETag"] == etag
    other = client.get(path, query_string=query_string, headers={"If-None-Match": '"other"'})
    assert other.status_code == 200


def test_etag_depends_on_query_and_accept(client: FlaskClient) -> None:
    def etag(query: str, accept: str) -> str:
        return client.get(
            "/sparql", query_string={"query": query}, headers={"Accept": accept}
        ).headers["ETag"]

    assert etag(QUERY, "text/csv") == etag(QUERY, "text/csv")
    assert etag(QUERY, "text/csv") != etag(QUERY, "application/sparql-results+json")
    assert etag(QUERY, "text/csv") != etag(QUERY + " LIMIT 1", "text/csv")


def test_post_queries_are_not_cached(client: FlaskClient) -> None:
    response = client.post("/sparql", data={"query": QUERY})
    assert response.status_code == 200
    assert "ETag" not in response.headers


def test_a_write_changes_the_etag(write_client: FlaskClient) -> None:
    etag = write_client.get("/sparql", query_string={"query": QUERY}).headers["ETag"]
    update = f"INSERT DATA {{ GRAPH <{PEOPLE}> {{ <{EX}carol> a <{EX}Person> }} }}"
    written = write_client.post(
        "/sparql", data={"update": update}, headers={"Authorization": f"Bearer {UPDATE_TOKEN}"}
    )
    assert written.status_code == 204
    after = write_client.get(
        "/sparql", query_string={"query": QUERY}, headers={"If-None-Match": etag}
    )
    assert after.status_code == 200
    assert after.headers["ETag"] != etag
    assert EX + "carol" in after.text
