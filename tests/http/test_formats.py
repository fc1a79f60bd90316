"""Every result format, negotiation (q-values, wildcards, ?format=), 406, and cut answers."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
from flask.testing import FlaskClient

from tests.http.conftest import MAX_ROWS
from tests.http.support import EX, NUMBERS, PEOPLE

SELECT = f"SELECT ?s ?name WHERE {{ GRAPH <{PEOPLE}> {{ ?s <{EX}name> ?name }} }} ORDER BY ?s"
CONSTRUCT = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{PEOPLE}> {{ ?s ?p ?o }} }}"
ASK = f"ASK {{ <{EX}alice> <{EX}knows> <{EX}bob> }}"
ALL_NUMBERS = f"SELECT ?n ?v WHERE {{ GRAPH <{NUMBERS}> {{ ?n ?p ?v }} }}"
EXPECTED_NAMES = [
    (EX + "alice", ox.Literal("Alice")),
    (EX + "bob", ox.Literal("Bob", language="en")),
]

RESULT_TYPES = {
    "json": ("application/sparql-results+json", ox.QueryResultsFormat.JSON),
    "xml": ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
    "tsv": ("text/tab-separated-values", ox.QueryResultsFormat.TSV),
}
GRAPH_TYPES = {
    "ttl": ("text/turtle", ox.RdfFormat.TURTLE),
    "nt": ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    "jsonld": ("application/ld+json", ox.RdfFormat.JSON_LD),
    "rdfxml": ("application/rdf+xml", ox.RdfFormat.RDF_XML),
    "nq": ("application/n-quads", ox.RdfFormat.N_QUADS),
    "trig": ("application/trig", ox.RdfFormat.TRIG),
}


def ask(client: FlaskClient, query: str, accept: str | None = None, **params: str):
    """GET `query` with an optional Accept header and extra parameters."""
    headers = {"Accept": accept} if accept is not None else {}
    return client.get("/sparql", query_string={"query": query, **params}, headers=headers)


def people_triples() -> set[ox.Triple]:
    """Return the triples of the people graph of the test store."""
    from tests.http.support import sample_quads

    return {q.triple for q in sample_quads() if q.graph_name == ox.NamedNode(PEOPLE)}


@pytest.mark.parametrize("short_name", RESULT_TYPES)
@pytest.mark.parametrize("how", ["accept", "format"])
def test_select_in_every_parsable_results_format(
    client: FlaskClient, short_name: str, how: str
) -> None:
    media_type, results_format = RESULT_TYPES[short_name]
    if how == "accept":
        response = ask(client, SELECT, media_type)
    else:
        response = ask(client, SELECT, "image/png", format=short_name)
    assert response.status_code == 200
    assert response.mimetype == media_type
    rows = [
        (s["s"].value, s["name"]) for s in ox.parse_query_results(response.data, results_format)
    ]
    assert rows == EXPECTED_NAMES


def test_select_in_csv(client: FlaskClient) -> None:
    response = ask(client, SELECT, "text/csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.text.splitlines() == ["s,name", f"{EX}alice,Alice", f"{EX}bob,Bob"]


@pytest.mark.parametrize("short_name", ["json", "xml", "csv", "tsv"])
def test_ask_in_every_results_format(client: FlaskClient, short_name: str) -> None:
    response = ask(client, ASK, format=short_name)
    assert response.status_code == 200
    if short_name in RESULT_TYPES:
        answer = ox.parse_query_results(response.data, RESULT_TYPES[short_name][1])
        assert bool(answer) is True
    else:
        assert response.text.strip() == "true"


@pytest.mark.parametrize("short_name", GRAPH_TYPES)
@pytest.mark.parametrize("how", ["accept", "format"])
def test_construct_in_every_graph_format(client: FlaskClient, short_name: str, how: str) -> None:
    media_type, rdf_format = GRAPH_TYPES[short_name]
    if how == "accept":
        response = ask(client, CONSTRUCT, media_type)
    else:
        response = ask(client, CONSTRUCT, "text/csv", format=short_name)
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert {q.triple for q in ox.parse(response.data, rdf_format)} == people_triples()


def test_construct_defaults_to_turtle(client: FlaskClient) -> None:
    response = ask(client, CONSTRUCT)
    assert response.mimetype == "text/turtle"
    assert {q.triple for q in ox.parse(response.data, ox.RdfFormat.TURTLE)} == people_triples()


def test_describe_is_a_graph(client: FlaskClient) -> None:
    response = ask(client, f"DESCRIBE <{EX}bob>", "application/n-triples")
    triples = {q.triple for q in ox.parse(response.data, ox.RdfFormat.N_TRIPLES)}
    assert (
        ox.Triple(
            ox.NamedNode(EX + "bob"), ox.NamedNode(EX + "name"), ox.Literal("Bob", language="en")
        )
        in triples
    )


NEGOTIATION = {
    "higher q wins": (SELECT, "application/sparql-results+xml;q=0.5, text/csv;q=0.9", "text/csv"),
    "any type is ours": (SELECT, "*/*", "application/sparql-results+json"),
    "type wildcard": (SELECT, "text/*", "text/csv"),
    "specific beats wildcard at equal q": (
        SELECT,
        "*/*, text/tab-separated-values",
        "text/tab-separated-values",
    ),
    "q=0 refuses a type": (
        SELECT,
        "application/sparql-results+json;q=0, */*;q=0.1",
        "application/sparql-results+xml",
    ),
    "plain JSON means results JSON": (
        SELECT,
        "application/json",
        "application/sparql-results+json",
    ),
    "plain JSON means JSON-LD for graphs": (CONSTRUCT, "application/json", "application/ld+json"),
    "a profile parameter is ignored": (
        CONSTRUCT,
        'application/ld+json; profile="http://www.w3.org/ns/json-ld#compacted"',
        "application/ld+json",
    ),
    "browser Accept gets XML": (
        SELECT,
        "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        "application/sparql-results+xml",
    ),
    "malformed ranges are skipped": (
        CONSTRUCT,
        "nonsense, application/n-triples",
        "application/n-triples",
    ),
}


@pytest.mark.parametrize(
    ("query", "accept", "expected"), NEGOTIATION.values(), ids=NEGOTIATION.keys()
)
def test_negotiation_honours_q_values_and_wildcards(
    client: FlaskClient, query: str, accept: str, expected: str
) -> None:
    response = ask(client, query, accept)
    assert response.status_code == 200
    assert response.mimetype == expected


@pytest.mark.parametrize(
    ("query", "accept", "format_param", "listed"),
    [
        (SELECT, "image/png", None, "application/sparql-results+json"),
        (CONSTRUCT, "text/csv", None, "text/turtle"),
        (SELECT, "text/csv;q=0, application/sparql-results+json;q=0", None, "text/csv"),
        (CONSTRUCT, None, "csv", "application/rdf+xml"),
    ],
)
def test_nothing_acceptable_gets_406_listing_what_is_offered(
    client: FlaskClient, query: str, accept: str | None, format_param: str | None, listed: str
) -> None:
    params = {"format": format_param} if format_param else {}
    response = ask(client, query, accept, **params)
    assert response.status_code == 406
    assert response.mimetype == "text/plain"
    assert listed in response.text


def test_complete_answers_carry_no_truncation_header(client: FlaskClient) -> None:
    assert "MHKG-Result-Truncated" not in ask(client, SELECT).headers


@pytest.mark.parametrize("short_name", RESULT_TYPES)
def test_a_cut_select_says_so_and_keeps_the_limit(client: FlaskClient, short_name: str) -> None:
    response = ask(client, ALL_NUMBERS, format=short_name)
    assert response.status_code == 200
    assert response.headers["MHKG-Result-Truncated"] == str(MAX_ROWS)
    rows = list(ox.parse_query_results(response.data, RESULT_TYPES[short_name][1]))
    assert len(rows) == MAX_ROWS
    assert all(isinstance(row["v"], ox.Literal) for row in rows)


def test_a_cut_csv_keeps_the_limit(client: FlaskClient) -> None:
    response = ask(client, ALL_NUMBERS, format="csv")
    assert response.headers["MHKG-Result-Truncated"] == str(MAX_ROWS)
    assert len(response.text.splitlines()) == MAX_ROWS + 1


def test_a_cut_construct_says_so_and_keeps_the_limit(client: FlaskClient) -> None:
    query = f"CONSTRUCT {{ ?n ?p ?v }} WHERE {{ GRAPH <{NUMBERS}> {{ ?n ?p ?v }} }}"
    response = ask(client, query, "application/n-triples")
    assert response.headers["MHKG-Result-Truncated"] == str(MAX_ROWS)
    assert len(list(ox.parse(response.data, ox.RdfFormat.N_TRIPLES))) == MAX_ROWS


def test_json_results_keep_every_kind_of_term(client: FlaskClient) -> None:
    query = """
    SELECT ?iri ?blank ?plain ?tagged ?typed ?directed ?triple ?unbound WHERE {
      BIND(<http://example.org/x> AS ?iri) BIND(BNODE() AS ?blank) BIND("p" AS ?plain)
      BIND("t"@nl AS ?tagged) BIND(42 AS ?typed) BIND(STRLANGDIR("d", "ar", "rtl") AS ?directed)
      BIND(<<( ?iri <http://example.org/p> ?typed )>> AS ?triple)
    }"""
    ours = json.loads(ask(client, query).data)
    row = ours["results"]["bindings"][0]
    assert ours["head"]["vars"][-1] == "unbound" and "unbound" not in row
    assert row["iri"] == {"type": "uri", "value": "http://example.org/x"}
    assert row["blank"]["type"] == "bnode"
    assert row["plain"] == {"type": "literal", "value": "p"}
    assert row["tagged"] == {"type": "literal", "value": "t", "xml:lang": "nl"}
    assert row["typed"]["datatype"] == "http://www.w3.org/2001/XMLSchema#integer"
    assert row["directed"] == {"type": "literal", "value": "d", "xml:lang": "ar", "its:dir": "rtl"}
    assert row["triple"]["type"] == "triple"
    assert row["triple"]["value"]["object"]["value"] == "42"
    # pyoxigraph reads what we wrote back into the same terms.
    parsed = next(
        iter(ox.parse_query_results(json.dumps(ours).encode(), ox.QueryResultsFormat.JSON))
    )
    assert parsed["directed"] == ox.Literal("d", language="ar", direction=ox.BaseDirection.RTL)
