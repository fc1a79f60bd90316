"""The SPARQL 1.1 Protocol at /sparql: the three ways to ask, the dataset, the 4xx answers."""

from __future__ import annotations

import json

import pytest
from flask.testing import FlaskClient

from tests.http.support import EX, PEOPLE, PLACES

PEOPLE_QUERY = f"SELECT ?person WHERE {{ ?person a <{EX}Person> }} ORDER BY ?person"
FORM = "application/x-www-form-urlencoded"


def values(body: bytes, variable: str) -> list[str]:
    """Return the values of `variable` in a SPARQL JSON result, in order."""
    return [row[variable]["value"] for row in json.loads(body)["results"]["bindings"]]


def test_get_answers_a_query_in_json_by_default(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": PEOPLE_QUERY})
    assert response.status_code == 200
    assert response.mimetype == "application/sparql-results+json"
    assert values(response.data, "person") == [EX + "alice", EX + "bob"]


def test_post_form_answers_a_query(client: FlaskClient) -> None:
    response = client.post("/sparql", data={"query": PEOPLE_QUERY})
    assert response.status_code == 200
    assert values(response.data, "person") == [EX + "alice", EX + "bob"]


def test_post_direct_answers_a_query(client: FlaskClient) -> None:
    response = client.post(
        "/sparql", data=PEOPLE_QUERY.encode(), content_type="application/sparql-query"
    )
    assert response.status_code == 200
    assert values(response.data, "person") == [EX + "alice", EX + "bob"]


def test_post_direct_takes_the_dataset_from_the_url(client: FlaskClient) -> None:
    response = client.post(
        f"/sparql?default-graph-uri={PLACES}",
        data=b"SELECT ?s WHERE { ?s ?p ?o }",
        content_type="application/sparql-query; charset=utf-8",
    )
    assert sorted(values(response.data, "s")) == [EX + "alice", EX + "amsterdam", EX + "amsterdam"]


def test_head_sends_the_headers_of_get_without_a_body(client: FlaskClient) -> None:
    get = client.get("/sparql", query_string={"query": PEOPLE_QUERY})
    head = client.head("/sparql", query_string={"query": PEOPLE_QUERY})
    assert head.status_code == 200
    assert head.data == b""
    assert head.headers["Content-Type"] == get.headers["Content-Type"]
    assert head.headers["ETag"] == get.headers["ETag"]


def test_default_graph_is_the_union_of_the_named_graphs(client: FlaskClient) -> None:
    query = f"SELECT ?place WHERE {{ <{EX}alice> <{EX}livesIn> ?place . ?x <{EX}name> ?n }}"
    response = client.get("/sparql", query_string={"query": query})
    assert values(response.data, "place") == [EX + "amsterdam"] * 2


def test_from_in_the_query_chooses_the_default_graph(client: FlaskClient) -> None:
    query = f"SELECT ?s FROM <{PEOPLE}> WHERE {{ ?s ?p ?o }}"
    response = client.get("/sparql", query_string={"query": query})
    assert sorted(set(values(response.data, "s"))) == [EX + "alice", EX + "bob"]


def test_protocol_dataset_wins_over_from(client: FlaskClient) -> None:
    query = f"SELECT ?s FROM <{PEOPLE}> WHERE {{ ?s ?p ?o }}"
    response = client.get("/sparql", query_string={"query": query, "default-graph-uri": PLACES})
    assert sorted(values(response.data, "s")) == [EX + "alice", EX + "amsterdam", EX + "amsterdam"]


def test_named_graph_uri_limits_the_named_graphs(client: FlaskClient) -> None:
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    response = client.get("/sparql", query_string={"query": query, "named-graph-uri": PLACES})
    assert values(response.data, "g") == [PLACES]


def test_default_graph_uri_alone_leaves_no_named_graphs(client: FlaskClient) -> None:
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    response = client.get("/sparql", query_string={"query": query, "default-graph-uri": PEOPLE})
    assert values(response.data, "g") == []


def test_from_named_in_the_query_limits_the_named_graphs(client: FlaskClient) -> None:
    query = f"SELECT DISTINCT ?g FROM NAMED <{PEOPLE}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    response = client.get("/sparql", query_string={"query": query})
    assert values(response.data, "g") == [PEOPLE]


def test_syntax_error_gives_the_parsers_message_and_position(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p }"})
    assert response.status_code == 400
    assert response.mimetype == "text/plain"
    assert "error at 1:" in response.text


def test_evaluation_error_is_a_client_error(client: FlaskClient) -> None:
    query = "SELECT ?x WHERE { BIND(<http://example.org/unknown-function>(1) AS ?x) }"
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 400
    assert "could not be evaluated" in response.text


BAD_REQUESTS = {
    "no query in a form": dict(method="POST", data={"format": "json"}),
    "two query parameters": dict(method="GET", query_string="query=ASK%7B%7D&query=ASK%7B%7D"),
    "query in URL and form body": dict(
        method="POST", query_string={"query": "ASK {}"}, data={"query": "ASK {}"}
    ),
    "query in URL and direct body": dict(
        method="POST",
        query_string={"query": "ASK {}"},
        data=b"ASK {}",
        content_type="application/sparql-query",
    ),
    "query and update in one form": dict(
        method="POST", data={"query": "ASK {}", "update": "CLEAR ALL"}
    ),
    "empty query": dict(method="GET", query_string={"query": "  "}),
    "non-UTF-8 URL parameter": dict(method="GET", query_string="query=ASK%FF%7B%7D"),
    "non-UTF-8 form body": dict(method="POST", data=b"query=ASK%FF%7B%7D", content_type=FORM),
    "non-UTF-8 direct body": dict(
        method="POST", data=b"ASK \xff {}", content_type="application/sparql-query"
    ),
    "update sent as a query": dict(method="GET", query_string={"query": "CLEAR ALL"}),
    "update by GET": dict(method="GET", query_string={"update": "CLEAR ALL"}),
    "relative default-graph-uri": dict(
        method="GET", query_string={"query": "ASK {}", "default-graph-uri": "people"}
    ),
    "malformed named-graph-uri": dict(
        method="GET", query_string={"query": "ASK {}", "named-graph-uri": "http://ex ample/"}
    ),
    "unknown format": dict(method="GET", query_string={"query": "ASK {}", "format": "yaml"}),
}
UNSUPPORTED_MEDIA = {
    "text/plain body": dict(method="POST", data=b"ASK {}", content_type="text/plain"),
    "no content type": dict(method="POST", data=b"ASK {}", content_type=""),
    "latin-1 form": dict(
        method="POST", data=b"query=ASK+%7B%7D", content_type=FORM + "; charset=latin-1"
    ),
}


@pytest.mark.parametrize("request_args", BAD_REQUESTS.values(), ids=BAD_REQUESTS.keys())
def test_client_mistakes_get_400_in_plain_text(client: FlaskClient, request_args: dict) -> None:
    response = client.open("/sparql", **request_args)
    assert response.status_code == 400, response.text
    assert response.mimetype == "text/plain"
    assert "Traceback" not in response.text
    assert len(response.text.strip()) > 10


@pytest.mark.parametrize("request_args", UNSUPPORTED_MEDIA.values(), ids=UNSUPPORTED_MEDIA.keys())
def test_unsupported_content_type_gets_415(client: FlaskClient, request_args: dict) -> None:
    response = client.open("/sparql", **request_args)
    assert response.status_code == 415
    assert "application/sparql-query" in response.text or "UTF-8" in response.text


def test_other_methods_get_405_with_allow(client: FlaskClient) -> None:
    response = client.delete("/sparql")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert response.mimetype == "text/plain"
