"""Dereferencing over the real graph: 303 from /id/, content negotiation on /doc/, the
ontology at /def, named graphs, the neighbourhood JSON, and helpful 404s."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, URIRef
from rdflib.compare import graph_diff, isomorphic

from server import context
from server.app import create_app
from server.build import build
from server.config import PROJECT_ROOT, Settings
from tests.http.site_support import SCRIPT_IRI, SCRIPT_LABEL, build_script_store
from tests.http.site_support import expected_description as expected

BASE = Settings().base_iri
CKM = BASE + "id/organisatie/ckm"
FORMATS = {
    "ttl": ("text/turtle", "turtle"),
    "jsonld": ("application/ld+json", "json-ld"),
    "nt": ("application/n-triples", "nt"),
    "rdfxml": ("application/rdf+xml", "xml"),
}
EXTENSIONS = {"ttl": "ttl", "jsonld": "jsonld", "nt": "nt", "rdfxml": "rdf"}
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture
def client(graph_app: Flask) -> FlaskClient:
    """A test client of the app over the real graph."""
    return graph_app.test_client()


def _parse(body: bytes, rdflib_format: str) -> Graph:
    graph = Graph()
    if rdflib_format == "json-ld":
        # rdflib's JSON-LD parser warns that it is deprecated (and warnings are errors here).
        triples = [quad.triple for quad in ox.parse(body, ox.RdfFormat.JSON_LD)]
        body, rdflib_format = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), "nt"
    graph.parse(data=body, format=rdflib_format)
    return graph


def _assert_same(got: Graph, want: Graph) -> None:
    if not isomorphic(got, want):
        _, only_got, only_want = graph_diff(got, want)
        pytest.fail(
            f"graphs differ\nonly served:\n{only_got.serialize(format='nt')}\n"
            f"only expected:\n{only_want.serialize(format='nt')}"
        )


def test_id_answers_303_to_doc_keeping_the_query_string(client: FlaskClient) -> None:
    """An /id/ IRI is a thing, not a document: 303 See Other to its /doc/ page."""
    response = client.get("/id/organisatie/ckm?lang=en", headers={"Accept": "text/turtle"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/doc/organisatie/ckm?lang=en")
    assert "Accept" in response.headers["Vary"]


@pytest.mark.parametrize("short_name", sorted(FORMATS))
def test_doc_negotiates_every_rdf_format_by_accept(
    client: FlaskClient, store: ox.Store, short_name: str
) -> None:
    """Each RDF format by Accept holds exactly the resource's description."""
    media_type, rdflib_format = FORMATS[short_name]
    response = client.get("/doc/organisatie/ckm", headers={"Accept": media_type})
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert "Accept" in response.headers["Vary"]
    _assert_same(_parse(response.data, rdflib_format), expected(store, CKM))


@pytest.mark.parametrize("short_name", sorted(FORMATS))
def test_doc_format_parameter_and_extension_choose_the_same_format(
    client: FlaskClient, store: ox.Store, short_name: str
) -> None:
    """?format= and a file extension override Accept and give the same graph."""
    media_type, rdflib_format = FORMATS[short_name]
    by_parameter = client.get(
        f"/doc/organisatie/ckm?format={short_name}", headers={"Accept": "text/html"}
    )
    by_extension = client.get(
        f"/doc/organisatie/ckm.{EXTENSIONS[short_name]}", headers={"Accept": "text/html"}
    )
    want = expected(store, CKM)
    for response in (by_parameter, by_extension):
        assert response.status_code == 200
        assert response.mimetype == media_type
        _assert_same(_parse(response.data, rdflib_format), want)


def test_doc_describes_blank_nodes_and_incoming_links(client: FlaskClient, store: ox.Store) -> None:
    """A passage keeps its selector blank nodes; a hub keeps the statements pointing to it."""
    passage = BASE + "id/passage/kst-28638-188/1947-2004"
    response = client.get("/doc/passage/kst-28638-188/1947-2004", headers={"Accept": "text/turtle"})
    got = _parse(response.data, "turtle")
    _assert_same(got, expected(store, passage))
    quotes = [str(o) for o in got.objects(None, URIRef("http://www.w3.org/ns/oa#exact"))]
    assert len(quotes) == 1
    assert "Centrum tegen Kinderhandel" in quotes[0]


