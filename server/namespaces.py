"""Declare the vocabularies we use and the prefixes we offer, once for the whole project."""

from __future__ import annotations

# Standard vocabularies, in the spelling their owners publish.
STANDARD_PREFIXES: dict[str, str] = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "schema": "https://schema.org/",
    "qb": "http://purl.org/linked-data/cube#",
    "time": "http://www.w3.org/2006/time#",
    "oa": "http://www.w3.org/ns/oa#",
    "sdmx-attribute": "http://purl.org/linked-data/sdmx/2009/attribute#",
    "sdmx-dimension": "http://purl.org/linked-data/sdmx/2009/dimension#",
    "tooiont": "https://identifier.overheid.nl/tooi/def/ont/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "void": "http://rdfs.org/ns/void#",
    "sh": "http://www.w3.org/ns/shacl#",
    "sd": "http://www.w3.org/ns/sparql-service-description#",
    "vann": "http://purl.org/vocab/vann/",
}

# Our own namespaces, relative to the configured base IRI (see docs/MODEL.md).
OWN_PREFIXES: dict[str, str] = {
    "mh": "def#",
    "mhsh": "def/shapes#",
}


def prefixes(base_iri: str) -> dict[str, str]:
    """Return every prefix we offer, our own resolved against `base_iri`."""
    own = {name: base_iri + path for name, path in OWN_PREFIXES.items()}
    return {**STANDARD_PREFIXES, **own}
