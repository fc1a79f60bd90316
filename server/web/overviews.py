"""Read the overview pages' data: each query returns (item, key, value) rows, one per fact.

One row per fact (a "long" table) avoids the cross products of many OPTIONALs; the
rows are grouped per item here, and labelled in the page's language by the templates.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from server.web.sparql_rows import Term, select

_PREFIXES = """
PREFIX mh: <def#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX time: <http://www.w3.org/2006/time#>
PREFIX qb: <http://purl.org/linked-data/cube#>
PREFIX sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#>
PREFIX sdmx-attribute: <http://purl.org/linked-data/sdmx/2009/attribute#>
"""

# Facts per overview: (key, graph pattern binding ?value for ?item).
RECOMMENDATIONS = (
    "?item a mh:Recommendation .",
    {
        "number": "?item mh:recommendationNumber ?value",
        "title": "?item dct:title ?value",
        "report": "?item dct:source ?value",
        "recommended_by": "?item mh:recommendedBy ?value",
        "decision": "?value mh:respondsTo ?item",
        "status": "?decision mh:respondsTo ?item ; mh:decisionStatus ?value",
        "decided_by": "?decision mh:respondsTo ?item ; mh:decidedBy ?value",
        "action": "?decision mh:respondsTo ?item ; mh:action ?value",
        "commitment": "?value a mh:Commitment ; mh:concerns ?item",
    },
)
ACTORS = (
    "GRAPH <graph/data/actors> { ?item a ?anyType }",
    {
        "type": "?item a ?value",
        "alt_label": "?item skos:altLabel ?value",
        "same_as": "?item owl:sameAs ?value",
        "part_of": "?item org:subOrganizationOf|org:unitOf|org:postIn ?value",
        "mentions": "{ SELECT ?item (COUNT(*) AS ?value) "
        "WHERE { ?source ?link ?item } GROUP BY ?item }",
    },
)
DOCUMENTS = (
    "GRAPH <graph/data/documents> { ?item a ?anyType } "
    "FILTER NOT EXISTS { ?item a mh:Citation } FILTER NOT EXISTS { ?item a mh:SourceText }",
    {
        "type": "?item a ?value",
        "identifier": "?item dct:identifier ?value",
        "issued": "?item dct:issued ?value",
        "publication_time": "?item mh:publicationTime ?value",
        "creator": "?item dct:creator ?value",
        "publisher": "?item dct:publisher ?value",
        "official": "?item mh:officialPublication ?value",
        "cited": "{ SELECT ?item (COUNT(?citation) AS ?value) "
        "WHERE { ?citation mh:citedDocument ?item } GROUP BY ?item }",
    },
)
INTERVENTIONS = (
    "?item a mh:Intervention .",
    {
        "title": "?item dct:title ?value",
        "aim": "?item mh:aim ?value",
        "target_group": "?item mh:targetGroup ?value",
        "minimum_age": "?item mh:minimumAge ?value",
        "maximum_age": "?item mh:maximumAge ?value",
        "delivered_by": "?item mh:deliveredBy ?value",
        "documented_in": "?item mh:documentedIn ?value",
    },
)
RESEARCH = (
    "VALUES ?kind { mh:ResearchProject mh:Exploration mh:Pilot } ?item a ?kind .",
    {
        "kind": "?item a ?value . VALUES ?value { mh:ResearchProject mh:Exploration mh:Pilot }",
        "status": "?item mh:status ?value",
        "carried_out_by": "?item mh:carriedOutBy ?value",
        "commissioned_by": "?item mh:commissionedBy ?value",
        "funded_by": "?item mh:fundedBy ?value",
        "due": "?item mh:due ?value",
        "aim": "?item mh:aim ?value",
    },
)
TIME_NODES = (
    "{ ?item a time:Instant } UNION { ?item a time:ProperInterval }",
    {
        "day": "?item time:inXSDDate ?value",
        "earliest": "?item mh:earliest ?value",
        "latest": "?item mh:latest ?value",
        "label": "?item rdfs:label ?value",
    },
)
TIMELINE = (
    "{ ?item mh:time ?anyTime } UNION { ?item mh:deadline ?anyTime } "
    "UNION { ?item mh:due ?anyTime } UNION { ?item a mh:Commitment }",
    {
        "type": "?item a ?value",
        "event_time": "?item mh:time ?value",
        "deadline": "?item mh:deadline ?value",
        "due": "?item mh:due ?value",
        "promised_by": "?item mh:promisedBy ?value",
        "concerns": "?item mh:concerns ?value",
    },
)
OBSERVATIONS = (
    "?item a qb:Observation .",
    {
        "variable": "?item mh:statisticalVariable ?value",
        "period": "?item sdmx-dimension:refPeriod ?value",
        "value": "?item mh:observedValue ?value",
        "unit": "?item sdmx-attribute:unitMeasure ?value",
        "source": "?item dct:source ?value",
        "registered_by": "?item mh:registeredBy ?value",
        "approximate": "?item mh:approximate ?value",
        "note": "?item mh:populationNote ?value",
        "year": "?item sdmx-dimension:refPeriod/time:inXSDgYear ?value",
        "period_start": "?item sdmx-dimension:refPeriod/mh:earliest ?value",
    },
)
CLASS_COUNTS = """
SELECT ?class (COUNT(DISTINCT ?item) AS ?count) WHERE {
  GRAPH ?graph { ?item a ?class }
  FILTER (STRSTARTS(STR(?graph), STR(<graph/data/>)))
}
GROUP BY ?class
ORDER BY DESC(?count) ?class
"""
LICENCES = _PREFIXES + "SELECT DISTINCT ?thing ?licence WHERE { ?thing dct:license ?licence }"


@dataclass
class Item:
    """One resource of an overview and its facts by key, in query order."""

    iri: str
    facts: dict[str, list[Term]] = field(default_factory=dict)

    def all(self, key: str) -> list[Term]:
        """Return every value of `key`."""
        return self.facts.get(key, [])

    def iris(self, key: str) -> list[str]:
        """Return the IRI values of `key`."""
        return [v.value for v in self.all(key) if isinstance(v, ox.NamedNode)]

    def first(self, key: str) -> Term | None:
        """Return one value of `key`, or None."""
        values = self.all(key)
        return values[0] if values else None

    def text(self, key: str, lang: str) -> str | None:
        """Return the literal value of `key` in `lang`, else in any language."""
        literals = [v for v in self.all(key) if isinstance(v, ox.Literal)]
        for literal in literals:
            if literal.language == lang:
                return literal.value
        return literals[0].value if literals else None

    def number(self, key: str) -> float | None:
        """Return the numeric value of `key`, or None."""
        value = self.first(key)
        try:
            return float(value.value) if isinstance(value, ox.Literal) else None
        except ValueError:
            return None


def overview_query(selection: str, facts: dict[str, str]) -> str:
    """Return the query that lists the facts of every selected item, one row per fact."""
    branches = "\n  UNION ".join(
        f'{{ {pattern} BIND ("{key}" AS ?key) }}' for key, pattern in facts.items()
    )
    return f"{_PREFIXES}SELECT ?item ?key ?value WHERE {{\n  {selection}\n  {branches}\n}}"


def collect(overview: tuple[str, dict[str, str]]) -> tuple[dict[str, Item], str]:
    """Run an overview query; return its items by IRI (in first-seen order) and the version."""
    rows = select(overview_query(*overview))
    return group(rows.rows), rows.store_version


def group(rows: Iterable[dict[str, Term]]) -> dict[str, Item]:
    """Group (item, key, value) rows per item, dropping repeated values."""
    items: dict[str, Item] = {}
    for row in rows:
        subject, key, value = row.get("item"), row.get("key"), row.get("value")
        if not isinstance(subject, ox.NamedNode) or key is None or value is None:
            continue
        item = items.setdefault(subject.value, Item(subject.value))
        values = item.facts.setdefault(key.value, [])
        if value not in values:
            values.append(value)
    return items
