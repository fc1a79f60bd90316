"""No request makes the server connect anywhere: SERVICE, LOAD and every other way in."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.live_server import PROJECT_ROOT, LiveServer, server_environment
from tests.reliability.graphs import EX
from tests.reliability.listener import LoopbackListener, listening
from tests.reliability.reaching_out import (
    AUTHORISED,
    every_query_disguise,
    every_update_disguise,
    send_query,
    send_update,
)
from tests.reliability.routes import Route, discover_routes, example_path

SCRATCH_GRAPH = EX + "graph/ssrf-scratch"


@pytest.fixture
def listener() -> Iterator[LoopbackListener]:
    """A loopback listener that must never be called."""
    yield from listening()


def assert_refused(reply_status: int, text: str, name: str) -> None:
    """Check a SERVICE or LOAD was refused with a clear client error."""
    assert reply_status in (400, 403), (name, reply_status, text[:300])
    assert text.strip(), name


def test_service_in_every_disguise_and_spelling(
    server: LiveServer, listener: LoopbackListener
) -> None:
    disguises = every_query_disguise(listener)
    assert len(disguises) > 400
    for name, text in disguises.items():
        reply = send_query(server, text, "GET")
        if name.startswith("FROM"):
            assert reply.status < 500, (name, reply.text[:300])  # a graph name, never fetched
        else:
            assert_refused(reply.status, reply.text, name)
    for name, text in list(disguises.items())[:60]:
        for how in ("form", "direct"):
            reply = send_query(server, text, how)
            assert reply.status < 500, (name, how, reply.text[:300])
    assert listener.connections == []


def test_load_in_every_disguise_with_the_token(
    server: LiveServer, listener: LoopbackListener
) -> None:
    disguises = every_update_disguise(listener)
    assert len(disguises) > 100
    for name, text in disguises.items():
        reply = send_update(server, text)
        if name.startswith(("WITH", "USING")):
            assert reply.status < 500, (name, reply.text[:300])  # names a graph, fetches nothing
        else:
            assert_refused(reply.status, reply.text, name)
    assert listener.connections == []


def test_protocol_dataset_parameters_name_graphs_and_fetch_nothing(
    server: LiveServer, listener: LoopbackListener
) -> None:
    for url in listener.urls().values():
        for parameter in ("default-graph-uri", "named-graph-uri"):
            query = {"query": "SELECT * { ?s ?p ?o } LIMIT 1", parameter: url}
            reply = server.request("GET", "/sparql?" + urlencode(query))
            assert reply.status in (200, 400), reply.text[:300]
        reply = server.request("GET", "/store?" + urlencode({"graph": url}))
        assert reply.status in (400, 404), reply.text[:300]
    assert listener.connections == []


def test_no_route_fetches_a_url_it_is_given(
    server: LiveServer, listener: LoopbackListener, reliability_store: Path
) -> None:
    """Every GET route, with the listener's URL in every header and parameter that could
    name a context, a profile, a format or a resource."""
    routes: list[Route] = [r for r in discover_routes(reliability_store) if "GET" in r.methods]
    url = listener.urls()["dotted"]
    headers = {
        "Accept": f'text/turtle;profile="{url}", application/ld+json;profile={url}, */*',
        "Accept-Profile": f"<{url}>",
        "Link": f'<{url}>; rel="profile"',
        "Referer": url,
        "Origin": url,
        "X-Forwarded-Host": f"127.0.0.1:{listener.port}",
        "Forwarded": f"host=127.0.0.1:{listener.port}",
    }
    names = ("iri", "uri", "url", "graph", "profile", "_profile", "context", "format", "q")
    parameters = urlencode({name: url for name in names})
    for route in routes:
        reply = server.request("GET", f"{example_path(route)}?{parameters}", headers=headers)
        assert reply.status < 500, (route.rule, reply.status, reply.text[:300])
    assert listener.connections == []


def _write(server: LiveServer, payload: bytes, content_type: str) -> tuple[int, str]:
    path = "/store?" + urlencode({"graph": SCRATCH_GRAPH})
    reply = server.request(
        "PUT", path, payload, {"Content-Type": content_type, **AUTHORISED}, timeout=30
    )
    return reply.status, reply.text


def _scratch_turtle(server: LiveServer) -> str:
    reply = server.request(
        "GET", "/store?" + urlencode({"graph": SCRATCH_GRAPH}), headers={"Accept": "text/turtle"}
    )
    return reply.text if reply.status == 200 else ""


def _remove_scratch(server: LiveServer) -> None:
    path = "/store?" + urlencode({"graph": SCRATCH_GRAPH})
    assert server.request("DELETE", path, headers=AUTHORISED).status in (204, 404)


def test_json_ld_remote_contexts_are_not_fetched(
    server: LiveServer, listener: LoopbackListener
) -> None:
    url = listener.urls()["dotted"]
    documents = {
        "remote @context": f'{{"@context": "{url}", "@id": "{EX}a", "name": "x"}}',
        "remote @context in a list": (
            f'{{"@context": ["{url}", {{"n": "{EX}n"}}], "@id": "{EX}a", "n": "x"}}'
        ),
        "@import": f'{{"@context": {{"@import": "{url}"}}, "@id": "{EX}a"}}',
        "scoped remote context": (
            f'{{"@context": {{"p": {{"@id": "{EX}p", "@context": "{url}"}}}}, '
            f'"@id": "{EX}a", "p": {{"@id": "{EX}b"}}}}'
        ),
        "@base and relative @id": f'{{"@context": {{"@base": "{url}"}}, "@id": "x"}}',
    }
    try:
        for name, document in documents.items():
            status, text = _write(server, document.encode(), "application/ld+json")
            assert status in (201, 204, 400), (name, status, text[:300])
            if status == 400:
                assert "context" in text.lower(), (name, text[:300])
    finally:
        _remove_scratch(server)
    assert listener.connections == []


def test_rdf_xml_external_entities_are_not_resolved(
    server: LiveServer, listener: LoopbackListener
) -> None:
    url = listener.urls()["dotted"]
    document = f"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [
  <!ENTITY remote SYSTEM "{url}">
  <!ENTITY local SYSTEM "file:///etc/passwd">
  <!ENTITY % parameter SYSTEM "{url}"> %parameter;
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="{EX}">
  <rdf:Description rdf:about="{EX}a"><ex:p>&remote;</ex:p><ex:q>&local;</ex:q></rdf:Description>
</rdf:RDF>"""
    try:
        status, text = _write(server, document.encode(), "application/rdf+xml")
        assert status in (201, 204, 400), (status, text[:300])
        assert "root:" not in _scratch_turtle(server)
    finally:
        _remove_scratch(server)
    assert listener.connections == []


