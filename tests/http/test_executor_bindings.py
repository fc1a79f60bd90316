"""Named queries bind their parameters as RDF terms and resolve relative IRIs in the child."""

from __future__ import annotations

import json

import pyoxigraph as ox
from flask import Flask

from server import context
from server.jobs import QueryRequest
from tests.http.support import EX


def _rows(app: Flask, request: QueryRequest) -> list[dict]:
    result = context.of(app).executor.execute(request)
    return json.loads(result.body)["results"]["bindings"]


def test_a_substituted_term_selects_its_subject(read_app: Flask) -> None:
    request = QueryRequest(
        "SELECT ?person ?name WHERE { ?person <http://example.org/name> ?name }",
        "JSON",
        None,
        substitutions=(("person", ox.NamedNode(EX + "alice")),),
    )
    assert [row["name"]["value"] for row in _rows(read_app, request)] == ["Alice"]


def test_a_substituted_string_with_sparql_syntax_stays_data(read_app: Flask) -> None:
    hostile = ox.Literal('Alice" } SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } #')
    request = QueryRequest(
        "SELECT ?person ?name WHERE { ?person <http://example.org/name> ?name }",
        "JSON",
        None,
        substitutions=(("name", hostile),),
    )
    assert _rows(read_app, request) == []


def test_relative_iris_resolve_against_the_given_base(read_app: Flask) -> None:
    request = QueryRequest("SELECT ?name WHERE { <alice> <name> ?name }", "JSON", None, base_iri=EX)
    assert [row["name"]["value"] for row in _rows(read_app, request)] == ["Alice"]
