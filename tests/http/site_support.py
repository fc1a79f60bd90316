"""Build what the website tests share: the real graph as the store would describe it, and a
small store holding a resource whose label is a script."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from server.store import StoreDirectory

BASE = "https://mensenhandel-kg.nl/"
SCRIPT_LABEL = '<script>window.pwned = true;</script><img src=x onerror="window.pwned=true">'
SCRIPT_IRI = "id/organisatie/script-test"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")


def expected_description(store: ox.Store, iri: str, base: str = BASE) -> Graph:
    """Return what /doc/ should serve for `iri`: its statements with their blank nodes, and
    the statements pointing to it outside the shapes graphs, read straight from the store."""
    this = ox.NamedNode(iri)
    shapes = base + "graph/shapes/"
    triples: set[ox.Triple] = set()
    for quad in store.quads_for_pattern(this, None, None, None):
        triples.add(quad.triple)
        if isinstance(quad.object, ox.BlankNode):
            for nested in store.quads_for_pattern(quad.object, None, None, quad.graph_name):
                triples.add(nested.triple)
    for quad in store.quads_for_pattern(None, None, this, None):
        if not quad.graph_name.value.startswith(shapes):
            triples.add(quad.triple)
    graph = Graph()
    graph.parse(data=ox.serialize(list(triples), format=ox.RdfFormat.N_TRIPLES), format="nt")
    return graph


def build_script_store(root: Path, base: str = BASE) -> Path:
    """Publish a store with one organisation whose labels and comment are markup."""
    directory = StoreDirectory(root)
    graph = ox.NamedNode(base + "graph/data/actors")
    subject = ox.NamedNode(base + SCRIPT_IRI)
    other = ox.NamedNode(base + "id/organisatie/neighbour")
    quads = [
        ox.Quad(subject, RDF_TYPE, ox.NamedNode(base + "def#GovernmentBody"), graph),
        ox.Quad(subject, RDFS_LABEL, ox.Literal(SCRIPT_LABEL, language="nl"), graph),
        ox.Quad(subject, RDFS_LABEL, ox.Literal(SCRIPT_LABEL, language="en"), graph),
        ox.Quad(
            subject,
            ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment"),
            ox.Literal('"><svg onload="window.pwned=true">'),
            graph,
        ),
        ox.Quad(other, RDFS_LABEL, ox.Literal("</script><script>window.pwned=1</script>"), graph),
        ox.Quad(other, ox.NamedNode(base + "def#participant"), subject, graph),
    ]
    with directory.building() as path:
        store = ox.Store(str(path))
        store.extend(quads)
        store.flush()
        del store
        directory.publish(path)
    return root
