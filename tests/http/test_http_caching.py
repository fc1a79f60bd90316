"""HTTP caching: Last-Modified from the publication, If-Modified-Since, and the result cache."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from server import context
from server.config import Settings
from tests.http.conftest import settings_for
from tests.http.support import EX, PEOPLE, UPDATE_TOKEN, build_store

QUERY = f"SELECT ?s WHERE {{ ?s a <{EX}Person> }} ORDER BY ?s"
PUBLISHED = time.time() - 3600  # an hour ago


def _http_date(seconds: float) -> str:
    return format_datetime(datetime.fromtimestamp(int(seconds), tz=UTC), usegmt=True)


@pytest.fixture
def settled(tmp_path: Path, make_app: Callable[[Settings], Flask]) -> FlaskClient:
    """A client of a store whose version was published an hour ago."""
    store = build_store(tmp_path / "store")
    os.utime(store / "current", (PUBLISHED, PUBLISHED), follow_symlinks=False)
    return make_app(settings_for(store, update_token=UPDATE_TOKEN)).test_client()


def test_answers_carry_the_publication_time_as_last_modified(settled: FlaskClient) -> None:
    for path, query_string in [("/sparql", {"query": QUERY}), ("/store", {"graph": PEOPLE})]:
        response = settled.get(path, query_string=query_string)
        assert response.headers["Last-Modified"] == _http_date(PUBLISHED)


@pytest.mark.parametrize(
    ("since", "status"),
    [(PUBLISHED, 304), (PUBLISHED + 60, 304), (PUBLISHED - 60, 200)],
    ids=["the same time", "later", "earlier"],
)
def test_if_modified_since_alone_revalidates(
    settled: FlaskClient, since: float, status: int
) -> None:
    response = settled.get(
        "/sparql", query_string={"query": QUERY}, headers={"If-Modified-Since": _http_date(since)}
    )
    assert response.status_code == status
    if status == 304:  # with the ETag; werkzeug leaves Last-Modified out, as RFC 9110 allows
        assert response.data == b""
        assert response.headers["ETag"]


def test_if_none_match_wins_over_if_modified_since(settled: FlaskClient) -> None:
    response = settled.get(
        "/sparql",
        query_string={"query": QUERY},
        headers={"If-None-Match": '"other"', "If-Modified-Since": _http_date(PUBLISHED + 60)},
    )
    assert response.status_code == 200


def test_a_version_published_just_now_has_no_last_modified_yet(
    tmp_path: Path, make_app: Callable[[Settings], Flask]
) -> None:
    """Regression guard: a second version in the same second must never answer 304."""
    client = make_app(settings_for(build_store(tmp_path / "store"))).test_client()
    response = client.get("/sparql", query_string={"query": QUERY})
    assert response.status_code == 200
    assert "Last-Modified" not in response.headers
    assert "ETag" in response.headers


def test_a_write_publishes_a_later_last_modified(settled: FlaskClient) -> None:
    before = settled.get("/sparql", query_string={"query": QUERY})
    update = f"INSERT DATA {{ GRAPH <{PEOPLE}> {{ <{EX}carol> a <{EX}Person> }} }}"
    written = settled.post(
        "/sparql", data={"update": update}, headers={"Authorization": f"Bearer {UPDATE_TOKEN}"}
    )
    assert written.status_code == 204
    after = settled.get(
        "/sparql",
        query_string={"query": QUERY},
        headers={"If-Modified-Since": before.headers["Last-Modified"]},
    )
    assert after.status_code == 200  # not 304, though the new version is too young to date
    assert EX + "carol" in after.text


def test_repeated_queries_are_answered_from_the_result_cache(settled: FlaskClient) -> None:
    executor = context.of(settled.application).executor
    hits = executor.cache.hits
    first = settled.get("/sparql", query_string={"query": QUERY}, headers={"Accept": "text/csv"})
    again = settled.get("/sparql", query_string={"query": QUERY}, headers={"Accept": "text/csv"})
    assert first.data == again.data
    assert executor.cache.hits == hits + 1
    other_format = settled.get("/sparql", query_string={"query": QUERY})
    assert other_format.mimetype == "application/sparql-results+json"
    assert executor.cache.hits == hits + 1


def test_last_modified_parses_as_an_http_date(settled: FlaskClient) -> None:
    header = settled.get("/sparql", query_string={"query": QUERY}).headers["Last-Modified"]
    assert parsedate_to_datetime(header).timestamp() == int(PUBLISHED)
