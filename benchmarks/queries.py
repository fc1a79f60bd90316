"""The query mix of the benchmark: what a site, a dashboard and API users ask of the graph.

Each kind of query is a template with one parameter (an IRI, a search term, a year, a page)
drawn from pools read from the store itself, so the same mix is meaningful on the curated
graph alone and with generated data. `cold` plans make every query text unique (a varying
comment heads it), so no cache of any server can answer it; `warm` plans repeat a few
texts in the order a dashboard refreshes them, and revalidate what they already hold.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import quote

import pyoxigraph as ox

from benchmarks.client import Planned

RESULTS_JSON = "application/sparql-results+json"
TURTLE = "text/turtle"
SEARCH_TERMS = (
    "veen", "dijk", "mensenhandel", "arbeids", "jeugd", "rapport", "kamer", "preventie",
    "burg", "uitbuiting", "haven", "minister", "onderzoek", "gemeente", "aanpak",
)  # fmt: skip
YEARS = tuple(range(2010, 2026))
PAGES = tuple(range(0, 200, 20))
POOL_SIZE = 200
WARM_VARIANTS = 3
# In a warm run, one request in this many comes from a client without a cached copy (a new
# visitor): it gets a full answer, from the server's result cache where there is one.
NEW_VISITOR_EVERY = 4


@dataclass(frozen=True)
class Kind:
    """One kind of query in the mix."""

    name: str
    weight: int  # how many of each mix cycle's requests are of this kind
    accept: str
    pool: str  # which parameter pool the template takes its parameter from
    template: Callable[[str, object], str]


def _prefixes(base: str) -> str:
    return (
        f"PREFIX mh: <{base}def#>\n"
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "PREFIX dct: <http://purl.org/dc/terms/>\n"
        "PREFIX org: <http://www.w3.org/ns/org#>\n"
        "PREFIX qb: <http://purl.org/linked-data/cube#>\n"
    )


def _iri_lookup(base: str, iri: object) -> str:
    return f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}"


def _label_search(base: str, term: object) -> str:
    return (
        _prefixes(base) + "SELECT ?resource ?label WHERE {\n"
        "  ?resource rdfs:label ?label .\n"
        f'  FILTER (CONTAINS(LCASE(STR(?label)), "{term}"))\n'
        "} ORDER BY STRLEN(?label) ?label ?resource LIMIT 20"
    )


def _join(base: str, actor: object) -> str:
    return (
        _prefixes(base) + "SELECT ?recommendation ?title ?report ?reportTitle ?decision ?status\n"
        "WHERE {\n"
        f"  ?recommendation a mh:Recommendation ; mh:recommendedBy <{actor}> ;\n"
        "    dct:title ?title ; dct:source ?report .\n"
        "  ?report dct:title ?reportTitle .\n"
        "  ?decision mh:respondsTo ?recommendation ; mh:decisionStatus ?status .\n"
        "} ORDER BY ?recommendation ?decision"
    )


def _aggregation(base: str, year: object) -> str:
    return (
        _prefixes(base) + "SELECT ?status (COUNT(DISTINCT ?decision) AS ?decisions)\n"
        "  (COUNT(DISTINCT ?report) AS ?reports)\n"
        "WHERE {\n"
        "  ?decision mh:respondsTo ?recommendation ; mh:decisionStatus ?status .\n"
        "  ?recommendation dct:source ?report .\n"
        "  ?report dct:issued ?issued .\n"
        f"  FILTER (YEAR(?issued) = {year})\n"
        "} GROUP BY ?status ORDER BY ?status"
    )


def _optional(base: str, post: object) -> str:
    return (
        _prefixes(base) + "SELECT ?commitment ?label ?deadline ?deadlineLabel WHERE {\n"
        f"  ?commitment a mh:Commitment ; mh:promisedBy <{post}> ; rdfs:label ?label .\n"
        '  FILTER (LANG(?label) = "nl")\n'
        "  OPTIONAL {\n"
        "    ?commitment mh:deadline ?deadline .\n"
        "    ?deadline rdfs:label ?deadlineLabel .\n"
        '    FILTER (LANG(?deadlineLabel) = "nl")\n'
        "  }\n"
        "} ORDER BY ?commitment"
    )


def _property_path(base: str, organisation: object) -> str:
    return (
        _prefixes(base) + "SELECT ?unit ?label WHERE {\n"
        f"  ?unit org:subOrganizationOf+ <{organisation}> .\n"
        "  OPTIONAL { ?unit rdfs:label ?label }\n"
        "} ORDER BY ?unit ?label"
    )


def _construct(base: str, iri: object) -> str:
    return (
        f"CONSTRUCT {{ <{iri}> ?p ?o . ?s ?q <{iri}> }}\n"
        f"WHERE {{ {{ <{iri}> ?p ?o }} UNION {{ ?s ?q <{iri}> }} }}"
    )


def _describe(base: str, iri: object) -> str:
    return f"DESCRIBE <{iri}>"


def _order_limit(base: str, offset: object) -> str:
    return (
        _prefixes(base) + "SELECT ?document ?title ?issued WHERE {\n"
        "  ?document dct:title ?title ; dct:issued ?issued .\n"
        '  FILTER (LANG(?title) = "nl")\n'
        f"}} ORDER BY DESC(?issued) ?document LIMIT 20 OFFSET {offset}"
    )


def _statistics(base: str, _unused: object) -> str:
    return (
        "SELECT ?class (COUNT(?instance) AS ?instances) WHERE { ?instance a ?class }\n"
        "GROUP BY ?class ORDER BY DESC(?instances) ?class"
    )


KINDS = (
    Kind("iri_lookup", 4, RESULTS_JSON, "entities", _iri_lookup),
    Kind("describe", 2, TURTLE, "entities", _describe),
    Kind("construct", 1, TURTLE, "entities", _construct),
    Kind("label_search", 2, RESULTS_JSON, "terms", _label_search),
    Kind("join", 1, RESULTS_JSON, "recommenders", _join),
    Kind("aggregation", 1, RESULTS_JSON, "years", _aggregation),
    Kind("optional", 1, RESULTS_JSON, "promisers", _optional),
    Kind("property_path", 1, RESULTS_JSON, "parents", _property_path),
    Kind("order_limit", 2, RESULTS_JSON, "pages", _order_limit),
    Kind("statistics", 1, RESULTS_JSON, "none", _statistics),
)
_POOL_QUERIES = {
    # Things a visitor opens: organisations, documents, recommendations, commitments.
    "entities": "SELECT DISTINCT ?x WHERE {{ VALUES ?type {{ mh:GovernmentBody mh:Document "
    "mh:Kamerstuk mh:Report mh:Recommendation mh:Commitment }} ?x a ?type }}",
    "recommenders": "SELECT DISTINCT ?x WHERE {{ ?r mh:recommendedBy ?x }}",
    "promisers": "SELECT DISTINCT ?x WHERE {{ ?c mh:promisedBy ?x }}",
    "parents": "SELECT DISTINCT ?x WHERE {{ ?u org:subOrganizationOf ?x }}",
}


@dataclass(frozen=True)
class Pools:
    """The parameters each kind of query draws from, read from one store."""

    values: dict[str, tuple[object, ...]]

    @classmethod
    def from_store(cls, store: ox.Store, base: str) -> Pools:
        """Read the pools from `store`: up to POOL_SIZE IRIs each, spread over the sorted list."""
        values: dict[str, tuple[object, ...]] = {
            "terms": SEARCH_TERMS,
            "years": YEARS,
            "pages": PAGES,
            "none": (None,),
        }
        for name, query in _POOL_QUERIES.items():
            text = _prefixes(base) + query.format()
            found = sorted(
                row["x"].value
                for row in store.query(text, use_default_graph_as_union=True)
                if isinstance(row["x"], ox.NamedNode)
            )
            if not found:
                raise ValueError(f"the store has nothing for the {name!r} pool")
            step = max(1, len(found) // POOL_SIZE)
            values[name] = tuple(found[::step][:POOL_SIZE])
        return cls(values)


@dataclass(frozen=True)
class Query:
    """One query of the mix, before it becomes a request of some server."""

    kind: str
    text: str
    accept: str
    revalidate: bool = False


def mix_order() -> list[Kind]:
    """Return one cycle of the mix, the kinds spread out by weight (deterministic)."""
    slots = []
    for kind in KINDS:
        slots += [((index + 0.5) / kind.weight, kind.name) for index in range(kind.weight)]
    by_name = {kind.name: kind for kind in KINDS}
    return [by_name[name] for _, name in sorted(slots)]


def cold_queries(pools: Pools, base: str, count: int, run: str) -> list[Query]:
    """Return `count` queries whose texts are all different, parameters cycling per kind."""
    cycle = mix_order()
    counters = {kind.name: itertools.count() for kind in KINDS}
    queries = []
    for number in range(count):
        kind = cycle[number % len(cycle)]
        pool = pools.values[kind.pool]
        parameter = pool[next(counters[kind.name]) % len(pool)]
        text = f"# cold {run} {number}\n" + kind.template(base, parameter)
        queries.append(Query(kind.name, text, kind.accept))
    return queries


def warm_queries(pools: Pools, base: str, count: int) -> list[Query]:
    """Return `count` queries repeating WARM_VARIANTS texts per kind, mostly revalidated."""
    cycle = mix_order()
    texts: dict[str, list[str]] = {}
    for kind in KINDS:
        pool = pools.values[kind.pool]
        texts[kind.name] = [kind.template(base, pool[i % len(pool)]) for i in range(WARM_VARIANTS)]
    counters = {kind.name: itertools.count() for kind in KINDS}
    queries = []
    for number in range(count):
        kind = cycle[number % len(cycle)]
        text = texts[kind.name][next(counters[kind.name]) % WARM_VARIANTS]
        revalidate = number % NEW_VISITOR_EVERY != 0
        queries.append(Query(kind.name, text, kind.accept, revalidate))
    return queries


def as_requests(queries: list[Query], endpoint_path: str) -> list[Planned]:
    """Return the queries as GET requests to `endpoint_path`."""
    return [
        Planned(
            query.kind,
            f"{endpoint_path}?query={quote(query.text, safe='')}",
            query.accept,
            query.revalidate,
        )
        for query in queries
    ]


def distinct_texts(queries: list[Query]) -> Iterator[Query]:
    """Yield the first query of each distinct text."""
    seen = set()
    for query in queries:
        if query.text not in seen:
            seen.add(query.text)
            yield query
