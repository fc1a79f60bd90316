"""The key behaviours again, against a real `mhkg serve` (granian) with two workers."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox
import pytest
from rdflib import Graph, Namespace, URIRef

from tests.http.support import (
    ENDLESS_QUERY,
    EX,
    PEOPLE,
    PLACES,
    UPDATE_TOKEN,
    RecordingListener,
    count_quads,
    graph_sizes,
    load_disguises,
    service_disguises,
)
from tests.live_server import (
    PROJECT_ROOT,
    LiveServer,
    Reply,
    ephemeral_ports,
    free_port,
    server_environment,
)
from tests.server.conftest import MAX_REQUEST_BYTES, MAX_ROWS, TIMEOUT_S

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
AUTHORISED = {"Authorization": f"Bearer {UPDATE_TOKEN}"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
PEOPLE_QUERY = f"SELECT ?p WHERE {{ ?p a <{EX}Person> }} ORDER BY ?p"
SIMPLE = f"ASK {{ <{EX}alice> <{EX}knows> <{EX}bob> }}"


def query(server: LiveServer, text: str, accept: str | None = None, **params: str) -> Reply:
    """GET `text` from /sparql."""
    headers = {"Accept": accept} if accept else {}
    return server.request("GET", "/sparql?" + urlencode({"query": text, **params}), headers=headers)


def people(reply: Reply) -> list[str]:
    """Return the ?p values of a JSON answer to PEOPLE_QUERY."""
    return [row["p"]["value"] for row in json.loads(reply.data)["results"]["bindings"]]


def test_healthz(live_server: LiveServer) -> None:
    reply = live_server.request("GET", "/healthz")
    assert reply.status == 200
    health = json.loads(reply.data)
    assert health["status"] == "ok" and health["store_loaded"] is True
    assert health["triples"] >= sum(graph_sizes().values())


def test_the_three_ways_to_ask(live_server: LiveServer) -> None:
    expected = [EX + "alice", EX + "bob"]
    assert people(query(live_server, PEOPLE_QUERY)) == expected
    form = urlencode({"query": PEOPLE_QUERY}).encode()
    assert people(live_server.request("POST", "/sparql", form, FORM)) == expected
    direct = {"Content-Type": "application/sparql-query"}
    assert people(live_server.request("POST", "/sparql", PEOPLE_QUERY.encode(), direct)) == expected


def test_protocol_dataset_wins_over_from(live_server: LiveServer) -> None:
    text = f"SELECT ?s FROM <{PEOPLE}> WHERE {{ ?s ?p ?o }}"
    from_only = json.loads(query(live_server, text).data)["results"]["bindings"]
    protocol = json.loads(query(live_server, text, **{"default-graph-uri": PLACES}).data)
    assert {row["s"]["value"] for row in from_only} == {EX + "alice", EX + "bob"}
    assert {row["s"]["value"] for row in protocol["results"]["bindings"]} == {
        EX + "alice",
        EX + "amsterdam",
    }


@pytest.mark.parametrize(
    ("text", "accept", "check"),
    [
        (PEOPLE_QUERY, "application/sparql-results+json", ox.QueryResultsFormat.JSON),
        (PEOPLE_QUERY, "application/sparql-results+xml", ox.QueryResultsFormat.XML),
        (PEOPLE_QUERY, "text/tab-separated-values", ox.QueryResultsFormat.TSV),
        (PEOPLE_QUERY, "text/csv", None),
        (f"DESCRIBE <{EX}alice>", "text/turtle", ox.RdfFormat.TURTLE),
        (f"DESCRIBE <{EX}alice>", "application/n-triples", ox.RdfFormat.N_TRIPLES),
        (f"DESCRIBE <{EX}alice>", "application/ld+json", ox.RdfFormat.JSON_LD),
        (f"DESCRIBE <{EX}alice>", "application/rdf+xml", ox.RdfFormat.RDF_XML),
    ],
)
def test_every_format(
    live_server: LiveServer,
    text: str,
    accept: str,
    check: ox.QueryResultsFormat | ox.RdfFormat | None,
) -> None:
    reply = query(live_server, text, accept)
    assert reply.status == 200
    assert reply.headers["Content-Type"].split(";")[0] == accept
    if isinstance(check, ox.QueryResultsFormat):
        assert len(list(ox.parse_query_results(reply.data, check))) == 2
    elif isinstance(check, ox.RdfFormat):
        assert len(list(ox.parse(reply.data, check))) == 4
    else:
        assert reply.text.splitlines()[0] == "p"


def test_q_values_406_and_head(live_server: LiveServer) -> None:
    chosen = query(
        live_server, PEOPLE_QUERY, "application/sparql-results+xml;q=0.4, text/csv;q=0.8"
    )
    assert chosen.headers["Content-Type"].startswith("text/csv")
    refused = query(live_server, PEOPLE_QUERY, "image/png")
    assert refused.status == 406
    assert "application/sparql-results+json" in refused.text
    path = "/sparql?" + urlencode({"query": PEOPLE_QUERY})
    head = live_server.request("HEAD", path)
    assert head.status == 200 and head.data == b""
    assert head.headers["ETag"] == query(live_server, PEOPLE_QUERY).headers["ETag"]


def test_304_on_a_matching_etag(live_server: LiveServer) -> None:
    etag = query(live_server, PEOPLE_QUERY).headers["ETag"]
    path = "/sparql?" + urlencode({"query": PEOPLE_QUERY})
    assert live_server.request("GET", path, headers={"If-None-Match": etag}).status == 304


def test_service_description(live_server: LiveServer) -> None:
    reply = live_server.request("GET", "/sparql", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=reply.data, format="turtle")
    (service,) = graph.subjects(
        URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), SD.Service
    )
    assert graph.value(service, SD.endpoint) == URIRef(f"{live_server.base_url}/sparql")
    assert SD.SPARQL11Update in set(graph.objects(service, SD.supportedLanguage))
    assert len(set(graph.objects(service, SD.resultFormat))) == 10
    dataset = graph.value(service, SD.defaultDataset)
    names = {str(graph.value(n, SD.name)) for n in graph.objects(dataset, SD.namedGraph)}
    assert set(graph_sizes()) <= names


def test_cors(live_server: LiveServer) -> None:
    assert query(live_server, "ASK {").headers["Access-Control-Allow-Origin"] == "*"
    preflight = live_server.request(
        "OPTIONS",
        "/sparql",
        headers={"Origin": "https://app.example.net", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status == 200
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "MHKG-Result-Truncated" in preflight.headers["Access-Control-Expose-Headers"]


@pytest.mark.parametrize(
    ("method", "path", "body", "headers", "status"),
    [
        ("GET", "/sparql?" + urlencode({"query": "SELECT * WHERE { ?s ?p }"}), None, {}, 400),
        ("GET", "/sparql?query=ASK%FF", None, {}, 400),
        ("GET", "/sparql?query=ASK%7B%7D&query=ASK%7B%7D", None, {}, 400),
        ("POST", "/sparql", b"ASK {}", {"Content-Type": "text/plain"}, 415),
        ("POST", "/sparql", b"query=" + b"x" * MAX_REQUEST_BYTES, FORM, 413),
        ("GET", "/store?graph=http://example.org/graph/none", None, {}, 404),
        ("GET", "/store?graph=relative", None, {}, 400),
        ("POST", "/sparql", b"update=CLEAR+ALL", FORM, 403),
    ],
    ids=[
        "syntax",
        "not UTF-8",
        "two queries",
        "content type",
        "too large",
        "absent",
        "relative",
        "no token",
    ],
)
def test_client_errors(
    live_server: LiveServer, method: str, path: str, body: bytes | None, headers: dict, status: int
) -> None:
    reply = live_server.request(method, path, body, headers)
    assert reply.status == status, reply.text
    assert reply.headers["Content-Type"].startswith("text/plain")
    assert "Traceback" not in reply.text


def test_a_cut_answer_says_so(live_server: LiveServer) -> None:
    reply = query(
        live_server, "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", "text/tab-separated-values"
    )
    assert reply.headers["MHKG-Result-Truncated"] == str(MAX_ROWS)
    assert len(reply.text.splitlines()) == MAX_ROWS + 1


def test_refused_writes_change_nothing(live_server: LiveServer) -> None:
    before = count_quads(live_server)
    update = urlencode({"update": f"INSERT DATA {{ <{EX}x> <{EX}y> <{EX}z> }}"}).encode()
    wrong = {**FORM, "Authorization": "Bearer not-the-token"}
    assert live_server.request("POST", "/sparql", update, wrong).status == 403
    assert live_server.request("POST", "/sparql", update, FORM).status == 403
    assert live_server.request("DELETE", f"/store?graph={PEOPLE}").status == 403
    put = {"Content-Type": "text/turtle"}
    assert live_server.request("PUT", f"/store?graph={PEOPLE}", b"", put).status == 403
    assert count_quads(live_server) == before


def test_writes_with_the_token(live_server: LiveServer) -> None:
    graph = EX + "graph/live-writes"
    before = count_quads(live_server)
    update = urlencode({"update": f"INSERT DATA {{ GRAPH <{graph}> {{ <{EX}x> <{EX}y> 1 }} }}"})
    written = live_server.request("POST", "/sparql", update.encode(), {**FORM, **AUTHORISED})
    assert written.status == 204
    assert count_quads(live_server) == before + 1
    turtle = f"<{EX}a> <{EX}b> <{EX}c> , <{EX}d> .".encode()
    put = live_server.request(
        "PUT", f"/store?graph={graph}", turtle, {"Content-Type": "text/turtle", **AUTHORISED}
    )
    assert put.status == 204
    assert count_quads(live_server) == before + 2
    assert live_server.request("DELETE", f"/store?graph={graph}", headers=AUTHORISED).status == 204
    assert count_quads(live_server) == before


def test_service_and_load_never_reach_the_listener(live_server: LiveServer) -> None:
    with RecordingListener() as listener:
        for name, text in service_disguises(listener.url).items():
            assert query(live_server, text).status in (400, 403), name
        for name, update in load_disguises(listener.url).items():
            body = urlencode({"update": update}).encode()
            reply = live_server.request("POST", "/sparql", body, {**FORM, **AUTHORISED})
            assert reply.status in (400, 403), name
        assert listener.connections == 0


def test_a_long_query_is_stopped_and_others_are_answered_meanwhile(live_server: LiveServer) -> None:
    processes_before = live_server.stable_tree()
    replies: list[Reply] = []
    started = time.monotonic()
    thread = threading.Thread(
        target=lambda: replies.append(query(live_server, ENDLESS_QUERY)), daemon=True
    )
    thread.start()
    time.sleep(0.3)
    simple_started = time.monotonic()
    assert query(live_server, SIMPLE).status == 200
    assert time.monotonic() - simple_started < 1.0
    thread.join(timeout=TIMEOUT_S + 15)
    elapsed = time.monotonic() - started

    assert replies[0].status == 503
    assert f"time limit of {TIMEOUT_S} s" in replies[0].text
    assert TIMEOUT_S <= elapsed < TIMEOUT_S + 3
    processes_after = live_server.stable_tree()
    assert len(processes_after) == len(processes_before)
    assert "Z" not in processes_after.values()


def test_metrics(live_server: LiveServer) -> None:
    reply = live_server.request("GET", "/metrics")
    assert reply.status == 200
    assert "mhkg_http_requests_total" in reply.text
    assert "mhkg_http_request_duration_seconds_bucket" in reply.text


def test_serve_refuses_to_start_without_a_store(tmp_path: Path) -> None:
    environment = server_environment(tmp_path / "no-store", free_port())
    finished = subprocess.run(
        [sys.executable, "-m", "server.serve"],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode != 0
    assert "no store has been built" in finished.stderr


def test_serve_refuses_a_corrupt_store(tmp_path: Path) -> None:
    from tests.http.support import build_store

    store = build_store(tmp_path / "store")
    (store / "current" / "CURRENT").write_text("garbage\n")
    finished = subprocess.run(
        [sys.executable, "-m", "server.serve"],
        cwd=PROJECT_ROOT,
        env=server_environment(store, free_port()),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode != 0
    assert "not available" in finished.stderr


def test_servers_listen_on_ports_no_connection_starts_from() -> None:
    # Polling a port from the ephemeral range before the server listens can connect the
    # client to itself (seen in CI: the "answer" was the request line it had just sent).
    ports = [free_port() for _ in range(50)]
    assert not set(ports) & set(ephemeral_ports())
    assert all(1024 <= port < 65536 for port in ports)
