"""The service description at GET /sparql, read back with rdflib."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import RDF, RDFS, Graph, Literal, Namespace, URIRef
from rdflib.term import Node

from server import context
from server.config import Settings
from tests.http.conftest import settings_for
from tests.http.support import UPDATE_TOKEN, graph_sizes

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
ALL_FORMATS = {
    FORMATS[name]
    for name in (
        "SPARQL_Results_JSON",
        "SPARQL_Results_XML",
        "SPARQL_Results_CSV",
        "SPARQL_Results_TSV",
        "Turtle",
        "N-Triples",
        "JSON-LD",
        "RDF_XML",
        "N-Quads",
        "TriG",
    )
}


def description(client: FlaskClient, accept: str = "text/turtle", rdflib_format: str = "turtle"):
    """Return the parsed description and the one sd:Service node in it."""
    response = client.get("/sparql", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == accept
    data = response.data
    if rdflib_format == "json-ld":
        # rdflib's JSON-LD parser warns about its own use of ConjunctiveGraph.
        triples = [quad.triple for quad in ox.parse(data, ox.RdfFormat.JSON_LD)]
        data, rdflib_format = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), "nt"
    graph = Graph().parse(data=data, format=rdflib_format)
    services = list(graph.subjects(RDF.type, SD.Service))
    assert len(services) == 1
    return graph, services[0]


def one(graph: Graph, subject: Node, predicate: URIRef) -> Node:
    """Return the single object of (subject, predicate)."""
    objects = list(graph.objects(subject, predicate))
    assert len(objects) == 1, (subject, predicate, objects)
    return objects[0]


def test_describes_endpoint_language_formats_and_union_default(client: FlaskClient) -> None:
    graph, service = description(client)
    assert one(graph, service, SD.endpoint) == URIRef("http://localhost/sparql")
    assert set(graph.objects(service, SD.supportedLanguage)) == {SD.SPARQL11Query}
    assert set(graph.objects(service, SD.resultFormat)) == ALL_FORMATS
    assert SD.UnionDefaultGraph in set(graph.objects(service, SD.feature))
    assert SD.BasicFederatedQuery not in set(graph.objects(service, SD.feature))


def test_lists_every_named_graph_with_its_triple_count(client: FlaskClient) -> None:
    graph, service = description(client)
    dataset = one(graph, service, SD.defaultDataset)
    assert (one(graph, dataset, SD.defaultGraph), RDF.type, SD.Graph) in graph
    counts = {}
    for named_graph in graph.objects(dataset, SD.namedGraph):
        name = one(graph, named_graph, SD.name)
        counts[str(name)] = one(graph, one(graph, named_graph, SD.graph), VOID.triples).toPython()
    assert counts == graph_sizes()


def test_describes_the_limits(client: FlaskClient, read_app: Flask) -> None:
    graph, service = description(client)
    comments = {c.language: str(c) for c in graph.objects(service, RDFS.comment)}
    assert set(comments) == {"en", "nl"}
    settings = context.of(read_app).settings
    assert f"{settings.query_timeout_s:g} s" in comments["en"]
    assert f"{settings.max_result_rows} rows" in comments["en"]


@pytest.mark.parametrize(
    ("accept", "rdflib_format"),
    [
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
        ("application/n-triples", "nt"),
    ],
)
def test_is_negotiated(client: FlaskClient, accept: str, rdflib_format: str) -> None:
    graph, service = description(client, accept, rdflib_format)
    assert one(graph, service, SD.endpoint) == URIRef("http://localhost/sparql")


def test_head_describes_without_a_body(client: FlaskClient) -> None:
    response = client.head("/sparql")
    assert response.status_code == 200
    assert response.mimetype == "text/turtle"
    assert response.data == b""


def test_not_acceptable_gets_406(client: FlaskClient) -> None:
    response = client.get("/sparql", headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 406
    assert "text/turtle" in response.text


def test_updates_and_federation_are_advertised_when_enabled(
    read_store: Path, make_app: Callable[[Settings], Flask]
) -> None:
    settings = settings_for(
        read_store, update_token=UPDATE_TOKEN, service_allowlist=("https://query.example.org/",)
    )
    graph, service = description(make_app(settings).test_client())
    assert set(graph.objects(service, SD.supportedLanguage)) == {
        SD.SPARQL11Query,
        SD.SPARQL11Update,
    }
    assert SD.BasicFederatedQuery in set(graph.objects(service, SD.feature))
    assert Literal("The union of all named graphs.", lang="en") in set(graph.objects())
