"""Reading graphs through the Graph Store Protocol at /store."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from flask.testing import FlaskClient

from tests.http.conftest import MAX_ROWS
from tests.http.support import NUMBERS, PEOPLE, PLACES, sample_quads


def triples_of(graph: str) -> set[ox.Triple]:
    """Return the triples of `graph` in the test store."""
    return {q.triple for q in sample_quads() if q.graph_name == ox.NamedNode(graph)}


def test_a_named_graph_defaults_to_turtle(client: FlaskClient) -> None:
    response = client.get("/store", query_string={"graph": PEOPLE})
    assert response.status_code == 200
    assert response.mimetype == "text/turtle"
    assert {q.triple for q in ox.parse(response.data, ox.RdfFormat.TURTLE)} == triples_of(PEOPLE)


@pytest.mark.parametrize(
    ("accept", "format_param", "rdf_format"),
    [
        ("application/n-triples", None, ox.RdfFormat.N_TRIPLES),
        ("application/rdf+xml;q=0.8, text/turtle;q=0.2", None, ox.RdfFormat.RDF_XML),
        ("text/csv", "jsonld", ox.RdfFormat.JSON_LD),
    ],
)
def test_a_named_graph_is_negotiated(
    client: FlaskClient, accept: str, format_param: str | None, rdf_format: ox.RdfFormat
) -> None:
    params = {"graph": PLACES} | ({"format": format_param} if format_param else {})
    response = client.get("/store", query_string=params, headers={"Accept": accept})
    assert response.status_code == 200
    assert {q.triple for q in ox.parse(response.data, rdf_format)} == triples_of(PLACES)


def test_default_is_the_stores_own_empty_default_graph(client: FlaskClient) -> None:
    response = client.get("/store?default", headers={"Accept": "application/n-triples"})
    assert response.status_code == 200
    assert response.data.strip() == b""


def test_an_absent_graph_is_404(client: FlaskClient) -> None:
    response = client.get("/store", query_string={"graph": "http://example.org/graph/none"})
    assert response.status_code == 404
    assert "graph/none" in response.text


@pytest.mark.parametrize(
    "query_string",
    [
        {"graph": "people"},
        {"graph": "http://exa mple.org/"},
        {"graph": PEOPLE, "default": ""},
        {},
        "graph=a&graph=b",
    ],
    ids=["relative IRI", "malformed IRI", "both graph and default", "neither", "graph twice"],
)
def test_bad_graph_parameters_are_400(client: FlaskClient, query_string: dict | str) -> None:
    response = client.get("/store", query_string=query_string)
    assert response.status_code == 400
    assert response.mimetype == "text/plain"


def test_not_acceptable_is_406(client: FlaskClient) -> None:
    response = client.get("/store", query_string={"graph": PEOPLE}, headers={"Accept": "text/csv"})
    assert response.status_code == 406


def test_head_sends_no_body(client: FlaskClient) -> None:
    response = client.head("/store", query_string={"graph": PEOPLE})
    assert response.status_code == 200
    assert response.data == b""


def test_a_graph_over_the_limit_is_cut_and_says_so(client: FlaskClient) -> None:
    response = client.get(
        "/store", query_string={"graph": NUMBERS}, headers={"Accept": "application/n-triples"}
    )
    assert response.headers["MHKG-Result-Truncated"] == str(MAX_ROWS)
    assert len(list(ox.parse(response.data, ox.RdfFormat.N_TRIPLES))) == MAX_ROWS
