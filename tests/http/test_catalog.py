"""The dataset description at /catalog and /.well-known/void: DCAT-AP-DONL, VoID, loaded graphs."""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pyshacl import validate
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, FOAF, PROV, VOID, XSD

from server import context
from server.config import Settings
from server.dumps import version_time
from server.external import load
from tests.http.publication import ROOT, SHAPES, real_app

BASE = "https://mensenhandel-kg.nl/"
DATASET = URIRef(BASE + "id/dataset/mensenhandel-kg")
PROJECT = URIRef(BASE + "id/organisatie/mensenhandel-kg-project")
LETTER = URIRef(BASE + "id/document/kst-28638-188")
MINISTRY = URIRef("https://identifier.overheid.nl/tooi/id/ministerie/mnre1058")
TOOI_GRAPH = BASE + "graph/external/tooi"
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
CONTACT = "open-data@example.org"


@pytest.fixture(scope="module")
def app(built_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """An app over the real graph with the TOOI sample list loaded beside it."""
    target = tmp_path_factory.mktemp("catalog") / "store"
    with real_app(built_settings, target, contact_email=CONTACT) as app:
        settings = context.of(app).settings
        load(settings, str(ROOT / "data" / "external" / "tooi-organisaties.ttl"), TOOI_GRAPH)
        yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="module")
def description(app: Flask) -> Graph:
    response = app.test_client().get("/catalog")
    assert response.status_code == 200
    return Graph().parse(data=response.get_data(as_text=True), format="turtle")


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(SHAPES, format="turtle", publicID=BASE)


