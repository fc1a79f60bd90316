"""Gather what an entity page shows: title, types, properties, incoming links, passages."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from server.namespaces import STANDARD_PREFIXES as NS
from server.web import language, letter
from server.web.describe import RDF_TYPE, Description, Statement
from server.web.labels import Labeller
from server.web.state import source_text
from server.web.views import ValueView, iri_view, term_view

MAX_INCOMING_SHOWN = 50  # per property; the rest is counted and offered as a query

SOURCE_PASSAGE_SUFFIX = "def#sourcePassage"
# Properties whose values are identifiers elsewhere, shown as outbound links.
EXTERNAL_ID_PROPERTIES = (NS["owl"] + "sameAs", NS["rdfs"] + "seeAlso")
EXTERNAL_ID_SUFFIXES = ("def#officialPublication",)
# Shown first, in this order; the rest follows alphabetically by label.
LEADING_PROPERTIES = tuple(
    NS[prefix] + local
    for prefix, local in (
        ("skos", "prefLabel"),
        ("rdfs", "label"),
        ("skos", "altLabel"),
        ("foaf", "name"),
        ("dct", "title"),
        ("dct", "description"),
        ("skos", "definition"),
        ("rdfs", "comment"),
    )
)
_REGISTERS = (
    ("https://identifier.overheid.nl/tooi/", "TOOI"),
    ("http://www.wikidata.org/entity/", "Wikidata"),
    ("https://www.wikidata.org/wiki/", "Wikidata"),
    ("https://zoek.officielebekendmakingen.nl/", "officielebekendmakingen.nl"),
)


@dataclass(frozen=True)
class PropertyRow:
    """One property and its values (or, for incoming links, the resources that use it)."""

    property: ValueView
    values: list[ValueView]
    hidden: int = 0
    more_query: str | None = None


@dataclass(frozen=True)
class PassageView:
    """A passage in its context, and the link to its own page."""

    text: letter.PassageInContext
    link: ValueView


@dataclass(frozen=True)
class ExternalId:
    """An identifier of the resource in another register."""

    register: str
    iri: str


def entity_context(description: Description, labeller: Labeller) -> dict[str, object]:
    """Return the template context of the page about `description.iri`."""
    for iri, labels in description.foreign_labels.items():
        labeller.learn(iri, labels)
    base = labeller.iris.base
    source_passage = base + SOURCE_PASSAGE_SUFFIX
    hidden = {RDF_TYPE, source_passage}
    return {
        "iri": description.iri,
        "title": labeller(description.iri),
        "types": [iri_view(t, labeller) for t in description.types],
        "properties": _outgoing(description, labeller, hidden),
        "incoming": _incoming(description, labeller),
        "passages": _passages(description, labeller),
        "passage_links": [iri_view(v.value, labeller) for v in description.values(source_passage)],
        "external_ids": _external_ids(description, base),
        "graphs": [iri_view(g, labeller) for g in description.graphs],
        "truncated_at": description.truncated_at,
    }


def _outgoing(description: Description, labeller: Labeller, hidden: set[str]) -> list[PropertyRow]:
    order = language.preference(labeller.lang)
    rows = []
    for property_iri, statements in description.outgoing.items():
        if property_iri in hidden:
            continue
        values = [_value(s, labeller) for s in statements]
        # Values in the page's language first; IRIs and plain values keep their order.
        values.sort(key=lambda v: _language_rank(v, order))
        rows.append(PropertyRow(iri_view(property_iri, labeller), values))
    return sorted(rows, key=_property_order)


def _incoming(description: Description, labeller: Labeller) -> list[PropertyRow]:
    rows = []
    for property_iri, statements in description.incoming.items():
        shown = statements[:MAX_INCOMING_SHOWN]
        hidden = len(statements) - len(shown)
        query = None
        if hidden:
            query = f"SELECT ?subject WHERE {{ ?subject <{property_iri}> <{description.iri}> }}"
        values = sorted((_value(s, labeller) for s in shown), key=lambda v: v.text.lower())
        rows.append(PropertyRow(iri_view(property_iri, labeller), values, hidden, query))
    return sorted(rows, key=lambda row: row.property.text.lower())


def _value(statement: Statement, labeller: Labeller) -> ValueView:
    return term_view(statement.value, labeller, statement.nested)


def _language_rank(value: ValueView, order: tuple[str, ...]) -> int:
    tag = value.lang or ""
    return order.index(tag) if tag in order else len(order)


def _property_order(row: PropertyRow) -> tuple[int, str]:
    iri = row.property.iri or ""
    rank = LEADING_PROPERTIES.index(iri) if iri in LEADING_PROPERTIES else len(LEADING_PROPERTIES)
    return rank, row.property.text.lower()


def _passages(description: Description, labeller: Labeller) -> list[PassageView]:
    shown = []
    for ref in letter.passages_of(description):
        text = source_text(ref.source)
        if text is not None:
            passage = letter.in_context(ref, text)
            if passage is not None:
                shown.append(PassageView(passage, iri_view(ref.iri, labeller)))
    return shown


def _external_ids(description: Description, base: str) -> list[ExternalId]:
    properties = [*EXTERNAL_ID_PROPERTIES, *(base + suffix for suffix in EXTERNAL_ID_SUFFIXES)]
    found = []
    for property_iri in properties:
        for value in description.values(property_iri):
            if not isinstance(value, ox.NamedNode):
                continue
            iri = value.value
            if not iri.startswith(("http://", "https://")) or iri.startswith(base):
                continue
            register = next((name for prefix, name in _REGISTERS if iri.startswith(prefix)), None)
            found.append(ExternalId(register or iri.split("/")[2], iri))
    return found