def test_browsers_get_html_with_security_headers(client: FlaskClient) -> None:
    """A browser's Accept gets the HTML page, with a CSP and the alternates."""
    response = client.get("/doc/organisatie/ckm", headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["Content-Language"] == "nl"
    assert {"Accept", "Cookie"} <= set(response.headers["Vary"].replace(" ", "").split(","))
    assert 'rel="alternate"; type="text/turtle"' in response.headers["Link"]
    page = response.get_data(as_text=True)
    assert "<h1>Centrum tegen Kinderhandel en Mensenhandel</h1>" in page
    assert 'href="/doc/organisatie/ckm.ttl"' in page


def test_entity_page_shows_labelled_values_incoming_links_and_the_quote(
    client: FlaskClient,
) -> None:
    """Values and relations are labelled in Dutch, the quote is marked in its paragraph."""
    page = client.get("/doc/organisatie/ministerie-jenv").get_data(as_text=True)
    assert "gefinancierd door" in page  # incoming mh:fundedBy, by its ontology label
    assert 'href="/doc/activiteit/pilot-oost-brabant"' in page
    assert "<mark>met subsidie van het Ministerie van Justitie en Veiligheid</mark>" in page
    assert "Ten tweede voert het CKM," in page  # the paragraph around the quote
    assert 'href="https://identifier.overheid.nl/tooi/id/ministerie/mnre1058"' in page
    assert ">TOOI<" in page


def test_entity_page_in_english_keeps_the_language_in_links(client: FlaskClient) -> None:
    """?lang=en switches labels and is kept in the links and in a cookie."""
    response = client.get("/doc/organisatie/ministerie-jenv?lang=en")
    page = response.get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "<h1>Ministry of Justice and Security</h1>" in page
    assert "funded by" in page
    assert 'href="/doc/activiteit/pilot-oost-brabant?lang=en"' in page
    assert "lang=en" in response.headers["Set-Cookie"]
    again = client.get("/doc/organisatie/ministerie-jenv")  # the cookie remembers
    assert "<h1>Ministry of Justice and Security</h1>" in again.get_data(as_text=True)


def test_unchanged_documents_answer_304(client: FlaskClient) -> None:
    """An ETag of the store version and language lets clients revalidate cheaply."""
    for accept in ("text/turtle", "text/html"):
        first = client.get("/doc/organisatie/ckm", headers={"Accept": accept})
        etag = first.headers["ETag"]
        again = client.get(
            "/doc/organisatie/ckm", headers={"Accept": accept, "If-None-Match": etag}
        )
        assert again.status_code == 304


@pytest.mark.parametrize("path", ["/id/organisatie/ckn", "/doc/organisatie/ckn"])
def test_unknown_iri_is_a_helpful_html_404_for_browsers(client: FlaskClient, path: str) -> None:
    """The 404 page names similar IRIs and offers a label search."""
    response = client.get(path, headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert 'href="/doc/organisatie/ckm"' in page  # did you mean
    assert 'href="/zoeken?q=ckn"' in page
    assert "Content-Security-Policy" in response.headers


@pytest.mark.parametrize("path", ["/id/organisatie/ckn", "/doc/organisatie/ckn", "/def/nope"])
def test_unknown_iri_is_a_plain_404_for_rdf_clients(client: FlaskClient, path: str) -> None:
    """An RDF client gets a short plain-text 404."""
    response = client.get(path, headers={"Accept": "text/turtle"})
    assert response.status_code == 404
    assert response.mimetype == "text/plain"
    assert "does not occur" in response.get_data(as_text=True)


def test_unacceptable_accept_is_406_and_unknown_format_400(client: FlaskClient) -> None:
    """Nothing matches image/png; ?format=bogus is a client error that lists the formats."""
    refused = client.get("/doc/organisatie/ckm", headers={"Accept": "image/png"})
    assert refused.status_code == 406
    assert "text/turtle" in refused.get_data(as_text=True)
    bogus = client.get("/doc/organisatie/ckm?format=bogus")
    assert bogus.status_code == 400
    assert client.get("/doc/organisatie/ckm?format=csv").status_code == 406


def _ontology_graph(*names: str) -> Graph:
    graph = Graph()
    for name in names:
        graph.parse(PROJECT_ROOT / "ontology" / f"{name}.ttl", publicID=BASE)
    return graph


ONTOLOGY_MODULES = [p.stem for p in sorted((PROJECT_ROOT / "ontology").glob("*.ttl"))]


def test_ontology_rdf_is_the_ontology_files(client: FlaskClient) -> None:
    """/def as Turtle is exactly the union of the ontology files."""
    assert ONTOLOGY_MODULES, "no ontology files found"
    response = client.get("/def", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    _assert_same(_parse(response.data, "turtle"), _ontology_graph(*ONTOLOGY_MODULES))


@pytest.mark.parametrize("short_name", sorted(FORMATS))
def test_ontology_module_negotiates_every_rdf_format(client: FlaskClient, short_name: str) -> None:
    """An ontology module IRI serves its file's graph in each format, by Accept and extension."""
    media_type, rdflib_format = FORMATS[short_name]
    want = _ontology_graph("policy")
    by_accept = client.get("/def/policy", headers={"Accept": media_type})
    by_extension = client.get(f"/def/policy.{EXTENSIONS[short_name]}")
    for response in (by_accept, by_extension):
        assert response.status_code == 200
        assert response.mimetype == media_type
        assert "Accept" in response.headers["Vary"]
        _assert_same(_parse(response.data, rdflib_format), want)


def test_ontology_documentation_covers_every_term(client: FlaskClient) -> None:
    """Every class and property has a section whose id is its fragment, with its labels."""
    ontology = _ontology_graph(*ONTOLOGY_MODULES)
    page = client.get("/def", headers={"Accept": BROWSER_ACCEPT}).get_data(as_text=True)
    terms = {
        str(s)
        for s in ontology.subjects()
        if str(s).startswith(BASE + "def#")
        and (s, URIRef("http://www.w3.org/2000/01/rdf-schema#label"), None) in ontology
    }
    assert len(terms) > 50
    for term in terms:
        assert f'id="{term.partition("#")[2]}"' in page, term
    assert "aanbeveling" in page and "recommendation" in page
    assert "Gebruik in de data" in page


def test_ontology_term_iri_resolves_to_its_section(client: FlaskClient) -> None:
    """def#Recommendation is fetched as /def and lands on its section, with usage counts."""
    page = client.get("/def").get_data(as_text=True)
    section = page.split('id="Recommendation"', 1)[1].split("</article>", 1)[0]
    assert "prov:Entity" in section or "entiteit" in section  # its superclass
    assert "4 instanties" in section  # four recommendations in the data


def test_ontology_module_page_and_rdf(client: FlaskClient) -> None:
    """/def/policy documents the policy terms and serves the policy module's graph."""
    page = client.get("/def/policy").get_data(as_text=True)
    assert 'id="Decision"' in page and 'id="Commitment"' in page
    assert 'id="Person"' not in page
    turtle = client.get("/def/policy", headers={"Accept": "text/turtle"})
    _assert_same(_parse(turtle.data, "turtle"), _ontology_graph("policy"))


def test_shapes_namespace_is_documented(client: FlaskClient) -> None:
    """/def/shapes (the mhsh: namespace) lists every shape, as HTML and as RDF."""
    page = client.get("/def/shapes").get_data(as_text=True)
    assert page.count('class="term"') > 30
    turtle = _parse(client.get("/def/shapes.ttl").data, "turtle")
    shape_type = URIRef("http://www.w3.org/ns/shacl#NodeShape")
    assert len(set(turtle.subjects(predicate=None, object=shape_type))) > 10


def test_named_graph_iri_resolves(client: FlaskClient, store: ox.Store) -> None:
    """A named graph IRI serves its subjects as HTML and its triples as RDF."""
    page = client.get("/graph/data/actors").get_data(as_text=True)
    assert 'href="/doc/organisatie/ckm"' in page
    turtle = client.get("/graph/data/actors", headers={"Accept": "text/turtle"})
    graph = ox.NamedNode(BASE + "graph/data/actors")
    triples = [q.triple for q in store.quads_for_pattern(None, None, None, graph)]
    assert len(triples) > 100
    want = _parse(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), "nt")
    _assert_same(_parse(turtle.data, "turtle"), want)
    assert client.get("/graph/data/nothing").status_code == 404


def test_neighbours_json(client: FlaskClient) -> None:
    """The drawing's JSON names the neighbours and the labelled links to them."""
    response = client.get(f"/neighbours?iri={CKM}")
    assert response.status_code == 200
    data = json.loads(response.data)
    assert data["centre"] == CKM
    hrefs = {node["href"] for node in data["nodes"]}
    assert "/doc/document/voorbij-de-pixels" in hrefs
    assert any(edge["label"] == "uitgevoerd door" for edge in data["edges"])
    assert client.get("/neighbours?iri=not an iri").status_code == 400
    assert client.get("/neighbours").status_code == 400
    assert client.get(f"/neighbours?iri={BASE}id/organisatie/none").status_code == 404


def test_head_requests_work(client: FlaskClient) -> None:
    """HEAD answers like GET without a body."""
    response = client.head("/doc/organisatie/ckm", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.mimetype == "text/turtle"


def test_script_in_a_label_is_escaped(tmp_path: Path) -> None:
    """Markup in literals is shown as text everywhere: title, values, links, drawing."""
    settings = Settings(store_dir=build_script_store(tmp_path / "store"), query_processes=1)
    application = create_app(settings)
    try:
        client = application.test_client()
        for path in (f"/doc/{SCRIPT_IRI[3:]}", "/doc/organisatie/neighbour", "/zoeken?q=script"):
            page = client.get(path).get_data(as_text=True)
            assert "<script>window" not in page, path
            assert "onerror=" not in page.replace("onerror=&#34;", ""), path
            assert "<svg onload" not in page, path
        page = client.get(f"/doc/{SCRIPT_IRI[3:]}").get_data(as_text=True)
        assert "&lt;script&gt;window.pwned = true;&lt;/script&gt;" in page
        data = json.loads(client.get(f"/neighbours?iri={BASE}{SCRIPT_IRI}").data)
        assert SCRIPT_LABEL in {node["label"] for node in data["nodes"]}
    finally:
        context.of(application).executor.close()


@pytest.fixture(scope="module")
def other_base_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """An app over the real graph built under another base IRI, with a path."""
    settings = Settings(
        base_iri="http://data.example.test/kg/",
        store_dir=tmp_path_factory.mktemp("other-base"),
        query_processes=1,
    )
    build(settings)
    application = create_app(settings)
    yield application
    context.of(application).executor.close()


def test_another_base_maps_to_the_servers_own_paths(other_base_app: Flask) -> None:
    """With base http://data.example.test/kg/, /id/organisatie/ckm on this server means
    http://data.example.test/kg/id/organisatie/ckm, and its links stay on this server."""
    client = other_base_app.test_client()
    assert client.get("/id/organisatie/ckm").status_code == 303
    turtle = _parse(
        client.get("/doc/organisatie/ckm", headers={"Accept": "text/turtle"}).data, "turtle"
    )
    assert (URIRef("http://data.example.test/kg/id/organisatie/ckm"), None, None) in turtle
    page = client.get("/doc/organisatie/ministerie-jenv").get_data(as_text=True)
    assert "<code>http://data.example.test/kg/id/organisatie/ministerie-jenv</code>" in page
    assert 'href="/doc/activiteit/pilot-oost-brabant"' in page
    assert 'href="/def#GovernmentBody"' in page