def sparql(client: FlaskClient, query: str) -> list[dict]:
    response = client.get(
        "/sparql", query_string={"query": query}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 200
    return json.loads(response.data)["results"]["bindings"]


# --------------------------------------------------------------------------------------------
# Serving
# --------------------------------------------------------------------------------------------


def test_turtle_by_default_and_the_same_description_at_well_known_void(
    client: FlaskClient, description: Graph
) -> None:
    response = client.get("/.well-known/void")
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    assert isomorphic(
        Graph().parse(data=response.get_data(as_text=True), format="turtle"), description
    )


@pytest.mark.parametrize(
    ("accept", "format_param", "media_type", "syntax"),
    [
        ("application/ld+json", None, "application/ld+json", "json-ld"),
        ("application/rdf+xml", None, "application/rdf+xml", "xml"),
        ("image/png", "nt", "application/n-triples", "nt"),
    ],
)
def test_the_description_is_negotiated_like_every_rdf_answer(
    client: FlaskClient, description: Graph, accept, format_param, media_type, syntax
) -> None:
    query = {"format": format_param} if format_param else {}
    response = client.get("/catalog", headers={"Accept": accept}, query_string=query)
    assert response.status_code == 200 and response.mimetype == media_type
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # rdflib's JSON-LD parser
        parsed = Graph().parse(data=response.get_data(as_text=True), format=syntax)
    assert isomorphic(parsed, description)


def test_an_unacceptable_format_gets_406_and_revalidation_304(client: FlaskClient) -> None:
    assert client.get("/catalog", headers={"Accept": "image/png"}).status_code == 406
    etag = client.get("/catalog").headers["ETag"]
    assert client.get("/catalog", headers={"If-None-Match": etag}).status_code == 304


# --------------------------------------------------------------------------------------------
# Validation against the DCAT-AP-DONL shapes
# --------------------------------------------------------------------------------------------


def test_the_description_conforms_to_the_shapes(description: Graph, shapes: Graph) -> None:
    conforms, _, text = validate(description, shacl_graph=shapes, inference="none")
    assert conforms, text


@pytest.mark.parametrize(
    ("remove", "shape"),
    [
        ((DATASET, DCTERMS.license, None), "CatalogDatasetShape-license"),
        ((DATASET, DCTERMS.title, Literal("", lang="en")), "CatalogDatasetShape-titleEn"),
        ((DATASET, DCAT.contactPoint, None), "CatalogDatasetShape-contactPoint"),
        ((DATASET, DCTERMS.creator, None), "CatalogDatasetShape-creator"),
        ((None, DCAT.byteSize, None), "CatalogDownloadShape-byteSize"),
    ],
)
def test_the_shapes_catch_a_missing_field(
    description: Graph, shapes: Graph, remove: tuple, shape: str
) -> None:
    broken = Graph()
    broken += description
    subject, predicate, obj = remove
    if obj == Literal("", lang="en"):  # every English title
        for title in list(broken.objects(subject, predicate)):
            if title.language == "en":
                broken.remove((subject, predicate, title))
    else:
        broken.remove((subject, predicate, obj))
    conforms, report, _ = validate(broken, shacl_graph=shapes, inference="none")
    assert not conforms
    sources = {
        str(o) for o in report.objects(None, URIRef("http://www.w3.org/ns/shacl#sourceShape"))
    }
    assert any(source.endswith(shape) for source in sources), sources


# --------------------------------------------------------------------------------------------
# What the description says
# --------------------------------------------------------------------------------------------


def test_titles_descriptions_licence_and_themes(description: Graph) -> None:
    for predicate in (DCTERMS.title, DCTERMS.description):
        languages = {o.language for o in description.objects(DATASET, predicate)}
        assert languages == {"nl", "en"}
    assert description.value(DATASET, DCTERMS.identifier) == Literal(
        str(DATASET), datatype=XSD.anyURI
    )
    assert set(description.objects(DATASET, DCTERMS.license)) == {
        URIRef("https://creativecommons.org/publicdomain/zero/1.0/")
    }
    assert set(description.objects(DATASET, DCAT.theme)) == {
        URIRef("http://standaarden.overheid.nl/owms/terms/Openbare_orde_en_veiligheid"),
        URIRef("http://publications.europa.eu/resource/authority/data-theme/JUST"),
    }
    rights = description.value(DATASET, DCTERMS.rights)
    assert any("openbare brief" in str(label) for label in description.objects(rights, None))


def test_the_project_publishes_and_the_ministry_wrote_the_letter(description: Graph) -> None:
    assert description.value(DATASET, DCTERMS.creator) == PROJECT
    assert description.value(DATASET, DCTERMS.publisher) == PROJECT
    assert (PROJECT, RDF.type, FOAF.Organization) in description
    assert description.value(PROJECT, FOAF.name)
    assert (None, DCTERMS.publisher, MINISTRY) not in description
    assert description.value(DATASET, DCTERMS.source) == LETTER
    assert (DATASET, PROV.wasDerivedFrom, LETTER) in description
    assert description.value(LETTER, DCTERMS.creator) == MINISTRY


def test_contact_point_coverage_and_modification_date(app: Flask, description: Graph) -> None:
    contact = description.value(DATASET, DCAT.contactPoint)
    assert (contact, RDF.type, VCARD.Kind) in description
    assert description.value(contact, VCARD.hasEmail) == URIRef(f"mailto:{CONTACT}")
    period = description.value(DATASET, DCTERMS.temporal)
    assert description.value(period, DCAT.startDate) == Literal("2015-01-01", datatype=XSD.date)
    assert description.value(period, DCAT.endDate) == Literal("2021-12-31", datatype=XSD.date)
    assert description.value(DATASET, DCTERMS.spatial) == URIRef(
        "http://publications.europa.eu/resource/authority/country/NLD"
    )
    version = context.of(app).executor.store_version()
    modified = description.value(DATASET, DCTERMS.modified)
    assert modified.toPython() == version_time(version)


def test_every_named_graph_is_a_subset_with_its_size(client, description: Graph) -> None:
    counts = {
        row["g"]["value"]: int(row["n"]["value"])
        for row in sparql(
            client, "SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        )
    }
    subsets = {
        str(subset): int(description.value(subset, VOID.triples))
        for subset in description.objects(DATASET, VOID.subset)
    }
    assert subsets == counts
    assert int(description.value(DATASET, VOID.triples)) == sum(counts.values())


def test_a_loaded_graph_is_recorded_with_its_origin_and_load_time(description: Graph) -> None:
    graph = URIRef(TOOI_GRAPH)
    assert (DATASET, VOID.subset, graph) in description
    source = description.value(graph, PROV.wasDerivedFrom)
    assert str(source).startswith("file://") and str(source).endswith("tooi-organisaties.ttl")
    loaded_at = description.value(graph, PROV.generatedAtTime)
    assert loaded_at.datatype == XSD.dateTime
    assert (graph, RDF.type, URIRef(BASE + "def#ExternalGraph")) in description
    curated = URIRef(BASE + "graph/data/actors")
    assert description.value(curated, PROV.wasDerivedFrom) is None


def test_every_download_is_a_distribution_with_its_true_size(client, description) -> None:
    downloads = list(description.subjects(DCAT.downloadURL, None))
    assert len(downloads) == 4
    media_types = set()
    for distribution in downloads:
        url = str(description.value(distribution, DCAT.downloadURL))
        response = client.get(url.removeprefix("http://localhost"))
        body = response.get_data()
        response.close()
        assert response.status_code == 200
        assert int(description.value(distribution, DCAT.byteSize)) == len(body)
        checksum = description.value(distribution, SPDX.checksum)
        assert str(description.value(checksum, SPDX.checksumValue)) == (
            hashlib.sha256(body).hexdigest()
        )
        assert description.value(distribution, DCAT.compressFormat) == URIRef(
            "http://www.iana.org/assignments/media-types/application/gzip"
        )
        media_type = str(description.value(distribution, DCAT.mediaType))
        media_types.add(media_type.removeprefix("http://www.iana.org/assignments/media-types/"))
    assert media_types == {
        "application/trig",
        "application/n-quads",
        "text/turtle",
        "application/ld+json",
    }


def test_the_services_point_to_working_endpoints(client, description: Graph) -> None:
    services = list(description.subjects(RDF.type, DCAT.DataService))
    assert len(services) == 2
    for service in services:
        assert (service, DCAT.servesDataset, DATASET) in description
        for predicate in (DCAT.endpointURL, DCAT.endpointDescription):
            url = str(description.value(service, predicate)).removeprefix("http://localhost")
            assert client.get(url).status_code == 200, url


def test_the_iris_the_description_mints_redirect_to_it(client: FlaskClient, description) -> None:
    minted = {
        str(subject).removeprefix(BASE)
        for subject in description.subjects()
        if isinstance(subject, URIRef)
        and str(subject).startswith(BASE + "id/")
        and (subject, None, None) in description
        and not str(subject).startswith(BASE + "id/document/")
    }
    assert minted >= {"id/dataset/mensenhandel-kg", "id/dienst/sparql"}
    for path in minted:
        response = client.get(f"/{path}")
        assert response.status_code == 303, path
        assert response.headers["Location"].endswith("/catalog")
