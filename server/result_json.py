"""Write query answers we have cut ourselves: SPARQL JSON rows and the prefixes a graph uses.

pyoxigraph serialises whole answers only; the row limit cuts them first, in the embedded
store's query processes and in front of a remote store alike.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import pyoxigraph as ox

XSD_STRING = ox.NamedNode("http://www.w3.org/2001/XMLSchema#string")


def solutions_json(variables: list[str], rows: Iterable[ox.QuerySolution]) -> bytes:
    """Write SPARQL JSON results for `rows` (pyoxigraph cannot write a cut result)."""
    bindings = [
        {
            name: term_json(term)
            for name, term in zip(variables, row, strict=True)
            if term is not None
        }
        for row in rows
    ]
    document = {"head": {"vars": variables}, "results": {"bindings": bindings}}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def term_json(term: object) -> dict[str, object]:
    """Return one RDF term in the SPARQL JSON results format."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        literal: dict[str, object] = {"type": "literal", "value": term.value}
        if term.language:
            literal["xml:lang"] = term.language
            if term.direction is not None:
                literal["its:dir"] = str(term.direction)
        elif term.datatype != XSD_STRING:
            literal["datatype"] = term.datatype.value
        return literal
    assert isinstance(term, ox.Triple)
    return {
        "type": "triple",
        "value": {
            "subject": term_json(term.subject),
            "predicate": term_json(term.predicate),
            "object": term_json(term.object),
        },
    }


def used_prefixes(namespaces: dict[str, str], triples: Iterable[ox.Triple]) -> dict[str, str]:
    """Return the prefixes whose namespace the triples use, so Turtle lists only those."""
    by_namespace = {namespace: name for name, namespace in namespaces.items()}
    used = {}
    for triple in triples:
        for term in (triple.subject, triple.predicate, triple.object):
            if isinstance(term, ox.Literal):
                if term.language or term.datatype == XSD_STRING:
                    continue  # written without a datatype
                term = term.datatype
            if isinstance(term, ox.NamedNode):
                iri = term.value
                namespace = iri[: max(iri.rfind("#"), iri.rfind("/")) + 1]
                if namespace in by_namespace:
                    used[by_namespace[namespace]] = namespace
    return used
