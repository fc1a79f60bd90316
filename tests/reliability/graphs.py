"""Compose the store the reliability suite serves: the real graph plus test graphs.

Besides the project's own graph (so every page and API route has real things to show) it
holds the small test graphs of tests/http, a generated link graph big enough that cross
joins and property paths over it run for hours, and probe resources whose labels and
links carry markup, `javascript:` IRIs and quotes.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from server.config import Settings
from server.store import StoreDirectory
from tests.http.support import sample_quads

EX = "http://example.org/"
LINKS_GRAPH = EX + "graph/links"
PROBES_GRAPH = EX + "graph/probes"
LINK = EX + "link"
NODE_COUNT = 1500

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
RDFS_COMMENT = "http://www.w3.org/2000/01/rdf-schema#comment"
RDFS_SEE_ALSO = "http://www.w3.org/2000/01/rdf-schema#seeAlso"
SKOS_PREF_LABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"
SKOS_DEFINITION = "http://www.w3.org/2004/02/skos/core#definition"
FOAF_NAME = "http://xmlns.com/foaf/0.1/name"
FOAF_HOMEPAGE = "http://xmlns.com/foaf/0.1/homepage"
DCT_TITLE = "http://purl.org/dc/terms/title"
DCT_DESCRIPTION = "http://purl.org/dc/terms/description"
ORG_ORGANIZATION = "http://www.w3.org/ns/org#Organization"
# Properties whose IRI values pages may turn into links.
LINKING_PROPERTIES = (
    FOAF_HOMEPAGE,
    RDFS_SEE_ALSO,
    "http://www.w3.org/2002/07/owl#sameAs",
    "http://www.w3.org/2004/02/skos/core#exactMatch",
    "http://purl.org/dc/terms/license",
    "http://purl.org/dc/terms/source",
    "https://schema.org/url",
)

# Every payload calls mhkgxss(n), so a page that runs or renders one is easy to spot.
XSS_MARKER = "mhkgxss"
MARKUP_PAYLOADS = (
    "<script>mhkgxss(1)</script>",
    '"><img src=x onerror=mhkgxss(2)>',
    "'><svg onload=mhkgxss(3)>",
    "</script><script>mhkgxss(4)</script>",
    "</title><iframe srcdoc=mhkgxss(5)>",
    "{{7*7}} ${mhkgxss(6)} <!-- mhkgxss(7)",
)
JAVASCRIPT_IRIS = ("javascript:mhkgxss(8)", "JaVaScRiPt:mhkgxss(9)//")
QUOTE_IRIS = ("https://example.org/q'onmouseover='mhkgxss(10)", "https://example.org/a?b='c'&d")


def probe_iris(settings: Settings) -> list[str]:
    """Return the IRIs of the probe resources, in the project's own IRI patterns."""
    base = settings.base_iri
    return [
        f"{base}id/organisatie/mhkgxss-probe",
        f"{base}id/persoon/mhkgxss-probe",
        f"{base}id/organisatie/mhkgxss-probe-'quote'",
    ]


def link_quads() -> list[ox.Quad]:
    """Return a strongly connected link graph: paths over it multiply without end."""
    graph, link = ox.NamedNode(LINKS_GRAPH), ox.NamedNode(LINK)

    def node(i: int) -> ox.NamedNode:
        return ox.NamedNode(f"{EX}node/{i % NODE_COUNT}")

    quads = []
    for i in range(NODE_COUNT):
        for target in (i + 1, 2 * i, 7 * i + 3):
            quads.append(ox.Quad(node(i), link, node(target), graph))
        quads.append(ox.Quad(node(i), ox.NamedNode(RDFS_LABEL), ox.Literal(f"node {i}"), graph))
    return quads


def probe_quads(settings: Settings) -> list[ox.Quad]:
    """Return probe resources whose every text and link is hostile."""
    graph = ox.NamedNode(PROBES_GRAPH)
    quads = []
    texts = [*MARKUP_PAYLOADS]
    for number, iri in enumerate(probe_iris(settings)):
        subject = ox.NamedNode(iri)
        quads.append(
            ox.Quad(subject, ox.NamedNode(RDF_TYPE), ox.NamedNode(ORG_ORGANIZATION), graph)
        )
        for index, predicate in enumerate(
            (RDFS_LABEL, SKOS_PREF_LABEL, FOAF_NAME, DCT_TITLE, RDFS_COMMENT, DCT_DESCRIPTION)
        ):
            text = texts[(number + index) % len(texts)]
            for language in ("nl", "en"):
                quads.append(
                    ox.Quad(
                        subject, ox.NamedNode(predicate), ox.Literal(text, language=language), graph
                    )
                )
        quads.append(
            ox.Quad(subject, ox.NamedNode(SKOS_DEFINITION), ox.Literal(" ".join(texts)), graph)
        )
        for target in (*JAVASCRIPT_IRIS, *QUOTE_IRIS):
            for predicate in LINKING_PROPERTIES:
                quads.append(ox.Quad(subject, ox.NamedNode(predicate), ox.NamedNode(target), graph))
    return quads


def compose_store(root: Path, real_store: Path, settings: Settings) -> Path:
    """Publish, under `root`, the real graph of `real_store` plus the test graphs."""
    source = StoreDirectory(real_store).current_path()
    directory = StoreDirectory(root)
    with directory.building() as path:
        ox.Store.read_only(str(source)).backup(str(path))
        store = ox.Store(str(path))
        store.extend([*sample_quads(), *link_quads(), *probe_quads(settings)])
        store.flush()
        del store
        directory.publish(path)
    return root
