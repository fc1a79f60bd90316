"""Draw a resource's neighbourhood: the resources it links to and that link to it."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pyoxigraph as ox

from server.web.describe import RDF_TYPE, Description
from server.web.labels import Labeller
from server.web.render import link

MAX_NEIGHBOURS = 24  # more would be unreadable in one drawing
WIDTH, HEIGHT = 720, 460
RADIUS_X, RADIUS_Y = 270, 175
MAX_LABEL_CHARS = 28
# Links that say little about the neighbourhood and would crowd it out.
_SKIPPED_SUFFIXES = ("def#sourcePassage",)
_SKIPPED = (RDF_TYPE, "http://www.w3.org/2000/01/rdf-schema#isDefinedBy")


@dataclass(frozen=True)
class Node:
    """A resource in the drawing."""

    iri: str
    label: str
    href: str
    x: float = WIDTH / 2
    y: float = HEIGHT / 2

    @property
    def short_label(self) -> str:
        """Return the label cut to fit under a node."""
        if len(self.label) <= MAX_LABEL_CHARS:
            return self.label
        return self.label[: MAX_LABEL_CHARS - 1].rstrip() + "…"


@dataclass(frozen=True)
class Edge:
    """A link between two resources, named by its property."""

    source: str
    target: str
    property: str
    label: str


@dataclass(frozen=True)
class Neighbourhood:
    """The resource, its neighbours laid out around it, and the links between them."""

    centre: Node
    nodes: list[Node]
    edges: list[Edge]
    omitted: int

    def as_json(self) -> dict[str, object]:
        """Return the neighbourhood for the drawing script."""
        return {
            "centre": self.centre.iri,
            "nodes": [
                {"iri": n.iri, "label": n.label, "href": n.href} for n in [self.centre, *self.nodes]
            ],
            "edges": [
                {"source": e.source, "target": e.target, "property": e.property, "label": e.label}
                for e in self.edges
            ],
            "omitted": self.omitted,
        }


def neighbourhood(description: Description, labeller: Labeller) -> Neighbourhood:
    """Return the IRIs linked to or from the resource, laid out in an ellipse around it."""
    skipped = {*_SKIPPED, *(labeller.iris.base + s for s in _SKIPPED_SUFFIXES)}
    for iri, labels in description.foreign_labels.items():
        labeller.learn(iri, labels)
    edges: list[Edge] = []
    neighbours: list[str] = []
    for direction, links in (("out", description.outgoing), ("in", description.incoming)):
        for property_iri, statements in links.items():
            if property_iri in skipped:
                continue
            for statement in statements:
                if not isinstance(statement.value, ox.NamedNode):
                    continue
                other = statement.value.value
                if other == description.iri:
                    continue
                source, target = (
                    (description.iri, other) if direction == "out" else (other, description.iri)
                )
                edges.append(Edge(source, target, property_iri, labeller(property_iri)))
                if other not in neighbours:
                    neighbours.append(other)
    kept = neighbours[:MAX_NEIGHBOURS]
    nodes = [
        Node(iri, labeller(iri), link(iri, labeller.lang), *_position(i, len(kept)))
        for i, iri in enumerate(kept)
    ]
    kept_set = set(kept)
    edges = [e for e in edges if e.source in kept_set or e.target in kept_set]
    centre = Node(description.iri, labeller(description.iri), link(description.iri, labeller.lang))
    return Neighbourhood(centre, nodes, edges, len(neighbours) - len(kept))


def _position(index: int, count: int) -> tuple[float, float]:
    angle = 2 * math.pi * index / max(count, 1) - math.pi / 2
    return (
        round(WIDTH / 2 + RADIUS_X * math.cos(angle), 1),
        round(HEIGHT / 2 + RADIUS_Y * math.sin(angle), 1),
    )
