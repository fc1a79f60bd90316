"""Downloads of the real graph: listing, stable names, caching headers, and lossless round trips."""

from __future__ import annotations

import gzip
import hashlib
import warnings
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from pathlib import Path

import pyoxigraph as ox
import pytest
from flask import Flask
from flask.testing import FlaskClient
from pyshacl import validate
from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.compare import isomorphic

from server import context
from server.config import Settings
from server.dumps import DUMP_FORMATS, file_name, version_time
from server.store import PublishedStore, StoreDirectory
from tests.http.publication import SHAPES, real_app

DESCRIPTION_GRAPH = "https://mensenhandel-kg.nl/graph/description"
DEFAULT_GRAPH = "urn:x-rdflib:default"


@pytest.fixture(scope="module")
def app(built_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    with real_app(built_settings, tmp_path_factory.mktemp("downloads") / "store") as app:
        yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="module")
def stored(app: Flask) -> tuple[ox.Store, str]:
    """The served store, opened read-only, and its version."""
    store, version = PublishedStore(StoreDirectory(context.of(app).settings.store_dir)).get()
    return store, version


@pytest.fixture(scope="module")
def store_graphs(stored) -> dict[str, Graph]:
    """Every named graph of the served store, as rdflib graphs."""
    store, _ = stored
    graphs = {}
    for name in store.named_graphs():
        triples = [q.triple for q in store.quads_for_pattern(None, None, None, name)]
        data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
        graphs[name.value] = Graph().parse(data=data.decode(), format="nt")
    assert len(graphs) > 20
    return graphs


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(SHAPES, format="turtle", publicID="https://mensenhandel-kg.nl/")


def get(client: FlaskClient, path: str, **kwargs: object):
    """GET `path`, read the whole body and close the response (and the file it streams)."""
    response = client.get(path, **kwargs)
    response.get_data()
    response.close()
    return response


def fetch(client: FlaskClient, extension: str, version: str) -> bytes:
    dump_format = next(f for f in DUMP_FORMATS if f.extension == extension)
    response = get(client, f"/download/{file_name(dump_format, version)}")
    assert response.status_code == 200
    return gzip.decompress(response.data)


def parse_quads(data: bytes, syntax: str) -> dict[str, Graph]:
    """Read a TriG or N-Quads dump with rdflib, into one rdflib graph per graph name."""
    dataset = Dataset()
    with warnings.catch_warnings():
        # rdflib 7.6 warns about its own use of a deprecated property while parsing.
        warnings.simplefilter("ignore", DeprecationWarning)
        dataset.parse(data=data.decode(), format={"nq": "nquads"}.get(syntax, syntax))
    graphs: dict[str, Graph] = {}
    for subject, predicate, obj, graph in dataset.quads((None, None, None, None)):
        name = str(graph.identifier if isinstance(graph, Graph) else graph)
        graphs.setdefault(name, Graph()).add((subject, predicate, obj))
    return graphs


def assert_isomorphic(expected: Graph, actual: Graph, what: str) -> None:
    """Compare two graphs up to blank node names.

    rdflib's `isomorphic` does it for graphs without blank nodes; for graphs with many (the
    passages' selectors) its canonicalisation takes minutes, so those are compared in RDFC-1.0
    canonical form (pyoxigraph), which takes milliseconds.
    """
    if not any(
        isinstance(term, BNode) for graph in (expected, actual) for t in graph for term in t
    ):
        same = isomorphic(expected, actual)
        missing, extra = set(expected) - set(actual), set(actual) - set(expected)
    else:
        canonical = [_canonical(graph) for graph in (expected, actual)]
        same = canonical[0] == canonical[1]
        missing, extra = canonical[0] - canonical[1], canonical[1] - canonical[0]
    if not same:
        pytest.fail(
            f"{what} differs\nmissing: {sorted(map(str, missing))[:20]}"
            f"\nunexpected: {sorted(map(str, extra))[:20]}"
        )


def _canonical(graph: Graph) -> set[ox.Quad]:
    triples = ox.parse(graph.serialize(format="nt").encode(), format=ox.RdfFormat.N_TRIPLES)
    dataset = ox.Dataset(triples)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return set(dataset)


def assert_description_conforms(description: Graph, shapes: Graph) -> None:
    """The copy inside a download conforms, byte sizes (a Warning) aside."""
    conforms, _, text = validate(
        description, shacl_graph=shapes, inference="none", allow_warnings=True
    )
    assert conforms, text
    assert description.value(
        URIRef("https://mensenhandel-kg.nl/id/dataset/mensenhandel-kg"),
        URIRef("http://purl.org/dc/terms/license"),
    ) == URIRef("https://creativecommons.org/publicdomain/zero/1.0/")


# --------------------------------------------------------------------------------------------
# Listing and names
# --------------------------------------------------------------------------------------------


