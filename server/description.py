"""Describe the dataset in VoID and DCAT (DCAT-AP-DONL): what it is, who made it, its parts.

The data is a restatement, as linked data, of a public letter of the Dutch government
(Kamerstuk 28 638, nr. 188). The letter's author, the ministry of Justice and Security, is
named as the author of that source, not as the publisher of this dataset: the project
publishes it. The description is built from facts about the published store version (its
graphs and their sizes, the external graphs recorded in the catalogue graph) and, when the
downloads have been written, their sizes and checksums.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass

import pyoxigraph as ox

from server.config import Settings
from server.dumps import (
    DUMP_FORMATS,
    FILE_STEM,
    DumpFile,
    description_graph,
    file_name,
    latest_name,
    version_time,
)
from server.executor import Executor
from server.external import catalogue_graph
from server.jobs import Dataset, QueryRequest
from server.namespaces import STANDARD_PREFIXES
from server.store_stats import StatsCache

DCAT = STANDARD_PREFIXES["dcat"]
DCT = STANDARD_PREFIXES["dct"]
VOID = STANDARD_PREFIXES["void"]
PROV = STANDARD_PREFIXES["prov"]
FOAF = STANDARD_PREFIXES["foaf"]
RDF = STANDARD_PREFIXES["rdf"]
RDFS = STANDARD_PREFIXES["rdfs"]
XSD = STANDARD_PREFIXES["xsd"]
OWL = STANDARD_PREFIXES["owl"]
VCARD = "http://www.w3.org/2006/vcard/ns#"
SPDX = "http://spdx.org/rdf/terms#"
SD = STANDARD_PREFIXES["sd"]
IANA = "http://www.iana.org/assignments/media-types/"
EU = "http://publications.europa.eu/resource/authority/"

LICENSE = "https://creativecommons.org/publicdomain/zero/1.0/"
# The same licence as named in the DCAT-AP-DONL licence value list.
LICENSE_DONL = "http://creativecommons.org/publicdomain/zero/1.0/deed.nl"
# DCAT-AP-DONL requires a theme from the overheid:TaxonomieBeleidsagenda; data.overheid.nl's
# own code maps "Openbare orde en veiligheid" to this IRI.
THEME = "http://standaarden.overheid.nl/owms/terms/Openbare_orde_en_veiligheid"
# The EU data theme "Justice, legal system and public safety", for DCAT-AP harvesters.
EU_THEME = EU + "data-theme/JUST"
LETTER_AUTHOR = "https://identifier.overheid.nl/tooi/id/ministerie/mnre1058"
LETTER_PAGE = "https://zoek.officielebekendmakingen.nl/kst-28638-188.html"
# What the letter covers: the Dadermonitor's years 2015-2019 up to the plans for 2021.
COVERAGE = ("2015-01-01", "2021-12-31")
KEYWORDS_NL = (
    "mensenhandel",
    "uitbuiting",
    "Dadermonitor",
    "beleid",
    "Tweede Kamer",
    "linked data",
)
KEYWORDS_EN = ("human trafficking", "exploitation", "policy", "parliament", "linked data")

_EXTERNAL_GRAPHS = """
PREFIX void: <http://rdfs.org/ns/void#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
SELECT ?catalogue ?graph ?source ?loadedAt ?triples ?format ?type WHERE {
  GRAPH ?catalogue {
    ?graph a void:Dataset ; prov:wasDerivedFrom ?source .
    OPTIONAL { ?graph prov:generatedAtTime ?loadedAt }
    OPTIONAL { ?graph void:triples ?triples }
    OPTIONAL { ?graph dct:format ?format }
    OPTIONAL { ?graph rdf:type ?type FILTER (?type != void:Dataset) }
  }
}
ORDER BY ?graph
"""


@dataclass(frozen=True)
class ExternalGraph:
    """A graph loaded with `mhkg load`, as the catalogue graph records it."""

    graph: str
    source: str
    loaded_at: str | None
    media_type: str | None
    types: tuple[str, ...]


@dataclass(frozen=True)
class Facts:
    """What the description says about one store version."""

    version: str
    graph_triples: dict[str, int]
    external: tuple[ExternalGraph, ...]

    @property
    def modified(self) -> datetime.datetime | None:
        """Return when the version was built."""
        return version_time(self.version)


@dataclass(frozen=True)
class Iris:
    """The IRIs the description mints, under the base, and the URLs it points to."""

    base: str
    root: str  # where the server is reached, ending in "/"

    @property
    def dataset(self) -> str:
        return f"{self.base}id/dataset/{FILE_STEM}"

    @property
    def catalog(self) -> str:
        return f"{self.base}id/catalogus/{FILE_STEM}"

    @property
    def publisher(self) -> str:
        return f"{self.base}id/organisatie/{FILE_STEM}-project"

    @property
    def letter(self) -> str:
        return f"{self.base}id/document/kst-28638-188"

    def distribution(self, extension: str) -> str:
        return f"{self.base}id/distributie/{FILE_STEM}-{extension}"

    def service(self, name: str) -> str:
        return f"{self.base}id/dienst/{name}"


def minted_paths() -> tuple[str, ...]:
    """Return the paths, relative to the base, of the IRIs only the description mints.

    They are not in the store, so the server answers them with a redirect to the description.
    """
    iris = Iris("", "")
    distributions = [dump_format.extension for dump_format in DUMP_FORMATS] + ["sparql"]
    return (
        iris.dataset,
        iris.catalog,
        iris.publisher,
        *(iris.service(name) for name in ("sparql", "api")),
        *(iris.distribution(name) for name in distributions),
        description_graph(""),
    )


def gather(executor: Executor, stats: StatsCache, settings: Settings) -> Facts:
    """Collect the facts of the published version through the executor."""
    counts = stats.get(executor)
    request = QueryRequest(
        _EXTERNAL_GRAPHS,
        "JSON",
        None,
        Dataset(union_default_graph=False),
        substitutions=(("catalogue", catalogue_graph(settings)),),
    )
    rows = json.loads(executor.execute(request).body)["results"]["bindings"]
    by_graph: dict[str, ExternalGraph] = {}
    for row in rows:
        graph = row["graph"]["value"]
        known = by_graph.get(graph)
        types = (
            *(known.types if known else ()),
            *([row["type"]["value"]] if "type" in row else []),
        )
        by_graph[graph] = ExternalGraph(
            graph,
            row["source"]["value"],
            row.get("loadedAt", {}).get("value"),
            row.get("format", {}).get("value"),
            tuple(dict.fromkeys(types)),
        )
    return Facts(counts.version, dict(counts.graph_triples), tuple(by_graph.values()))


def describe(
    settings: Settings,
    facts: Facts,
    root: str,
    files: list[DumpFile] | None,
) -> list[ox.Triple]:
    """Return the VoID and DCAT description of the dataset at version `facts.version`.

    `root` is the server's URL. `files` are the written downloads; without them (the copy of
    the description inside the downloads themselves) sizes and checksums are left out.
    """
    iris = Iris(settings.base_iri, root if root.endswith("/") else root + "/")
    builder = _Builder()
    _catalog(builder, iris)
    _dataset(builder, iris, facts, settings.contact_email)
    _distributions(builder, iris, facts, files)
    _services(builder, iris)
    _subsets(builder, iris, facts)
    _agents(builder, iris)
    return builder.triples


def _date_time(moment: datetime.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


class _Builder:
    def __init__(self) -> None:
        self.triples: list[ox.Triple] = []

    def add(self, subject: str | ox.BlankNode, predicate: str, obj: object) -> None:
        node = ox.NamedNode(subject) if isinstance(subject, str) else subject
        self.triples.append(ox.Triple(node, ox.NamedNode(predicate), obj))

    def iri(self, subject: str | ox.BlankNode, predicate: str, iri: str) -> None:
        self.add(subject, predicate, ox.NamedNode(iri))

    def text(self, subject: str | ox.BlankNode, predicate: str, nl: str, en: str) -> None:
        self.add(subject, predicate, ox.Literal(nl, language="nl"))
        self.add(subject, predicate, ox.Literal(en, language="en"))

    def typed(self, subject: str | ox.BlankNode, predicate: str, value: str, datatype: str) -> None:
        self.add(subject, predicate, ox.Literal(value, datatype=ox.NamedNode(XSD + datatype)))


def _catalog(b: _Builder, iris: Iris) -> None:
    b.iri(iris.catalog, RDF + "type", DCAT + "Catalog")
    b.text(
        iris.catalog,
        DCT + "title",
        "Catalogus van mensenhandel-kg",
        "Catalogue of mensenhandel-kg",
    )
    b.text(
        iris.catalog,
        DCT + "description",
        "De dataset en diensten van het project mensenhandel-kg: de kabinetsbrief over "
        "mensenhandel (Kamerstuk 28 638, nr. 188) als linked open data.",
        "The dataset and services of the mensenhandel-kg project: the cabinet letter on "
        "human trafficking (Kamerstuk 28 638, no. 188) as linked open data.",
    )
    b.iri(iris.catalog, DCT + "publisher", iris.publisher)
    b.iri(iris.catalog, DCT + "license", LICENSE)
    b.iri(iris.catalog, FOAF + "homepage", iris.root)
    b.iri(iris.catalog, DCAT + "dataset", iris.dataset)
    for name in ("sparql", "api"):
        b.iri(iris.catalog, DCAT + "service", iris.service(name))


def _dataset(b: _Builder, iris: Iris, facts: Facts, contact_email: str | None) -> None:
    d = iris.dataset
    b.iri(d, RDF + "type", DCAT + "Dataset")
    b.iri(d, RDF + "type", VOID + "Dataset")
    b.typed(d, DCT + "identifier", d, "anyURI")
    b.text(
        d,
        DCT + "title",
        "Beleidsreactie Dadermonitor mensenhandel 2015-2019 als linked data",
        "Policy response to the Dadermonitor human trafficking 2015-2019 as linked data",
    )
    b.text(
        d,
        DCT + "description",
        "De brief van de Staatssecretaris van Justitie en Veiligheid aan de Tweede Kamer van "
        "19 februari 2021 (Kamerstuk 28 638, nr. 188) over de aanbevelingen van de Nationaal "
        "Rapporteur (Dadermonitor mensenhandel 2015-2019) en het CKM (Voorbij de Pixels), als "
        "linked data: actoren, aanbevelingen en besluiten, activiteiten, toezeggingen met "
        "termijnen, gebeurtenissen, cijfers (RDF Data Cube) en bevindingen, elk met de "
        "passage van de brief waarop het berust. Een herformulering van een openbare brief "
        "van de rijksoverheid, niet de brief zelf; uitgegeven door het project, niet door "
        "het ministerie.",
        "The letter of the State Secretary for Justice and Security to the House of "
        "Representatives of 19 February 2021 (Kamerstuk 28 638, no. 188) on the "
        "recommendations of the National Rapporteur (Dadermonitor human trafficking "
        "2015-2019) and CKM (Voorbij de Pixels), as linked data: actors, recommendations and "
        "decisions, activities, commitments with deadlines, events, figures (RDF Data Cube) "
        "and findings, each with the passage of the letter it rests on. A restatement of a "
        "public letter of the Dutch government, not the letter itself; published by the "
        "project, not by the ministry.",
    )
    b.iri(d, DCT + "license", LICENSE)
    rights = ox.BlankNode()
    b.add(d, DCT + "rights", rights)
    b.iri(rights, RDF + "type", DCT + "RightsStatement")
    b.text(
        rights,
        RDFS + "label",
        "Vrij te gebruiken (CC0 1.0). De gegevens herformuleren een openbare brief van de "
        "rijksoverheid aan de Tweede Kamer; het project verwerkt en publiceert ze.",
        "Free to use (CC0 1.0). The data restates a public letter of the Dutch government "
        "to the House of Representatives; the project processes and publishes it.",
    )
    b.iri(d, DCT + "accessRights", EU + "access-right/PUBLIC")
    b.iri(d, DCT + "creator", iris.publisher)
    b.iri(d, DCT + "publisher", iris.publisher)
    contact = ox.BlankNode()
    b.add(d, DCAT + "contactPoint", contact)
    b.iri(contact, RDF + "type", VCARD + "Kind")
    b.add(contact, VCARD + "fn", ox.Literal("Project mensenhandel-kg"))
    if contact_email:
        b.iri(contact, VCARD + "hasEmail", f"mailto:{contact_email}")
    b.iri(contact, VCARD + "hasURL", iris.root)
    b.iri(d, DCAT + "theme", THEME)
    b.iri(d, DCAT + "theme", EU_THEME)
    for keyword in KEYWORDS_NL:
        b.add(d, DCAT + "keyword", ox.Literal(keyword, language="nl"))
    for keyword in KEYWORDS_EN:
        b.add(d, DCAT + "keyword", ox.Literal(keyword, language="en"))
    for language in ("NLD", "ENG"):
        b.iri(d, DCT + "language", EU + f"language/{language}")
    period = ox.BlankNode()
    b.add(d, DCT + "temporal", period)
    b.iri(period, RDF + "type", DCT + "PeriodOfTime")
    b.typed(period, DCAT + "startDate", COVERAGE[0], "date")
    b.typed(period, DCAT + "endDate", COVERAGE[1], "date")
    b.iri(d, DCT + "spatial", EU + "country/NLD")
    b.iri(d, DCT + "accrualPeriodicity", EU + "frequency/IRREG")
    if facts.modified is not None:
        b.typed(d, DCT + "modified", _date_time(facts.modified), "dateTime")
    b.add(d, OWL + "versionInfo", ox.Literal(facts.version))
    b.iri(d, DCAT + "landingPage", iris.root)
    b.iri(d, DCT + "conformsTo", f"{iris.base}def")
    # Where the data comes from: the letter, by the ministry of Justice and Security.
    b.iri(d, DCT + "source", iris.letter)
    b.iri(d, PROV + "wasDerivedFrom", iris.letter)
    b.iri(d, DCT + "relation", LETTER_PAGE)
    b.iri(iris.letter, DCT + "creator", LETTER_AUTHOR)
    b.iri(iris.letter, FOAF + "page", LETTER_PAGE)
    # VoID
    b.typed(d, VOID + "triples", str(sum(facts.graph_triples.values())), "integer")
    b.iri(d, VOID + "sparqlEndpoint", iris.root + "sparql")
    b.add(d, VOID + "uriSpace", ox.Literal(iris.base + "id/"))
    b.iri(d, VOID + "exampleResource", iris.letter)
    for vocabulary in ("dct", "org", "prov", "qb", "skos", "time", "oa", "foaf"):
        b.iri(d, VOID + "vocabulary", STANDARD_PREFIXES[vocabulary])
    b.iri(d, VOID + "vocabulary", iris.base + "def#")
    for dump_format in DUMP_FORMATS:
        b.iri(d, VOID + "dataDump", iris.root + "download/" + file_name(dump_format, facts.version))


def _distributions(b: _Builder, iris: Iris, facts: Facts, files: list[DumpFile] | None) -> None:
    sizes = {file.format.extension: file for file in files or ()}
    for dump_format in DUMP_FORMATS:
        node = iris.distribution(dump_format.extension)
        url = iris.root + "download/" + file_name(dump_format, facts.version)
        b.iri(iris.dataset, DCAT + "distribution", node)
        b.iri(node, RDF + "type", DCAT + "Distribution")
        b.text(node, DCT + "title", dump_format.title_nl, dump_format.title_en)
        b.text(
            node,
            DCT + "description",
            f"Versie {facts.version}; de nieuwste staat altijd op "
            f"{iris.root}download/{latest_name(dump_format)}.",
            f"Version {facts.version}; the newest is always at "
            f"{iris.root}download/{latest_name(dump_format)}.",
        )
        b.iri(node, DCAT + "accessURL", iris.root + "download/")
        b.iri(node, DCAT + "downloadURL", url)
        b.iri(node, DCAT + "mediaType", IANA + dump_format.media_type)
        b.iri(node, DCAT + "compressFormat", IANA + "application/gzip")
        b.iri(node, DCT + "format", dump_format.file_type)
        b.iri(node, DCT + "license", LICENSE)
        if facts.modified is not None:
            b.typed(node, DCT + "modified", _date_time(facts.modified), "dateTime")
        written = sizes.get(dump_format.extension)
        if written is not None:
            b.typed(node, DCAT + "byteSize", str(written.size), "nonNegativeInteger")
            checksum = ox.BlankNode()
            b.add(node, SPDX + "checksum", checksum)
            b.iri(checksum, RDF + "type", SPDX + "Checksum")
            b.iri(checksum, SPDX + "algorithm", SPDX + "checksumAlgorithm_sha256")
            b.typed(checksum, SPDX + "checksumValue", written.sha256, "hexBinary")
    sparql = iris.distribution("sparql")
    b.iri(iris.dataset, DCAT + "distribution", sparql)
    b.iri(sparql, RDF + "type", DCAT + "Distribution")
    b.text(sparql, DCT + "title", "SPARQL-endpoint", "SPARQL endpoint")
    b.iri(sparql, DCAT + "accessURL", iris.root + "sparql")
    b.iri(sparql, DCAT + "accessService", iris.service("sparql"))
    b.iri(sparql, DCT + "license", LICENSE)


def _services(b: _Builder, iris: Iris) -> None:
    _service(
        b,
        iris,
        "sparql",
        ("SPARQL 1.1-endpoint", "SPARQL 1.1 endpoint"),
        (
            "SPARQL 1.1 Protocol over de hele dataset; de service description staat op het adres"
            " zelf.",
            "SPARQL 1.1 Protocol over the whole dataset; the service description is at the"
            " address.",
        ),
        endpoint="sparql",
        endpoint_description="sparql",
        conforms_to="https://www.w3.org/TR/sparql11-protocol/",
    )
    _service(
        b,
        iris,
        "api",
        ("REST-API met benoemde queries", "REST API of named queries"),
        (
            "Elke competentievraag van het project als GET /api/{naam}, beschreven in OpenAPI 3.1.",
            "Every competency question of the project as GET /api/{name}, described in OpenAPI"
            " 3.1.",
        ),
        endpoint="api/",
        endpoint_description="api/openapi.json",
        conforms_to="https://spec.openapis.org/oas/v3.1.0",
    )


def _service(
    b: _Builder,
    iris: Iris,
    name: str,
    title: tuple[str, str],
    description: tuple[str, str],
    *,
    endpoint: str,
    endpoint_description: str,
    conforms_to: str,
) -> None:
    """Describe one dcat:DataService; `title` and `description` are (Dutch, English)."""
    service = iris.service(name)
    b.iri(service, RDF + "type", DCAT + "DataService")
    b.text(service, DCT + "title", *title)
    b.text(service, DCT + "description", *description)
    b.iri(service, DCAT + "endpointURL", iris.root + endpoint)
    b.iri(service, DCAT + "endpointDescription", iris.root + endpoint_description)
    b.iri(service, DCT + "conformsTo", conforms_to)
    b.iri(service, DCAT + "servesDataset", iris.dataset)
    b.iri(service, DCT + "license", LICENSE)
    b.iri(service, DCT + "publisher", iris.publisher)


def _subsets(b: _Builder, iris: Iris, facts: Facts) -> None:
    """Describe every named graph as a VoID subset; loaded graphs with their origin."""
    external = {graph.graph: graph for graph in facts.external}
    for graph, triples in sorted(facts.graph_triples.items()):
        b.iri(iris.dataset, VOID + "subset", graph)
        b.iri(graph, RDF + "type", VOID + "Dataset")
        b.typed(graph, VOID + "triples", str(triples), "integer")
        b.iri(graph, SD + "name", graph)
        loaded = external.get(graph)
        if loaded is None:
            continue
        for kind in loaded.types:
            b.iri(graph, RDF + "type", kind)
        b.iri(graph, PROV + "wasDerivedFrom", loaded.source)
        if loaded.loaded_at is not None:
            b.typed(graph, PROV + "generatedAtTime", loaded.loaded_at, "dateTime")
        if loaded.media_type is not None:
            b.add(graph, DCT + "format", ox.Literal(loaded.media_type))


def _agents(b: _Builder, iris: Iris) -> None:
    b.iri(iris.publisher, RDF + "type", FOAF + "Organization")
    b.add(iris.publisher, FOAF + "name", ox.Literal("Project mensenhandel-kg"))
    b.iri(iris.publisher, FOAF + "homepage", iris.root)
    b.iri(LICENSE, RDF + "type", DCT + "LicenseDocument")
    b.add(LICENSE, RDFS + "label", ox.Literal("CC0 1.0 Universal"))
    b.iri(LICENSE, RDFS + "seeAlso", LICENSE_DONL)
    b.iri(LETTER_AUTHOR, RDF + "type", FOAF + "Organization")
    b.add(
        LETTER_AUTHOR,
        FOAF + "name",
        ox.Literal("ministerie van Justitie en Veiligheid", language="nl"),
    )