def test_owl_imports_in_written_data_are_not_followed(
    server: LiveServer, listener: LoopbackListener
) -> None:
    url = listener.urls()["dotted"]
    turtle = f"""@prefix owl: <http://www.w3.org/2002/07/owl#> .
<{EX}ontology> a owl:Ontology ; owl:imports <{url}> , <{listener.urls()["IPv6 loopback"]}> ."""
    try:
        status, text = _write(server, turtle.encode(), "text/turtle")
        assert status in (201, 204), (status, text[:300])
        assert url in _scratch_turtle(server)  # stored as data, nothing more
    finally:
        _remove_scratch(server)
    assert listener.connections == []


def test_a_build_does_not_follow_owl_imports(tmp_path: Path, listener: LoopbackListener) -> None:
    """`mhkg build` validates with pyshacl and loads with pyoxigraph: neither may fetch."""
    directories = {name: tmp_path / name for name in ("ontology", "data", "shapes")}
    for directory in directories.values():
        directory.mkdir()
    imports = " , ".join(f"<{url}>" for url in listener.urls().values())
    (directories["ontology"] / "ontology.ttl").write_text(
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        f"<def> a owl:Ontology ; owl:imports {imports} .\n"
    )
    (directories["data"] / "data.ttl").write_text(
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        f"<id/thing> a <def#Thing> ; owl:imports <{listener.urls()['localhost']}> .\n"
    )
    (directories["shapes"] / "shapes.ttl").write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        f"<shapes> a owl:Ontology ; owl:imports <{listener.urls()['decimal']}> .\n"
        "<ThingShape> a sh:NodeShape ; sh:targetClass <def#Thing> .\n"
    )
    environment = server_environment(
        tmp_path / "store",
        0,
        ontology_dir=directories["ontology"],
        data_dir=directories["data"],
        shapes_dir=directories["shapes"],
    )
    finished = subprocess.run(
        [sys.executable, "-m", "server.cli", "build"],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert listener.connections == []
