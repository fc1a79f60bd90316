"""Binding parameters for a remote store: a VALUES block of serialised terms, never pasted text."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.sparql_values import CannotBind, from_clauses, with_values

EX = "http://example.org/"
NAME = ox.NamedNode(EX + "name")


def _store() -> ox.Store:
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode(EX + "alice"), NAME, ox.Literal("Alice"), ox.DefaultGraph()))
    store.add(
        ox.Quad(ox.NamedNode(EX + "bob"), NAME, ox.Literal("Bob", language="en"), ox.DefaultGraph())
    )
    return store


def _rows(store: ox.Store, query: str, **options: object) -> list[dict[str, str]]:
    solutions = store.query(query, **options)
    assert isinstance(solutions, ox.QuerySolutions)
    names = [variable.value for variable in solutions.variables]
    return [{name: str(row[name]) for name in names if row[name] is not None} for row in solutions]


@pytest.mark.parametrize(
    "query",
    [
        "SELECT ?who ?n WHERE { ?who <http://example.org/name> ?n }",
        "PREFIX ex: <http://example.org/>\nSELECT ?who ?n { ?who ex:name ?n }",
        "SELECT ?who ?n (EXISTS { ?who ?p ?n } AS ?e) WHERE { ?who <http://example.org/name> ?n }",
        "# a comment with { and WHERE {\nSELECT ?who ?n WHERE { ?who <http://example.org/name> ?n "
        'FILTER (?n != "} WHERE {") }',
        "SELECT ?who ?n WHERE { { SELECT ?who ?n WHERE { ?who <http://example.org/name> ?n } } }",
    ],
    ids=["plain", "no WHERE keyword", "EXISTS in the projection", "braces in text", "subquery"],
)
def test_values_bind_like_substitutions(query: str) -> None:
    store = _store()
    alice = ox.NamedNode(EX + "alice")
    expected = _rows(store, query, substitutions={ox.Variable("who"): alice})
    assert expected
    assert _rows(store, with_values(query, (("who", alice),))) == expected


def test_construct_binds_in_its_where_group_not_its_template() -> None:
    query = (
        "CONSTRUCT { ?who <http://example.org/seen> true } "
        "WHERE { ?who <http://example.org/name> ?n }"
    )
    rewritten = with_values(query, (("who", ox.NamedNode(EX + "bob")),))
    assert rewritten.index("VALUES") > rewritten.index("WHERE")
    triples = list(_store().query(rewritten))
    assert [str(triple.subject) for triple in triples] == [f"<{EX}bob>"]


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_string_stays_one_literal(value: str) -> None:
    query = "SELECT ?n WHERE { ?who <http://example.org/name> ?n }"
    rewritten = with_values(query, (("n", ox.Literal(value)),))
    store = _store()
    store.add(ox.Quad(ox.NamedNode(EX + "x"), NAME, ox.Literal(value), ox.DefaultGraph()))
    solutions = store.query(rewritten)
    assert [row["n"] for row in solutions] == [ox.Literal(value)]


def test_a_base_iri_becomes_a_base_declaration() -> None:
    rewritten = with_values("SELECT ?n WHERE { <alice> <name> ?n }", (), base_iri=EX)
    assert _rows(_store(), rewritten) == [{"n": '"Alice"'}]


@pytest.mark.parametrize(
    ("query", "bound"),
    [
        ("DESCRIBE <http://example.org/alice>", (("x", ox.Literal("1")),)),
        ("SELECT * WHERE { ?s ?p ?o }", (("s", ox.BlankNode()),)),
        ("SELECT * WHERE { ?s ?p ?o }", (("s } SERVICE", ox.Literal("1")),)),
    ],
    ids=["no WHERE group", "a blank node", "a bad variable name"],
)
def test_what_cannot_be_bound_safely_is_refused(query: str, bound: tuple) -> None:
    with pytest.raises(CannotBind):
        with_values(query, bound)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("SELECT * FROM <http://a/g> FROM NAMED <http://a/n> WHERE { ?s ?p ?o }",
         (("http://a/g",), ("http://a/n",))),
        ("SELECT * WHERE { ?s ?p ?o }", ((), ())),
        ("PREFIX a: <http://a/> SELECT * FROM a:g WHERE { ?s ?p ?o }", None),
        ("BASE <http://a/> SELECT * FROM <g> WHERE { ?s ?p ?o }", None),
    ],
    ids=["full IRIs", "none", "a prefixed name", "a relative IRI"],
)  # fmt: skip
def test_from_clauses_are_read_only_when_written_in_full(query: str, expected: object) -> None:
    assert from_clauses(query) == expected
