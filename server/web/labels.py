"""Name resources in the chosen language: our own labels, standard terms, then short IRIs."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from server.namespaces import STANDARD_PREFIXES as NS
from server.web import i18n, language
from server.web.iris import SiteIris
from server.web.sparql_rows import Rows, select
from server.web.vocabulary import standard_label

# Which property names a resource best, first to last.
LABEL_PROPERTIES = (
    NS["skos"] + "prefLabel",
    NS["rdfs"] + "label",
    NS["foaf"] + "name",
    NS["dct"] + "title",
)
# Passages have no label; their IRI says where they are: id/passage/{document}/{start}-{end}.
_PASSAGE = re.compile(r"id/passage/[^/]+/(\d+)-(\d+)$")
MAX_PAGES = 100  # bounds the paging loop: 100 pages of max_result_rows labels each

_OWN_LABELS = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
SELECT DISTINCT ?resource ?property ?label WHERE {
  VALUES ?property { skos:prefLabel rdfs:label foaf:name dct:title }
  GRAPH ?graph { ?resource ?property ?label }
  FILTER (ISIRI(?resource) && ISLITERAL(?label) && STRSTARTS(STR(?resource), STR(<>)))
  FILTER (!STRSTARTS(STR(?graph), STR(<graph/shapes/>)))
}
ORDER BY ?resource ?property ?label
"""


@dataclass
class LabelIndex:
    """The labels of every resource under our base, read once per store version."""

    by_resource: dict[str, list[tuple[int, str, str]]] = field(default_factory=dict)

    def add(self, resource: str, property_iri: str, label: ox.Literal) -> None:
        """Record one label; `property_iri` decides its rank."""
        rank = LABEL_PROPERTIES.index(property_iri) if property_iri in LABEL_PROPERTIES else 9
        entry = (rank, label.language or "", label.value)
        self.by_resource.setdefault(resource, []).append(entry)

    def label(self, iri: str, lang: str) -> str | None:
        """Return the best label of `iri` in `lang` (falling back to others), or None."""
        entries = self.by_resource.get(iri)
        if not entries:
            return None
        best_rank = min(rank for rank, _, _ in entries)
        return language.pick(
            ((tag, value) for rank, tag, value in entries if rank == best_rank), lang
        )


def read_label_index(page_size: int) -> tuple[LabelIndex, str]:
    """Read all our labels page by page; return the index and the store version read."""
    index = LabelIndex()
    version = ""
    for page in range(MAX_PAGES):
        # The numbers are ours, not the client's: pasting them is safe.
        rows: Rows = select(_OWN_LABELS + f"LIMIT {page_size} OFFSET {page * page_size}")
        if version and rows.store_version != version:  # republished while paging: start over
            return read_label_index(page_size)
        version = rows.store_version
        for row in rows.rows:
            label = row["label"]
            if isinstance(label, ox.Literal):
                index.add(row["resource"].value, row["property"].value, label)
        if len(rows.rows) < page_size:
            break
    return index, version


class Labeller:
    """Name any IRI for one page: index, extra labels from the page's own query, vocabulary."""

    def __init__(self, index: LabelIndex, iris: SiteIris, lang: str) -> None:
        self.index = index
        self.iris = iris
        self.lang = lang
        self._extra: dict[str, list[tuple[str, str]]] = {}

    def learn(self, iri: str, labels: Iterable[ox.Literal]) -> None:
        """Remember labels found by a page's query, e.g. of resources in loaded graphs."""
        entries = self._extra.setdefault(iri, [])
        entries.extend((label.language or "", label.value) for label in labels)

    def known(self, iri: str) -> str | None:
        """Return a real name for `iri`, or None when only its IRI can be shown."""
        found = self.index.label(iri, self.lang)
        if found is None and iri in self._extra:
            found = language.pick(self._extra[iri], self.lang)
        if found is None and self.iris.is_own(iri):
            passage = _PASSAGE.match(iri[len(self.iris.base) :])
            if passage:
                found = i18n.phrase("passage", self.lang, start=passage[1], end=passage[2])
        return found or standard_label(iri, self.lang)

    def __call__(self, iri: str) -> str:
        """Return a name for `iri`: its label, else a CURIE or shortened IRI."""
        return self.known(iri) or self.iris.short(iri)
