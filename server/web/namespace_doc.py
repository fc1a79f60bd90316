"""Describe the resources of a hash namespace under our base, such as the shapes (def/shapes#)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from server.web.labels import Labeller
from server.web.sparql_rows import Term, select
from server.web.views import ValueView, iri_view, term_view

_MEMBERS = """
SELECT ?namespace ?subject ?property ?value WHERE {
  GRAPH ?graph { ?subject ?property ?value }
  FILTER (ISIRI(?subject) && STRSTARTS(STR(?subject), STR(?namespace)))
}
ORDER BY ?subject ?property
"""


@dataclass(frozen=True)
class MemberView:
    """One resource of the namespace as shown: its anchor, name and statements."""

    anchor: str
    iri: str
    title: str
    rows: list[tuple[ValueView, list[ValueView]]]


@dataclass
class Members:
    """The statements about every resource whose IRI starts with the namespace."""

    namespace: str
    store_version: str
    subjects: dict[str, dict[str, list[Term]]] = field(default_factory=dict)

    def triples(self) -> list[ox.Triple]:
        """Return the statements as triples."""
        return [
            ox.Triple(ox.NamedNode(subject), ox.NamedNode(prop), value)
            for subject, properties in self.subjects.items()
            for prop, values in properties.items()
            for value in values
        ]

    def view(self, labeller: Labeller) -> list[MemberView]:
        """Return each resource with its labelled statements."""
        return [
            MemberView(
                subject[len(self.namespace) :],
                subject,
                labeller(subject),
                [
                    (iri_view(prop, labeller), [term_view(v, labeller) for v in values])
                    for prop, values in properties.items()
                ],
            )
            for subject, properties in self.subjects.items()
        ]


def namespace_members(namespace: str) -> Members:
    """Return what the graph says about the IRIs in `namespace` (e.g. {base}def/shapes#)."""
    rows = select(_MEMBERS, {"namespace": ox.Literal(namespace)})
    members = Members(namespace, rows.store_version)
    for row in rows.rows:
        values = members.subjects.setdefault(row["subject"].value, {}).setdefault(
            row["property"].value, []
        )
        if row["value"] not in values:
            values.append(row["value"])
    return members
