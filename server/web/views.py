"""Turn RDF terms into what a template shows: text, link, language and datatype."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from server.namespaces import STANDARD_PREFIXES as NS
from server.web.labels import Labeller
from server.web.render import link
from server.web.sparql_rows import Term

XSD_STRING = NS["xsd"] + "string"
RDF_LANG_STRING = NS["rdf"] + "langString"
LONG_LITERAL_CHARS = 600  # longer literals are folded away behind a <details>


@dataclass(frozen=True)
class ValueView:
    """One value on a page."""

    kind: str  # "iri", "literal" or "bnode"
    text: str
    href: str | None = None
    iri: str | None = None
    external: bool = False
    lang: str | None = None
    datatype: str | None = None
    nested: list[tuple[ValueView, ValueView]] = field(default_factory=list)

    @property
    def long(self) -> bool:
        """Tell whether the text is long enough to be folded away."""
        return len(self.text) > LONG_LITERAL_CHARS


def iri_view(iri: str, labeller: Labeller) -> ValueView:
    """Return a labelled link to `iri`."""
    own = labeller.iris.is_own(iri)
    return ValueView("iri", labeller(iri), link(iri, labeller.lang), iri=iri, external=not own)


def term_view(
    term: Term, labeller: Labeller, nested: list[tuple[str, Term]] | None = None
) -> ValueView:
    """Return how to show `term`; a blank node shows its own statements nested."""
    if isinstance(term, ox.NamedNode):
        return iri_view(term.value, labeller)
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        shown = None
        if not term.language and datatype not in (XSD_STRING, RDF_LANG_STRING):
            shown = labeller.iris.short(datatype)
        return ValueView("literal", term.value, lang=term.language or None, datatype=shown)
    pairs = [(iri_view(prop, labeller), term_view(value, labeller)) for prop, value in nested or []]
    return ValueView("bnode", "", nested=pairs)
