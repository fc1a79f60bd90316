"""The API, the dataset description and the downloads from a real `mhkg serve` process."""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
from urllib.parse import quote

import pyoxigraph as ox

from tests.http.support import RecordingListener, sample_quads
from tests.live_server import LiveServer


def test_the_api_answers_and_documents_itself(live_server: LiveServer) -> None:
    document = live_server.get("/api/openapi.json")
    assert document.status == 200
    paths = json.loads(document.data)["paths"]
    assert "/api/zoek-op-label" in paths
    # The test store holds people and places, not the letter: no labels to find.
    found = live_server.get("/api/zoek-op-label?zoekterm=alice&format=csv")
    assert found.status == 200 and found.headers["Content-Type"].startswith("text/csv")
    assert found.text.splitlines() == ["resource,score,label,_zoekterm,__taal"]
    assert found.headers["MHKG-Total-Rows"] == "0" and 'rel="last"' in found.headers["Link"]
    assert live_server.get("/api/zoek-op-label?zoekterm=alice&page=2").status == 404
    wrong = live_server.get("/api/toezeggingen-voor-datum?datum=morgen")
    assert wrong.status == 400 and "`datum`" in wrong.text
    assert live_server.get("/api/").status == 200


def test_a_service_clause_in_a_parameter_never_reaches_the_listener(
    live_server: LiveServer,
) -> None:
    with RecordingListener() as listener:
        value = quote(f"\"'}} SERVICE <{listener.url}> {{ ?s ?p ?o }} #")
        response = live_server.get(f"/api/zoek-op-label?zoekterm={value}")
        assert response.status == 200 and json.loads(response.data) == []
    assert listener.connections == 0


def test_downloads_asked_for_at_once_by_both_workers_are_complete(
    live_server: LiveServer,
) -> None:
    replies = []

    def ask() -> None:
        replies.append(live_server.request("GET", "/download/mensenhandel-kg.nq.gz", timeout=120))

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=150)
    assert [reply.status for reply in replies] == [302] * 4
    target = replies[0].headers["Location"]
    bodies = []
    fetchers = [
        threading.Thread(target=lambda: bodies.append(live_server.get(target))) for _ in range(4)
    ]
    for thread in fetchers:
        thread.start()
    for thread in fetchers:
        thread.join(timeout=150)
    assert len(bodies) == 4 and {reply.status for reply in bodies} == {200}
    assert len({hashlib.sha256(reply.data).hexdigest() for reply in bodies}) == 1
    quads = set(ox.parse(gzip.decompress(bodies[0].data), format=ox.RdfFormat.N_QUADS))
    assert set(sample_quads()) <= quads
    listing = json.loads(live_server.get("/download/", headers={"Accept": "application/json"}).data)
    sizes = {entry["name"]: entry["size"] for entry in listing["files"]}
    name = target.rsplit("/", 1)[1]
    assert sizes[name] == len(bodies[0].data)


def test_the_description_is_served(live_server: LiveServer) -> None:
    response = live_server.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert response.status == 200
    assert "dcat:Dataset" in response.text and "void:sparqlEndpoint" in response.text
    assert f"http://127.0.0.1:{live_server.port}/sparql" in response.text
