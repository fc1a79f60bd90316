"""Hostile data and parameters are shown as data everywhere: pages, API, results, downloads.

The composed store holds probe resources whose labels carry markup, whose links are
`javascript:` IRIs and whose IRIs hold quotes. Every page reachable from the routes (and
from the probes' own pages) is read as a browser would read it.
"""

from __future__ import annotations

import gzip
import json
import time
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import pyoxigraph as ox
import pytest

from server.config import Settings
from tests.live_server import LiveServer, Reply, running_server
from tests.reliability.conftest import SERVER_SETTINGS
from tests.reliability.graphs import MARKUP_PAYLOADS, XSS_MARKER, probe_iris
from tests.reliability.markup import check_page
from tests.reliability.routes import Route, discover_routes, example_path
from tests.reliability.test_access_control import store_fingerprint

MAX_PAGES = 150
CRAWL_BUDGET_S = 60
SPARQL_IN_PARAMETERS = (
    '") } ; DROP ALL ; SELECT * WHERE { ?s ?p ?o } #',
    "' || true || '",
    'x" || true || "',
    "?s ?p ?o } UNION { ?s ?p ?o",
    "> } ; CLEAR ALL ; #",
    "<script>mhkgxss(20)</script>",
    "\\u0022) || true #",
)
NOTHING = "qqq-no-such-thing-zzz"
DUMP_FORMATS = {
    ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".ttl": ox.RdfFormat.TURTLE,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
}


def _probe_refs() -> list[str]:
    base = Settings().base_iri
    return [iri.removeprefix(base + "id/") for iri in probe_iris(Settings())]


def _start_paths(routes: list[Route]) -> list[str]:
    paths = [example_path(route) for route in routes if "GET" in route.methods]
    for ref in _probe_refs():
        paths += [f"/doc/{quote(ref)}", f"/id/{quote(ref)}"]
    payload = MARKUP_PAYLOADS[0]
    paths += [
        "/zoeken?" + urlencode({"q": XSS_MARKER}),
        "/zoeken?" + urlencode({"q": payload}),
        "/doc/" + quote(payload, safe=""),
        "/neighbours?" + urlencode({"iri": probe_iris(Settings())[0]}),
        "/query?"
        + urlencode(
            {
                "query": "SELECT ?s ?label WHERE { ?s ?p ?label "
                f'FILTER(CONTAINS(STR(?label), "{XSS_MARKER}")) }}'
            }
        ),
    ]
    return paths


def _internal_path(link: str, server: LiveServer) -> str | None:
    """Return the path (and query) of a link into the site, or None for any other link."""
    parts = urlsplit(link)
    ours = parts.netloc in ("", f"127.0.0.1:{server.port}", f"localhost:{server.port}")
    if parts.scheme not in ("", "http") or not ours or not parts.path.startswith("/"):
        return None
    return parts._replace(scheme="", netloc="", fragment="").geturl()


def crawl(server: LiveServer, start: list[str]) -> dict[str, Reply]:
    """Fetch the start paths and the site links from them, breadth first, within bounds."""
    seen: dict[str, Reply] = {}
    queue = deque(start)
    deadline = time.monotonic() + CRAWL_BUDGET_S
    while queue and len(seen) < MAX_PAGES and time.monotonic() < deadline:
        path = queue.popleft()
        if path in seen or path.startswith(("/sparql", "/download/", "/store")):
            continue
        reply = server.request("GET", path, headers={"Accept": "text/html,*/*;q=0.5"})
        if reply.status in (301, 302, 303, 307, 308) and reply.headers.get("Location"):
            location = reply.headers["Location"]
            location = urlsplit(location)._replace(scheme="", netloc="").geturl()
            queue.appendleft(location)
        seen[path] = reply
        if reply.media_type == "text/html":
            links = (_internal_path(link, server) for link in check_page(reply.text).links)
            queue.extend(link for link in links if link)
    return seen


