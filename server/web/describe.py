"""Read everything the graph says about one resource, in one query through the executor."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from server.namespaces import STANDARD_PREFIXES as NS
from server.web.sparql_rows import Term, select

RDF_TYPE = NS["rdf"] + "type"

# Out: the resource's own statements, with one level of blank nodes (selectors, shapes) and
# the rdfs:label of linked resources outside our base (e.g. in a loaded TOOI graph; our own
# are in the label index). In: statements that point here (not from the SHACL shapes).
# OPTIONAL, not a UNION branch: pyoxigraph then looks labels up per row (0.5 ms, not 15).
_DESCRIBE = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?this ?direction ?property ?value ?graph ?nestedProperty ?nestedValue ?foreignLabel
WHERE {
  {
    GRAPH ?graph { ?this ?property ?value }
    BIND ("out" AS ?direction)
    OPTIONAL {
      FILTER (ISBLANK(?value))
      GRAPH ?graph { ?value ?nestedProperty ?nestedValue }
    }
    OPTIONAL {
      FILTER (ISIRI(?value) && !STRSTARTS(STR(?value), STR(<>)))
      ?value rdfs:label ?foreignLabel
    }
  } UNION {
    GRAPH ?graph { ?value ?property ?this }
    FILTER (!STRSTARTS(STR(?graph), STR(<graph/shapes/>)))
    BIND ("in" AS ?direction)
  }
}
"""


@dataclass
class Statement:
    """One value of a property (or one subject pointing here), and where it is stated."""

    value: Term
    graphs: set[str] = field(default_factory=set)
    # For a blank node: its own (property, value) pairs, in order.
    nested: list[tuple[str, Term]] = field(default_factory=list)


@dataclass
class Description:
    """What the graph says about `iri`: its statements, the statements pointing to it."""

    iri: str
    store_version: str
    truncated_at: int | None = None
    outgoing: dict[str, list[Statement]] = field(default_factory=dict)
    incoming: dict[str, list[Statement]] = field(default_factory=dict)
    # Labels of linked resources outside our base, found by the same query.
    foreign_labels: dict[str, list[ox.Literal]] = field(default_factory=dict)

    @property
    def exists(self) -> bool:
        """Tell whether the resource occurs in the graph at all."""
        return bool(self.outgoing or self.incoming)

    @property
    def graphs(self) -> list[str]:
        """Return the named graphs that state something about the resource."""
        names = {g for statements in self.outgoing.values() for s in statements for g in s.graphs}
        return sorted(names)

    def values(self, property_iri: str) -> list[Term]:
        """Return the values of one property."""
        return [statement.value for statement in self.outgoing.get(property_iri, [])]

    @property
    def types(self) -> list[str]:
        """Return the IRIs of the resource's classes."""
        return [v.value for v in self.values(RDF_TYPE) if isinstance(v, ox.NamedNode)]

    def triples(self) -> list[ox.Triple]:
        """Return the description as triples: outgoing with blank nodes, then incoming."""
        subject = ox.NamedNode(self.iri)
        triples = []
        for property_iri, statements in self.outgoing.items():
            predicate = ox.NamedNode(property_iri)
            for statement in statements:
                triples.append(ox.Triple(subject, predicate, statement.value))
                for nested_property, nested_value in statement.nested:
                    assert isinstance(statement.value, ox.BlankNode)
                    triples.append(
                        ox.Triple(statement.value, ox.NamedNode(nested_property), nested_value)
                    )
        for property_iri, statements in self.incoming.items():
            predicate = ox.NamedNode(property_iri)
            for statement in statements:
                if isinstance(statement.value, ox.NamedNode | ox.BlankNode):
                    triples.append(ox.Triple(statement.value, predicate, subject))
        return triples


def describe(iri: str) -> Description:
    """Return what the graph says about `iri` (one query; rows beyond the row limit are cut)."""
    rows = select(_DESCRIBE, {"this": ox.NamedNode(iri)})
    description = Description(iri, rows.store_version, rows.truncated_at)
    nested_seen: set[tuple[str, str, str]] = set()
    by_key: dict[tuple[str, str, Term], Statement] = {}
    for row in rows.rows:
        direction = row["direction"].value
        value = row["value"]
        label = row.get("foreignLabel")
        if isinstance(label, ox.Literal):
            known = description.foreign_labels.setdefault(value.value, [])
            if label not in known:
                known.append(label)
        target = description.outgoing if direction == "out" else description.incoming
        property_iri = row["property"].value
        # The same triple may be stated in several graphs; keep one statement per value.
        statement = by_key.get((direction, property_iri, value))
        if statement is None:
            statement = by_key[(direction, property_iri, value)] = Statement(value)
            target.setdefault(property_iri, []).append(statement)
        statement.graphs.add(row["graph"].value)
        nested_property, nested_value = row.get("nestedProperty"), row.get("nestedValue")
        if nested_property is not None and nested_value is not None:
            key = (str(value), nested_property.value, str(nested_value))
            if key not in nested_seen:
                nested_seen.add(key)
                statement.nested.append((nested_property.value, nested_value))
    return description