def test_the_listing_offers_four_gzipped_formats_named_by_version(client, stored) -> None:
    _, version = stored
    listing = get(client, "/download/", headers={"Accept": "application/json"})
    assert listing.status_code == 200
    document = listing.get_json()
    assert document["version"] == version
    files = {entry["format"]: entry for entry in document["files"]}
    assert set(files) == {"trig", "nq", "ttl", "jsonld"}
    for extension, entry in files.items():
        assert entry["name"] == f"mensenhandel-kg-{version}.{extension}.gz"
        body = get(client, f"/download/{entry['name']}").data
        assert len(body) == entry["size"]
        assert hashlib.sha256(body).hexdigest() == entry["sha256"]
    page = get(client, "/download/", headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.mimetype == "text/html"
    for entry in files.values():
        assert entry["name"] in page.get_data(as_text=True)


def test_a_version_less_name_redirects_to_the_current_file(client, stored) -> None:
    _, version = stored
    response = get(client, "/download/mensenhandel-kg.nq.gz")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"mensenhandel-kg-{version}.nq.gz")
    followed = get(client, "/download/mensenhandel-kg.nq.gz", follow_redirects=True)
    assert followed.status_code == 200 and followed.data[:2] == b"\x1f\x8b"


@pytest.mark.parametrize(
    "name",
    [
        "mensenhandel-kg-20200101T000000.000000000Z-abcdef.trig.gz",  # a version never built
        "mensenhandel-kg-..%2F..%2Fetc.trig.gz",
        "mensenhandel-kg.zip",
        "other.trig.gz",
    ],
)
def test_unknown_downloads_get_404(client: FlaskClient, name: str) -> None:
    response = get(client, f"/download/{name}")
    assert response.status_code == 404
    assert response.mimetype == "text/plain"


def test_caching_headers_and_revalidation(client, stored) -> None:
    _, version = stored
    name = f"mensenhandel-kg-{version}.trig.gz"
    response = get(client, f"/download/{name}")
    assert response.status_code == 200
    assert response.mimetype == "application/gzip"
    assert f"filename={name}" in response.headers["Content-Disposition"]
    assert response.headers["Content-Length"] == str(len(response.data))
    assert "immutable" in response.headers["Cache-Control"]
    etag = response.headers["ETag"]
    assert etag.strip('"') == hashlib.sha256(response.data).hexdigest()
    last_modified = parsedate_to_datetime(response.headers["Last-Modified"])
    assert last_modified == version_time(version)
    again = get(client, f"/download/{name}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    since = get(
        client,
        f"/download/{name}",
        headers={"If-Modified-Since": response.headers["Last-Modified"]},
    )
    assert since.status_code == 304
    part = get(client, f"/download/{name}", headers={"Range": "bytes=0-9"})
    assert part.status_code == 206 and part.data == response.data[:10]


# --------------------------------------------------------------------------------------------
# Round trips
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("extension", ["trig", "nq"])
def test_quad_dumps_round_trip_graph_by_graph(
    client, stored, store_graphs, shapes, extension: str
) -> None:
    _, version = stored
    found = parse_quads(fetch(client, extension, version), extension)
    assert set(found) == set(store_graphs) | {DESCRIPTION_GRAPH}
    assert DEFAULT_GRAPH not in found  # the store's default graph is empty
    for name, expected in store_graphs.items():
        assert_isomorphic(expected, found[name], f"graph {name}")
    assert_description_conforms(found[DESCRIPTION_GRAPH], shapes)


@pytest.mark.parametrize(("extension", "syntax"), [("ttl", "turtle"), ("jsonld", "json-ld")])
def test_merged_dumps_round_trip_to_the_union_of_the_graphs(
    client, stored, store_graphs, shapes, extension: str, syntax: str
) -> None:
    _, version = stored
    merged = Graph()
    with warnings.catch_warnings():
        # rdflib 7.6's JSON-LD parser uses its own deprecated ConjunctiveGraph.
        warnings.simplefilter("ignore", DeprecationWarning)
        merged.parse(data=fetch(client, extension, version).decode(), format=syntax)
    description = parse_quads(fetch(client, "trig", version), "trig")[DESCRIPTION_GRAPH]
    expected = Graph()
    for graph in store_graphs.values():
        expected += graph
    expected += description
    assert_isomorphic(expected, merged, f"the merged {extension} dump")


def test_a_dump_is_written_once_per_version(client, stored, app: Flask) -> None:
    _, version = stored
    folder = Path(context.of(app).settings.store_dir) / "downloads" / version
    get(client, "/download/")
    before = {path.name: path.stat().st_mtime_ns for path in folder.iterdir()}
    get(client, "/download/", headers={"Accept": "application/json"})
    get(client, f"/download/mensenhandel-kg-{version}.ttl.gz")
    assert {path.name: path.stat().st_mtime_ns for path in folder.iterdir()} == before
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".tmp-")]


def test_the_downloads_keep_the_description_in_its_own_graph(client, stored) -> None:
    _, version = stored
    text = fetch(client, "nq", version).decode()
    described = [line for line in text.splitlines() if line.endswith(f"<{DESCRIPTION_GRAPH}> .")]
    assert any("http://www.w3.org/ns/dcat#Dataset" in line for line in described)
    assert any("http://www.w3.org/ns/dcat#downloadURL" in line for line in described)
    assert not any("byteSize" in line for line in described)  # a file cannot give its own size
