"""Document the ontology from its own graph: modules, classes, properties and their use."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from server.namespaces import STANDARD_PREFIXES as NS
from server.web import language
from server.web.sparql_rows import select

_ONTOLOGY_TRIPLES = """
SELECT ?term ?property ?value WHERE {
  GRAPH ?graph { ?term ?property ?value }
  FILTER (STRSTARTS(STR(?graph), STR(<graph/ontology/>)) && ISIRI(?term))
}
"""
_USAGE = """
SELECT ?term ?how (COUNT(*) AS ?uses) WHERE {
  {
    GRAPH ?graph { ?subject ?term ?object }
    BIND ("property" AS ?how)
  } UNION {
    GRAPH ?graph { ?subject a ?term }
    BIND ("class" AS ?how)
  }
  FILTER (STRSTARTS(STR(?graph), STR(<graph/data/>)))
}
GROUP BY ?term ?how
"""
KINDS = (
    ("class", NS["owl"] + "Class"),
    ("object", NS["owl"] + "ObjectProperty"),
    ("datatype", NS["owl"] + "DatatypeProperty"),
    ("annotation", NS["owl"] + "AnnotationProperty"),
)
_P = {
    "type": NS["rdf"] + "type",
    "label": NS["rdfs"] + "label",
    "definition": NS["skos"] + "definition",
    "scope_note": NS["skos"] + "scopeNote",
    "comment": NS["rdfs"] + "comment",
    "defined_by": NS["rdfs"] + "isDefinedBy",
    "subclass_of": NS["rdfs"] + "subClassOf",
    "subproperty_of": NS["rdfs"] + "subPropertyOf",
    "domain": NS["rdfs"] + "domain",
    "range": NS["rdfs"] + "range",
    "domain_includes": NS["schema"] + "domainIncludes",
    "range_includes": NS["schema"] + "rangeIncludes",
    "title": NS["dct"] + "title",
    "description": NS["dct"] + "description",
    "license": NS["dct"] + "license",
    "version": NS["owl"] + "versionInfo",
    "imports": NS["owl"] + "imports",
    "ontology": NS["owl"] + "Ontology",
}


@dataclass
class Resource:
    """The ontology's statements about one IRI, by property."""

    iri: str
    values: dict[str, list[ox.NamedNode | ox.Literal]] = field(default_factory=dict)

    def iris(self, *keys: str) -> list[str]:
        """Return the IRI values of the properties named by `keys`."""
        return [
            v.value
            for key in keys
            for v in self.values.get(_P[key], [])
            if isinstance(v, ox.NamedNode)
        ]

    def text(self, key: str, lang: str) -> str | None:
        """Return the literal value of one property in the best language."""
        literals = [v for v in self.values.get(_P[key], []) if isinstance(v, ox.Literal)]
        return language.pick(((v.language or "", v.value) for v in literals), lang)


@dataclass
class Term:
    """A class or property of ours."""

    resource: Resource
    kind: str
    module: str | None
    uses: int = 0
    subterms: list[str] = field(default_factory=list)

    @property
    def iri(self) -> str:
        return self.resource.iri

    @property
    def anchor(self) -> str:
        """Return the fragment of the term's IRI, the id of its section."""
        return self.iri.rpartition("#")[2]


@dataclass
class Module:
    """One ontology module (an owl:Ontology) and its terms."""

    resource: Resource
    terms: list[Term] = field(default_factory=list)

    @property
    def iri(self) -> str:
        return self.resource.iri


@dataclass
class OntologyDoc:
    """The whole ontology, ready to document."""

    modules: list[Module]
    terms: dict[str, Term]

    def module(self, iri: str) -> Module | None:
        """Return the module with this IRI."""
        return next((m for m in self.modules if m.iri == iri), None)

    def terms_of_kind(self, kind: str, module: Module | None = None) -> list[Term]:
        """Return the terms of one kind, of one module or of all, by IRI."""
        chosen = module.terms if module else self.terms.values()
        return sorted((t for t in chosen if t.kind == kind), key=lambda t: t.anchor.lower())


def read_ontology_doc(namespace: str) -> tuple[OntologyDoc, str]:
    """Read the ontology graphs and the use of each term in the data; return doc and version.

    `namespace` is our terms' namespace ({base}def#): only its IRIs are documented as terms.
    """
    triples = select(_ONTOLOGY_TRIPLES)
    resources: dict[str, Resource] = {}
    for row in triples.rows:
        resource = resources.setdefault(row["term"].value, Resource(row["term"].value))
        value = row["value"]
        if isinstance(value, ox.NamedNode | ox.Literal):
            values = resource.values.setdefault(row["property"].value, [])
            if value not in values:
                values.append(value)
    modules = [
        Module(r) for iri, r in sorted(resources.items()) if _P["ontology"] in r.iris("type")
    ]
    by_module = {module.iri: module for module in modules}
    terms: dict[str, Term] = {}
    for iri, resource in resources.items():
        kind = next((k for k, cls in KINDS if cls in resource.iris("type")), None)
        if kind is None or not iri.startswith(namespace):
            continue
        module_iri = next(iter(resource.iris("defined_by")), None)
        term = terms[iri] = Term(resource, kind, module_iri)
        if module_iri in by_module:
            by_module[module_iri].terms.append(term)
    for term in terms.values():
        for parent in term.resource.iris("subclass_of", "subproperty_of"):
            if parent in terms:
                terms[parent].subterms.append(term.iri)
    for row in select(_USAGE).rows:
        term = terms.get(row["term"].value)
        if term is not None and (row["how"].value == "class") == (term.kind == "class"):
            term.uses = int(row["uses"].value)
    return OntologyDoc(modules, terms), triples.store_version
