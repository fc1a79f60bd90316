"""Requests that would make the server connect to a URL, if anything let them.

Shared by the SSRF tests and by the test of the test, which sends them to a server whose
guard is switched off and expects the listener to be called.
"""

from __future__ import annotations

from urllib.parse import urlencode

from tests.http.support import EX, load_disguises, service_disguises
from tests.live_server import LiveServer, Reply
from tests.reliability.conftest import TOKEN
from tests.reliability.listener import LoopbackListener

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
AUTHORISED = {"Authorization": f"Bearer {TOKEN}"}
BODY = "{ ?s ?p ?o }"


def more_service_disguises(url: str) -> dict[str, str]:
    """Return disguises of SERVICE beyond tests/http's set."""
    scheme, rest = url.split("://", 1)
    host_and_port, _, path = rest.partition("/")
    return {
        "escaped scheme": f"SELECT * {{ SERVICE <\\u0068ttp://{rest}> {BODY} }}",
        "all of the IRI escaped": (
            "SELECT * { SERVICE <" + "".join(f"\\u{ord(c):04x}" for c in url) + f"> {BODY} }}"
        ),
        "BASE with the host, relative path": (
            f"BASE <{scheme}://{host_and_port}/> SELECT * {{ SERVICE <{path}> {BODY} }}"
        ),
        "BASE relative to BASE": (
            f"BASE <{scheme}://{host_and_port}/a/b/> SELECT * {{ SERVICE <../../{path}> {BODY} }}"
        ),
        "prefix with an empty name": f"PREFIX : <{url}> SELECT * {{ SERVICE : {BODY} }}",
        "variable bound by BIND": f"SELECT * {{ BIND(<{url}> AS ?x) SERVICE ?x {BODY} }}",
        "variable bound by VALUES after": (
            f"SELECT * {{ SERVICE ?x {BODY} VALUES ?x {{ <{url}> }} }}"
        ),
        "SILENT and a variable": f"SELECT * {{ VALUES ?x {{ <{url}> }} SERVICE SILENT ?x {BODY} }}",
        "SERVICE inside SERVICE": (f"SELECT * {{ SERVICE <{url}> {{ SERVICE <{url}> {BODY} }} }}"),
        "in MINUS": f"SELECT * {{ ?s ?p ?o MINUS {{ SERVICE <{url}> {BODY} }} }}",
        "in UNION": f"SELECT * {{ {{ ?s ?p ?o }} UNION {{ SERVICE <{url}> {BODY} }} }}",
        "in GRAPH": f"SELECT * {{ GRAPH ?g {{ SERVICE <{url}> {BODY} }} }}",
        "in NOT EXISTS": f"SELECT * {{ ?s ?p ?o FILTER NOT EXISTS {{ SERVICE <{url}> {BODY} }} }}",
        "in a BIND expression": (f"SELECT * {{ BIND(EXISTS {{ SERVICE <{url}> {BODY} }} AS ?e) }}"),
        "comment between keyword and IRI": f"SELECT * {{ SERVICE # a comment\n <{url}> {BODY} }}",
        "tabs and form feeds": f"SELECT * {{\tSERVICE\f<{url}>\t{BODY} }}",
        "DESCRIBE with SERVICE": f"DESCRIBE ?s WHERE {{ SERVICE <{url}> {BODY} }}",
        "FROM the URL": f"SELECT * FROM <{url}> {BODY}",
        "FROM NAMED the URL": f"SELECT * FROM NAMED <{url}> {{ GRAPH ?g {BODY} }}",
    }


def more_load_disguises(url: str) -> dict[str, str]:
    """Return disguises of LOAD (and other updates naming a URL) beyond tests/http's set."""
    return {
        "mixed case": f"LoAd <{url}>",
        "into the default graph after a comment": f"# load it\nLOAD SILENT <{url}>",
        "escaped IRI": "LOAD <" + "".join(f"\\u{ord(c):04x}" for c in url) + ">",
        "BASE-relative": f"BASE <{url.rsplit('/', 1)[0]}/> LOAD <{url.rsplit('/', 1)[1]}>",
        "prefixed": f"PREFIX x: <{url.rsplit('/', 1)[0]}/> LOAD x:{url.rsplit('/', 1)[1]}",
        "second of two operations": f"CLEAR SILENT GRAPH <{EX}none> ; LOAD <{url}>",
        "WITH the URL": f"WITH <{url}> INSERT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}",
        "USING the URL": f"INSERT {{ ?s ?p ?o }} USING <{url}> WHERE {{ ?s ?p ?o }}",
    }


def every_query_disguise(listener: LoopbackListener) -> dict[str, str]:
    """Return every SERVICE disguise for every spelling of the listener's address."""
    disguises = {}
    for spelling, url in listener.urls().items():
        for name, text in {**service_disguises(url), **more_service_disguises(url)}.items():
            disguises[f"{name} / {spelling}"] = text
    return disguises


def every_update_disguise(listener: LoopbackListener) -> dict[str, str]:
    """Return every LOAD disguise for every spelling of the listener's address."""
    disguises = {}
    for spelling, url in listener.urls().items():
        for name, text in {**load_disguises(url), **more_load_disguises(url)}.items():
            disguises[f"{name} / {spelling}"] = text
    return disguises


def send_query(server: LiveServer, text: str, how: str) -> Reply:
    """Send a query to /sparql by GET, form POST or direct POST."""
    if how == "GET":
        return server.request("GET", "/sparql?" + urlencode({"query": text}))
    if how == "form":
        return server.request("POST", "/sparql", urlencode({"query": text}).encode(), FORM)
    direct = {"Content-Type": "application/sparql-query"}
    return server.request("POST", "/sparql", text.encode(), direct)


def send_update(server: LiveServer, text: str) -> Reply:
    """Send an update with the token, so that only the guard stands in the way."""
    body = urlencode({"update": text}).encode()
    return server.request("POST", "/sparql", body, {**FORM, **AUTHORISED})
