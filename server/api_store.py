"""Run the API's queries through the executor: named queries, labels and enumerations.

Every query here passes the guard and runs in a query process under the server's time and
row limits, like a query sent to /sparql. Request values only ever reach a query as
substituted RDF terms; the texts below are fixed, apart from generated variable names.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from flask import Flask, current_app

from server import guard
from server.config import Settings
from server.context import current_executor, current_settings
from server.executor import Executor
from server.jobs import Dataset, QueryRequest
from server.named_queries import NamedQuery, Parameter, load_queries

_EXTENSION_KEY = "mhkg.api"
# Label lookups per query: a UNION of this many branches parses and runs in milliseconds;
# the cost grows faster than linearly with more.
LABEL_BATCH = 200
_LANGUAGE_ORDER = ("nl", "en", "")
_INSTANCES = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?value ?class WHERE {
  ?value a/rdfs:subClassOf* ?class .
  FILTER (isIRI(?value))
}
ORDER BY ?value
"""


@dataclass(frozen=True)
class Answer:
    """The complete answer of a SELECT, as SPARQL JSON bindings."""

    variables: list[str]
    rows: list[dict[str, dict[str, str]]]
    store_version: str
    truncated_at: int | None


@dataclass(frozen=True)
class Choice:
    """A value to suggest for a parameter, with its label if it has one."""

    value: str
    label: str | None


class ApiState:
    """The named queries an app offers, and its cache of enumerations per store version."""

    def __init__(self, settings: Settings) -> None:
        self._queries_dir = Path(settings.queries_dir)
        self._base_iri = settings.base_iri
        self._queries_lock = threading.Lock()
        self._choices_lock = threading.Lock()
        self._queries: dict[str, NamedQuery] | None = None
        self._choices: tuple[str, dict[tuple[str, str], list[Choice]]] | None = None

    def queries(self) -> dict[str, NamedQuery]:
        """Return the named queries by name, read once."""
        if self._queries is None:
            with self._queries_lock:
                if self._queries is None:
                    self._queries = load_queries(self._queries_dir, self._base_iri)
        return self._queries

    def choices(self, executor: Executor) -> dict[tuple[str, str], list[Choice]]:
        """Return the values to suggest per (query, parameter), for the current version."""
        cached = self._choices
        if cached is not None and cached[0] == executor.store_version():
            return cached[1]
        queries = self.queries()  # before the lock: it takes the same (non-reentrant) lock
        queries = self.queries()
        with self._choices_lock:  # one computation at a time, not one per waiting request
            cached = self._choices
            if cached is not None and cached[0] == executor.store_version():
                return cached[1]
            version, choices = _compute_choices(queries)
            self._choices = (version, choices)
            return choices


def init_app(app: Flask, settings: Settings) -> None:
    """Give `app` its API state."""
    app.extensions[_EXTENSION_KEY] = ApiState(settings)


def current_api() -> ApiState:
    """Return the API state of the running app."""
    return current_app.extensions[_EXTENSION_KEY]


def run_select(
    text: str, substitutions: tuple[tuple[str, object], ...] = (), results_format: str = "JSON"
) -> tuple[bytes, str, int | None]:
    """Run a SELECT through the guard and the executor; return (body, version, truncated_at)."""
    settings = current_settings()
    guard.inspect_query(text, settings.service_allowlist)
    request = QueryRequest(
        text,
        results_format,
        None,
        Dataset(union_default_graph=True),
        substitutions=substitutions,
        base_iri=settings.base_iri,
    )
    result = current_executor().execute(request)
    return result.body, result.store_version, result.truncated_at


def run_named(query: NamedQuery, substitutions: tuple[tuple[str, object], ...]) -> Answer:
    """Run a named query with its parameters bound; return its whole (row-limited) answer."""
    body, version, truncated_at = run_select(query.text, substitutions)
    document = json.loads(body)
    return Answer(document["head"]["vars"], document["results"]["bindings"], version, truncated_at)


def fetch_labels(iris: Iterable[str]) -> dict[str, str]:
    """Return a label for each IRI that has one (rdfs:label or skos:prefLabel), Dutch first."""
    unique = sorted(set(iris))
    found: dict[str, list[ox.Literal]] = {}
    for start in range(0, len(unique), LABEL_BATCH):
        batch = unique[start : start + LABEL_BATCH]
        for triple in _label_triples(batch):
            if isinstance(triple.object, ox.Literal):
                found.setdefault(triple.subject.value, []).append(triple.object)
    return {iri: _preferred(labels).value for iri, labels in found.items()}


def _label_triples(iris: list[str]) -> list[ox.Triple]:
    template = " ".join(f"?i{k} rdfs:label ?l{k} ." for k in range(len(iris)))
    branches = " UNION ".join(
        f'{{ ?i{k} rdfs:label|skos:prefLabel ?l{k} FILTER (LANG(?l{k}) IN ("nl", "en", "")) }}'
        for k in range(len(iris))
    )
    text = (
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        f"CONSTRUCT {{ {template} }} WHERE {{ {branches} }}"
    )
    settings = current_settings()
    guard.inspect_query(text, settings.service_allowlist)
    request = QueryRequest(
        text,
        None,
        "N_TRIPLES",
        Dataset(union_default_graph=True),
        substitutions=tuple((f"i{k}", ox.NamedNode(iri)) for k, iri in enumerate(iris)),
        base_iri=settings.base_iri,
    )
    body = current_executor().execute(request).body
    return [quad.triple for quad in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)]


def _preferred(labels: list[ox.Literal]) -> ox.Literal:
    def rank(label: ox.Literal) -> tuple[int, str]:
        language = (label.language or "").lower()
        order = _LANGUAGE_ORDER.index(language) if language in _LANGUAGE_ORDER else 3
        return order, label.value

    return min(labels, key=rank)


def _compute_choices(
    queries: dict[str, NamedQuery],
) -> tuple[str, dict[tuple[str, str], list[Choice]]]:
    """Ask the graph for the values of every enumerated parameter."""
    version = current_executor().store_version() or ""
    choices: dict[tuple[str, str], list[Choice]] = {}
    for query in queries.values():
        for parameter in query.parameters:
            if parameter.enumerated_from_graph:
                values, version = _graph_values(query, parameter)
                labels = fetch_labels(v for v in values if _is_iri(v))
                choices[(query.name, parameter.name)] = sorted(
                    (Choice(value, labels.get(value)) for value in values),
                    key=lambda c: ((c.label or c.value).lower(), c.value),
                )
    return version, choices


def _graph_values(query: NamedQuery, parameter: Parameter) -> tuple[list[str], str]:
    """Return the distinct values the graph offers for `parameter`, and the store version."""
    if parameter.enumerate_classes:
        values: dict[str, None] = {}
        version = ""
        for class_iri in parameter.enumerate_classes:
            body, version, _ = run_select(_INSTANCES, (("class", ox.NamedNode(class_iri)),))
            for row in json.loads(body)["results"]["bindings"]:
                values.setdefault(row["value"]["value"])
        return list(values), version
    # grlc's way: the values the query itself yields for the parameter, the others at their
    # defaults (the loader made sure they are optional).
    base_iri = current_settings().base_iri
    others = tuple(
        (other.variable, other.term(other.default, base_iri))
        for other in query.parameters
        if other is not parameter and other.default is not None
    )
    answer = run_named(query, others)
    seen = {
        row[parameter.variable]["value"]: None for row in answer.rows if parameter.variable in row
    }
    return list(seen), answer.store_version


def _is_iri(value: str) -> bool:
    try:
        ox.NamedNode(value)
    except ValueError:
        return False
    return True
