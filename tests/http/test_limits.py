"""Limits: request size, a time limit that really stops a query, and a store that goes away."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from server.config import Settings
from server.request_limits import MAX_HEADER_LINE, MAX_REQUEST_LINE
from server.store import StoreDirectory
from tests.http.conftest import MAX_REQUEST_BYTES, settings_for
from tests.http.support import ENDLESS_QUERY, EX, build_store
from tests.live_server import descendants

SIMPLE = f"ASK {{ <{EX}alice> <{EX}knows> <{EX}bob> }}"
TIMEOUT_S = 2.0
# Sorts the 400**3 rows of a cross join: on the test store it takes about 200 MB a second.
MEMORY_HOG = """
SELECT ?x ?y ?z WHERE {
  GRAPH ?g1 { ?a ?p ?x } GRAPH ?g2 { ?b ?q ?y } GRAPH ?g3 { ?c ?r ?z }
} ORDER BY STR(?x) STR(?y) STR(?z) LIMIT 1
"""


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ({"query": "ASK {} #" + "x" * MAX_REQUEST_BYTES}, None),
        (b"ASK {} #" + b"x" * MAX_REQUEST_BYTES, "application/sparql-query"),
    ],
    ids=["form", "direct"],
)
def test_a_body_over_the_limit_is_413(
    client: FlaskClient, data: dict | bytes, content_type: str | None
) -> None:
    response = client.post("/sparql", data=data, content_type=content_type)
    assert response.status_code == 413
    assert response.mimetype == "text/plain"
    assert f"{MAX_REQUEST_BYTES} bytes" in response.text


def run_in_thread(call: Callable[[], TestResponse]) -> tuple[threading.Thread, list[TestResponse]]:
    """Start `call` in a thread; the list receives its response."""
    responses: list[TestResponse] = []
    thread = threading.Thread(target=lambda: responses.append(call()), daemon=True)
    thread.start()
    return thread, responses


def test_a_request_line_over_the_limit_is_414_and_one_within_it_is_answered(
    client: FlaskClient,
) -> None:
    padding = "ASK%20%7B%7D%20%23"  # ASK {} #
    fits = "/sparql?query=" + padding + "x" * (MAX_REQUEST_LINE - 60)
    too_long = "/sparql?query=" + padding + "x" * MAX_REQUEST_LINE
    assert client.get(fits).status_code == 200
    response = client.get(too_long)
    assert response.status_code == 414
    assert "POST" in response.text


def test_a_header_line_over_the_limit_is_431_naming_it(client: FlaskClient) -> None:
    response = client.get("/sparql?query=ASK%7B%7D", headers={"X-Long": "x" * MAX_HEADER_LINE})
    assert response.status_code == 431
    assert "X-Long header" in response.text
    fine = client.get("/sparql?query=ASK%7B%7D", headers={"X-Long": "x" * 8000})
    assert fine.status_code == 200


def test_a_query_over_the_time_limit_is_stopped_while_others_are_answered(
    read_store: Path, make_app: Callable[[Settings], Flask]
) -> None:
    app = make_app(settings_for(read_store, query_timeout_s=TIMEOUT_S, query_processes=2))
    client = app.test_client()
    for _ in range(2):  # start both query processes before counting processes
        assert client.get("/sparql", query_string={"query": SIMPLE}).status_code == 200
    processes_before = descendants(os.getpid())

    started = time.monotonic()
    thread, endless = run_in_thread(
        lambda: app.test_client().get("/sparql", query_string={"query": ENDLESS_QUERY})
    )
    time.sleep(0.3)
    simple_started = time.monotonic()
    simple = client.get("/sparql", query_string={"query": SIMPLE})
    assert simple.status_code == 200
    assert time.monotonic() - simple_started < 1.0
    thread.join(timeout=TIMEOUT_S + 10)
    elapsed = time.monotonic() - started

    assert endless[0].status_code == 503
    assert f"time limit of {TIMEOUT_S:g} s" in endless[0].text
    assert TIMEOUT_S <= elapsed < TIMEOUT_S + 3
    # The stopped process was killed, reaped and replaced: same count, no zombies.
    processes_after = descendants(os.getpid())
    assert len(processes_after) == len(processes_before)
    assert "Z" not in processes_after.values()
    assert client.get("/sparql", query_string={"query": SIMPLE}).status_code == 200


def test_a_query_over_the_memory_limit_is_stopped_long_before_the_time_limit(
    read_store: Path, make_app: Callable[[Settings], Flask]
) -> None:
    time_limit_s = 20.0
    settings = settings_for(
        read_store,
        query_timeout_s=time_limit_s,
        query_memory_bytes=150_000_000,
        query_processes=1,
    )
    client = make_app(settings).test_client()
    assert client.get("/sparql", query_string={"query": SIMPLE}).status_code == 200
    started = time.monotonic()
    response = client.get("/sparql", query_string={"query": MEMORY_HOG})
    assert response.status_code == 503
    assert response.mimetype == "text/plain"
    assert "memory limit of 150 MB" in response.text
    assert time.monotonic() - started < time_limit_s / 2
    # Its process was replaced: the next query is answered.
    assert client.get("/sparql", query_string={"query": SIMPLE}).status_code == 200


def test_clients_beyond_the_pool_wait_within_the_same_limit(
    read_store: Path, make_app: Callable[[Settings], Flask]
) -> None:
    app = make_app(settings_for(read_store, query_timeout_s=TIMEOUT_S, query_processes=1))
    started = time.monotonic()
    calls = [
        run_in_thread(lambda q=q: app.test_client().get("/sparql", query_string={"query": q}))
        for q in (ENDLESS_QUERY, ENDLESS_QUERY + " ")
    ]
    for thread, _ in calls:
        thread.join(timeout=3 * TIMEOUT_S + 10)
    assert [responses[0].status_code for _, responses in calls] == [503, 503]
    assert time.monotonic() - started < 2 * TIMEOUT_S + 3


def test_an_update_over_the_time_limit_is_stopped_and_changes_nothing(
    tmp_path: Path, make_app: Callable[[Settings], Flask]
) -> None:
    store = build_store(tmp_path / "store")
    settings = settings_for(store, query_timeout_s=TIMEOUT_S, update_token="t")
    client = make_app(settings).test_client()
    version = StoreDirectory(store).current_version()
    endless_insert = ENDLESS_QUERY.replace(
        "SELECT (COUNT(*) AS ?n)", f"INSERT {{ <{EX}a> <{EX}b> ?x }}"
    )
    response = client.post(
        "/sparql", data={"update": endless_insert}, headers={"Authorization": "Bearer t"}
    )
    assert response.status_code == 503
    assert StoreDirectory(store).current_version() == version
    assert len(list(StoreDirectory(store).versions.iterdir())) == 1


def test_a_store_that_disappears_gives_503_and_comes_back(
    tmp_path: Path, make_app: Callable[[Settings], Flask]
) -> None:
    store = build_store(tmp_path / "store")
    client = make_app(settings_for(store)).test_client()
    assert client.get("/sparql", query_string={"query": SIMPLE}).status_code == 200
    link = StoreDirectory(store).current_link
    target = os.readlink(link)
    link.unlink()
    gone = client.get("/sparql", query_string={"query": SIMPLE})
    assert gone.status_code == 503
    assert "no store" in gone.text
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json["store_loaded"] is False
    os.symlink(target, link)
    assert client.get("/sparql", query_string={"query": SIMPLE}).status_code == 200


def test_no_store_at_all_gives_503(tmp_path: Path, make_app: Callable[[Settings], Flask]) -> None:
    client = make_app(settings_for(tmp_path / "empty")).test_client()
    assert client.get("/healthz").status_code == 503
    assert client.get("/sparql", query_string={"query": SIMPLE}).status_code == 503
    assert client.get("/sparql").status_code == 503
    assert client.get("/store?default").status_code == 503
    assert json.loads(client.get("/healthz").data)["status"] == "unavailable"


def entity_bomb(levels: int) -> bytes:
    """Return RDF/XML of under 2 kB whose one literal expands to 4 * 10**levels bytes."""
    entities = ['<!ENTITY e0 "haha">'] + [
        f'<!ENTITY e{level} "{f"&e{level - 1};" * 10}">' for level in range(1, levels + 1)
    ]
    return f"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ {" ".join(entities)} ]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="{EX}">
  <rdf:Description rdf:about="{EX}a"><ex:p>&e{levels};</ex:p></rdf:Description>
</rdf:RDF>""".encode()


def test_a_write_over_the_memory_limit_is_stopped_and_changes_nothing(
    tmp_path: Path, make_app: Callable[[Settings], Flask]
) -> None:
    store = build_store(tmp_path / "store")
    time_limit_s = 20.0
    settings = settings_for(
        store, query_timeout_s=time_limit_s, query_memory_bytes=150_000_000, update_token="t"
    )
    client = make_app(settings).test_client()
    version = StoreDirectory(store).current_version()
    started = time.monotonic()
    response = client.put(
        "/store",
        query_string={"graph": f"{EX}graph/expanded"},
        data=entity_bomb(10),  # 40 GB once expanded
        headers={"Authorization": "Bearer t", "Content-Type": "application/rdf+xml"},
    )
    assert response.status_code == 503
    assert "memory limit of 150 MB" in response.text
    assert "nothing changed" in response.text
    assert time.monotonic() - started < time_limit_s / 2
    assert StoreDirectory(store).current_version() == version
    assert len(list(StoreDirectory(store).versions.iterdir())) == 1