@pytest.fixture(scope="module")
def server(
    reliability_store: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A server of this module's own, with a time limit that the API index fits in.

    Listing the API's parameter values runs many queries; under the shared server's 2 s
    limit the index of the composed store (18,000 triples) is borderline.
    """
    log = tmp_path_factory.mktemp("injection") / "server.log"
    with running_server(
        reliability_store, log, **{**SERVER_SETTINGS, "query_timeout_s": 10}
    ) as live:
        yield live


@pytest.fixture(scope="module")
def crawled(server: LiveServer, reliability_store: Path) -> dict[str, Reply]:
    """Every page the crawl reached, by path."""
    pages = crawl(server, _start_paths(discover_routes(reliability_store)))
    assert len(pages) >= 30, sorted(pages)
    return pages


def test_no_page_runs_or_links_hostile_data(crawled: dict[str, Reply]) -> None:
    problems = []
    for path, reply in crawled.items():
        assert reply.status < 500, (path, reply.status, reply.text[:300])
        if reply.media_type == "text/html":
            problems += [f"{path}: {problem}" for problem in check_page(reply.text).problems]
        elif reply.media_type.endswith("json") and reply.status == 200:
            json.loads(reply.data)  # data in JSON is escaped, not spliced
        elif XSS_MARKER in reply.text and reply.status >= 400:
            assert reply.media_type == "text/plain", (path, reply.media_type)
    assert not problems, problems[:10]


def test_the_probes_own_pages_show_the_markup_as_text(crawled: dict[str, Reply]) -> None:
    shown = []
    for ref in _probe_refs():
        reply = crawled.get(f"/doc/{quote(ref)}")
        assert reply is not None and reply.status == 200, ref
        text = "".join(check_page(reply.text).text)
        shown.append(any(payload in text for payload in MARKUP_PAYLOADS))
    assert all(shown), "a probe's markup was dropped instead of shown as text"


def _operations(server: LiveServer) -> dict[str, list[dict]]:
    reply = server.request("GET", "/api/openapi.json")
    assert reply.status == 200, reply.text[:300]
    document = json.loads(reply.data)
    return {
        path: operation.get("parameters", [])
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method == "get"
    }


def _example(parameter: dict) -> str:
    examples = list((parameter.get("examples") or {}).values())
    if examples:
        return str(examples[0]["value"])
    return str(parameter.get("example", parameter.get("schema", {}).get("default", "")))


def _rows(reply: Reply) -> int:
    return int(reply.headers.get("MHKG-Total-Rows") or 0)


def test_api_parameters_with_sparql_syntax_are_bound_as_data(
    server: LiveServer, reliability_store: Path
) -> None:
    operations = _operations(server)
    assert operations, "the OpenAPI document lists no operations"
    before = store_fingerprint(reliability_store)
    tried = 0
    for path, parameters in operations.items():
        for parameter in parameters:
            if parameter.get("in") != "query" or parameter["name"] in ("page", "per_page"):
                continue
            others = {
                p["name"]: _example(p)
                for p in parameters
                if p.get("required") and p["name"] != parameter["name"]
            }
            baseline = server.request(
                "GET", f"{path}?{urlencode({**others, parameter['name']: NOTHING})}"
            )
            for value in SPARQL_IN_PARAMETERS:
                query = urlencode({**others, parameter["name"]: value})
                reply = server.request("GET", f"{path}?{query}")
                tried += 1
                assert reply.status in (200, 400, 404), (path, value, reply.text[:300])
                if reply.status == 200 and baseline.status == 200:
                    # Had the value become query text, `|| true` would match everything.
                    assert _rows(reply) <= max(_rows(baseline), 1), (path, parameter, value)
    assert tried > 0
    assert store_fingerprint(reliability_store) == before


def test_results_and_downloads_carry_the_markup_as_plain_data(server: LiveServer) -> None:
    probe = probe_iris(Settings())[0]
    for accept, parse in (
        ("text/turtle", ox.RdfFormat.TURTLE),
        ("application/ld+json", ox.RdfFormat.JSON_LD),
        ("application/rdf+xml", ox.RdfFormat.RDF_XML),
        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    ):
        reply = server.request(
            "GET",
            "/sparql?" + urlencode({"query": f"DESCRIBE <{probe}>"}),
            headers={"Accept": accept},
        )
        assert reply.status == 200, reply.text[:300]
        values = {
            t.object.value for t in ox.parse(reply.data, parse) if isinstance(t.object, ox.Literal)
        }
        assert set(MARKUP_PAYLOADS) <= values, accept

    listing = server.request("GET", "/download/", headers={"Accept": "text/html"})
    assert listing.status == 200
    links = (_internal_path(link, server) for link in check_page(listing.text).links)
    dumps = [link for link in links if link and link.startswith("/download/") and link[10:]]
    checked = 0
    for link in dict.fromkeys(dumps):
        reply = server.request("GET", link, timeout=60)
        if reply.status in (301, 302, 303, 307, 308):
            continue  # "newest" names redirect to the versioned files, which are listed too
        assert reply.status == 200, (link, reply.text[:300])
        name = urlsplit(link).path.removesuffix(".gz")
        data = gzip.decompress(reply.data) if reply.data[:2] == b"\x1f\x8b" else reply.data
        suffix = next((s for s in DUMP_FORMATS if name.endswith(s)), None)
        if suffix is None:
            continue  # a manifest or checksum file
        literals = {
            quad.object.value
            for quad in ox.parse(data, DUMP_FORMATS[suffix])
            if isinstance(quad.object, ox.Literal)
        }
        assert set(MARKUP_PAYLOADS) <= literals, link
        checked += 1
    assert checked > 0, dumps
