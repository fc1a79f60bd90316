"""Describe the endpoint in the SPARQL 1.1 Service Description vocabulary."""

from __future__ import annotations

import pyoxigraph as ox

from server.config import Settings
from server.namespaces import STANDARD_PREFIXES
from server.negotiation import GRAPH_OFFERS, RESULT_OFFERS
from server.store_stats import StoreStats

SD = STANDARD_PREFIXES["sd"]
VOID = STANDARD_PREFIXES["void"]
RDF_TYPE = ox.NamedNode(STANDARD_PREFIXES["rdf"] + "type")
RDFS_COMMENT = ox.NamedNode(STANDARD_PREFIXES["rdfs"] + "comment")
XSD_INTEGER = ox.NamedNode(STANDARD_PREFIXES["xsd"] + "integer")


def describe(endpoint: str, settings: Settings, stats: StoreStats) -> list[ox.Triple]:
    """Return the triples describing the service at `endpoint`."""
    service = ox.BlankNode()
    triples = [
        _t(service, RDF_TYPE, _sd("Service")),
        _t(service, _sd("endpoint"), ox.NamedNode(endpoint)),
        _t(service, _sd("supportedLanguage"), _sd("SPARQL11Query")),
        _t(service, _sd("feature"), _sd("UnionDefaultGraph")),
    ]
    if settings.update_token is not None:
        triples.append(_t(service, _sd("supportedLanguage"), _sd("SPARQL11Update")))
    if settings.service_allowlist:
        triples.append(_t(service, _sd("feature"), _sd("BasicFederatedQuery")))
    for offer in RESULT_OFFERS + GRAPH_OFFERS:
        triples.append(_t(service, _sd("resultFormat"), ox.NamedNode(offer.format_iri)))
    for language, text in _limits(settings).items():
        triples.append(_t(service, RDFS_COMMENT, ox.Literal(text, language=language)))
    triples += _default_dataset(service, stats)
    return triples


def _default_dataset(service: ox.BlankNode, stats: StoreStats) -> list[ox.Triple]:
    dataset, default_graph = ox.BlankNode(), ox.BlankNode()
    triples = [
        _t(service, _sd("defaultDataset"), dataset),
        _t(dataset, RDF_TYPE, _sd("Dataset")),
        _t(dataset, _sd("defaultGraph"), default_graph),
        _t(default_graph, RDF_TYPE, _sd("Graph")),
        _t(
            default_graph, RDFS_COMMENT, ox.Literal("The union of all named graphs.", language="en")
        ),
    ]
    for name, count in stats.graph_triples.items():
        named_graph, graph = ox.BlankNode(), ox.BlankNode()
        triples += [
            _t(dataset, _sd("namedGraph"), named_graph),
            _t(named_graph, RDF_TYPE, _sd("NamedGraph")),
            _t(named_graph, _sd("name"), ox.NamedNode(name)),
            _t(named_graph, _sd("graph"), graph),
            _t(graph, RDF_TYPE, _sd("Graph")),
            _t(graph, ox.NamedNode(VOID + "triples"), ox.Literal(str(count), datatype=XSD_INTEGER)),
        ]
    return triples


def _limits(settings: Settings) -> dict[str, str]:
    timeout, rows = f"{settings.query_timeout_s:g}", settings.max_result_rows
    size = settings.max_request_bytes
    return {
        "en": (
            f"Queries are stopped after {timeout} s (HTTP 503). Answers are cut at {rows} rows "
            f"or triples, marked by the header MHKG-Result-Truncated. Request bodies over "
            f"{size} bytes are refused (HTTP 413). SERVICE and LOAD are refused unless their "
            "target is allow-listed. Updates need a bearer token."
        ),
        "nl": (
            f"Queries worden na {timeout} s afgebroken (HTTP 503). Antwoorden worden na "
            f"{rows} rijen of triples afgekapt, aangegeven met de header "
            f"MHKG-Result-Truncated. Verzoeken groter dan {size} bytes worden geweigerd "
            "(HTTP 413). SERVICE en LOAD worden geweigerd, tenzij het doel is toegestaan. "
            "Wijzigingen vereisen een bearer-token."
        ),
    }


def _sd(name: str) -> ox.NamedNode:
    return ox.NamedNode(SD + name)


def _t(subject: ox.NamedNode | ox.BlankNode, predicate: ox.NamedNode, obj: object) -> ox.Triple:
    return ox.Triple(subject, predicate, obj)
