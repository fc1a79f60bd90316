"""Hostile and random requests to every route: never a 5xx, never a hang, always a clear error.

The routes come from the app's url_map when the tests run. Every request goes to the real
server with a client timeout.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote, quote_from_bytes, urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.guard import MAX_NESTING
from tests.live_server import LiveServer, Reply, running_server
from tests.reliability.conftest import CLIENT_TIMEOUT_S, FUZZ_SETTINGS, TIMEOUT_S, TOKEN
from tests.reliability.graphs import EX
from tests.reliability.routes import KNOWN_VALUES, Route, discover_routes, example_path

SCRATCH_GRAPH = EX + "graph/fuzz-scratch"
METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE", "PROPFIND")
PARAMETER_NAMES = (
    "query",
    "update",
    "format",
    "default-graph-uri",
    "named-graph-uri",
    "graph",
    "default",
    "lang",
    "q",
    "page",
    "per_page",
    "iri",
    "uri",
    "_label",
    "label",
)
MEDIA_TYPES = (
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
    "text/turtle",
    "application/n-triples",
    "application/ld+json",
    "application/rdf+xml",
    "application/n-quads",
    "application/trig",
    "text/html",
    "application/json",
    "application/x-www-form-urlencoded",
    "application/sparql-query",
    "application/sparql-update",
    "multipart/form-data; boundary=x",
    "text/plain; charset=latin-1",
    "image/png",
    "*/*",
    "text/*",
    "*/*;q=0",
    "text/turtle;q=0.5, application/ld+json;q=NaN, */*;q=-1",
    "application/json; profile=http://127.0.0.1:1/ctx",
    ";;;,,,",
    "a" * 2000,
)
SPARQL_FRAGMENTS = (
    "SELECT",
    "*",
    "WHERE",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "?s",
    "?p",
    "?o",
    "<http://example.org/a>",
    "ex:a",
    "PREFIX ex: <http://example.org/>",
    "BASE <http://example.org/>",
    "FILTER",
    "REGEX(?o, '(a|aa)+b')",
    "OPTIONAL",
    "UNION",
    "GRAPH",
    "VALUES",
    "BIND",
    "AS",
    "LIMIT 5",
    "ORDER BY",
    "GROUP BY",
    "CONSTRUCT",
    "ASK",
    "DESCRIBE",
    "INSERT DATA",
    "DELETE",
    "SERVICE",
    "LOAD",
    "'",
    '"',
    '"""',
    "#",
    "\\u0053",
    "\x00",
    "\ufffd",
    "^^<http://www.w3.org/2001/XMLSchema#integer>",
    "@nl",
    "1e999999",
    "-0",
    ".",
    ";",
    ",",
    "|",
    "/",
    "^",
    "*",
    "+",
    "?",
)


@pytest.fixture(scope="module")
def routes(reliability_store: Path) -> list[Route]:
    """Every route the app registers now."""
    found = discover_routes(reliability_store)
    assert any(route.rule == "/sparql" for route in found), [route.rule for route in found]
    return found


@pytest.fixture(scope="module")
def workers_at_start(server: LiveServer) -> set[int]:
    """The server's worker processes before this module's first request."""
    return server.direct_children()


def assert_clear_answer(reply: Reply, method: str) -> None:
    """Check that the answer is no server error and, if an error, says what went wrong."""
    timed_out = reply.status == 503 and b"time limit" in reply.data
    assert reply.status < 500 or timed_out, (reply.status, reply.text[:500])
    if reply.status >= 400 and method != "HEAD":
        assert reply.data.strip(), f"an empty {reply.status}"
        assert reply.headers.get("Content-Type"), f"a {reply.status} without Content-Type"
        assert "Traceback" not in reply.text
        assert len(reply.data) < 100_000, "an error message should be short"
    if reply.status == 405:
        assert reply.headers.get("Allow"), "a 405 must say which methods are allowed"


def _percent_encoded(value: str | bytes) -> str:
    raw = value.encode("utf-8", "surrogatepass") if isinstance(value, str) else value
    return quote_from_bytes(raw, safe="")


parameter_values = st.one_of(
    st.text(max_size=60),
    st.sampled_from(KNOWN_VALUES),
    st.lists(st.sampled_from(SPARQL_FRAGMENTS), max_size=25).map(" ".join),
    st.binary(max_size=40),  # often not UTF-8 once percent-decoded
    st.sampled_from(
        [
            "",
            "\x00",
            "%",
            "http://127.0.0.1:1/",
            "javascript:alert(1)",
            "x" * 3000,
            "<script>alert(1)</script>",
        ]
    ),
)
query_strings = st.lists(
    st.tuples(st.one_of(st.sampled_from(PARAMETER_NAMES), st.text(max_size=10)), parameter_values),
    max_size=5,
).map(lambda pairs: "&".join(f"{_percent_encoded(k)}={_percent_encoded(v)}" for k, v in pairs))
header_values = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
    max_size=80,
)
headers = st.fixed_dictionaries(
    {},
    optional={
        "Accept": st.one_of(st.sampled_from(MEDIA_TYPES), header_values),
        "Content-Type": st.one_of(st.sampled_from(MEDIA_TYPES), header_values),
        "Accept-Language": st.one_of(st.sampled_from(["nl", "en", "*", "xx;q=2"]), header_values),
        "Authorization": st.one_of(
            st.just("Bearer"), header_values.map(lambda v: "Bearer " + v), header_values
        ),
        "If-None-Match": st.one_of(st.just("*"), header_values),
        "Range": st.one_of(st.just("bytes=0-0"), header_values),
        "X-Forwarded-For": header_values,
        "Origin": header_values,
    },
)
bodies = st.one_of(
    st.none(),
    st.binary(max_size=2000),
    st.lists(st.sampled_from(SPARQL_FRAGMENTS), max_size=40).map(lambda p: " ".join(p).encode()),
    query_strings.map(str.encode),
    st.recursive(
        st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20)),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.sampled_from(["@context", "@id", "@graph", "x"]), children)
        ),
        max_leaves=12,
    ).map(lambda document: json.dumps(document).encode()),
)


@st.composite
def requests(draw: st.DrawFn, routes: list[Route]) -> tuple[str, str, bytes | None, dict]:
    """Draw (method, path, body, headers) aimed at one of `routes`."""
    route = draw(st.sampled_from(routes))
    method = draw(st.one_of(st.sampled_from(sorted(route.methods)), st.sampled_from(METHODS)))
    values = [
        draw(
            st.one_of(
                st.sampled_from(KNOWN_VALUES),
                st.text(min_size=1, max_size=40).filter(lambda v: v not in (".", "..")),
            )
        )
        for _ in route.arguments
    ]
    path = route.path(values)
    query = draw(query_strings)
    if query:
        path += "?" + query
    return method, path, draw(bodies), draw(headers)


@given(data=st.data())
@settings(FUZZ_SETTINGS, max_examples=300)
def test_random_requests_to_every_route(
    server: LiveServer, routes: list[Route], workers_at_start: set[int], data: st.DataObject
) -> None:
    method, path, body, request_headers = data.draw(requests(routes))
    reply = server.request(method, path, body, request_headers, timeout=CLIENT_TIMEOUT_S)
    assert_clear_answer(reply, method)


sparql_texts = st.lists(
    st.one_of(st.sampled_from(SPARQL_FRAGMENTS), st.text(max_size=8)), max_size=40
).map(" ".join)


@given(text=sparql_texts, how=st.sampled_from(["GET", "form", "direct", "update"]))
@settings(FUZZ_SETTINGS, max_examples=200)
def test_random_sparql_text(server: LiveServer, text: str, how: str) -> None:
    raw = text.encode("utf-8", "surrogatepass")
    if how == "GET":
        reply = server.request(
            "GET", "/sparql?query=" + quote_from_bytes(raw), timeout=CLIENT_TIMEOUT_S
        )
    elif how == "form":
        body = b"query=" + quote_from_bytes(raw).encode()
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        reply = server.request("POST", "/sparql", body, form, timeout=CLIENT_TIMEOUT_S)
    elif how == "direct":
        direct = {"Content-Type": "application/sparql-query"}
        reply = server.request("POST", "/sparql", raw, direct, timeout=CLIENT_TIMEOUT_S)
    else:  # an update without the token: refused before it is even parsed
        body = b"update=" + quote_from_bytes(raw).encode()
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        reply = server.request("POST", "/sparql", body, form, timeout=CLIENT_TIMEOUT_S)
        assert reply.status in (400, 403), reply.text
    assert_clear_answer(reply, "POST")


@given(
    method=st.sampled_from(["PUT", "POST"]),
    content_type=st.one_of(st.sampled_from(MEDIA_TYPES), header_values),
    payload=st.one_of(
        st.binary(max_size=3000),
        st.lists(st.sampled_from(SPARQL_FRAGMENTS), max_size=40).map(
            lambda p: " ".join(p).encode()
        ),
        bodies.filter(lambda body: body is not None),
    ),
)
@settings(FUZZ_SETTINGS, max_examples=40)
def test_random_payloads_with_the_token(
    server: LiveServer, method: str, content_type: str, payload: bytes
) -> None:
    """Writes that pass the token check still never break the server, whatever they carry."""
    request_headers = {"Content-Type": content_type, "Authorization": f"Bearer {TOKEN}"}
    path = "/store?" + urlencode({"graph": SCRATCH_GRAPH})
    reply = server.request(method, path, payload, request_headers, timeout=CLIENT_TIMEOUT_S)
    assert_clear_answer(reply, method)
    if reply.status < 300:
        cleanup = server.request("DELETE", path, headers={"Authorization": f"Bearer {TOKEN}"})
        assert cleanup.status in (204, 404)


def _post_routes(routes: list[Route]) -> list[tuple[str, str]]:
    return [
        (method, example_path(route))
        for route in routes
        for method in ("POST", "PUT")
        if method in route.methods
    ]


def test_a_10_mb_body_gets_a_clear_refusal_on_every_route_that_takes_a_body(
    server: LiveServer, routes: list[Route]
) -> None:
    """Regression: a refusal sent before the body was read reset the connection, so the
    client saw a broken pipe instead of the 413 (or the 403 of a write without token)."""
    targets = _post_routes(routes)
    assert ("POST", "/sparql") in targets and ("PUT", "/store") in targets
    body = b"a" * 10_000_000
    for method, path in targets:
        for content_type in ("application/sparql-query", "text/turtle", "application/json"):
            reply = server.request(method, path, body, {"Content-Type": content_type})
            assert reply.status in (400, 403, 413, 415), (method, path, reply.status)
            assert_clear_answer(reply, method)
    for content_type in ("application/sparql-query", "application/x-www-form-urlencoded"):
        reply = server.request("POST", "/sparql", body, {"Content-Type": content_type})
        assert reply.status == 413 and "larger than the limit" in reply.text


def _nested(depth: int) -> dict[str, str]:
    return {
        "groups": "SELECT * WHERE " + "{" * depth + "}" * depth,
        "brackets in an expression": "ASK { FILTER(" + "(" * depth + "1" + ")" * depth + ") }",
        "nested collections": "ASK { ?s ?p " + "( " * depth + "1" + " )" * depth + " }",
        "nested blank nodes": "ASK { ?s ?p "
        + "[ <http://x/p> " * depth
        + "1"
        + " ]" * depth
        + " }",
        "nested subqueries": "SELECT * WHERE " + "{ SELECT * WHERE " * depth + "{}" + "}" * depth,
        "nested function calls": "ASK { FILTER(" + "STR(" * depth + "1" + ")" * depth + ") }",
        "brackets hidden behind <": "ASK { FILTER(1<" + "(" * depth + "1" + ")" * depth + ">0) }",
    }


@pytest.mark.parametrize("shape", list(_nested(1)))
def test_deeply_nested_queries_are_refused_clearly(server: LiveServer, shape: str) -> None:
    """Regression: nesting of a few hundred levels crashed the query process (a 503)."""
    direct = {"Content-Type": "application/sparql-query"}
    deep = server.request("POST", "/sparql", _nested(10_000)[shape].encode(), direct)
    assert deep.status == 400, deep.text[:300]
    assert "nested more than" in deep.text
    allowed = server.request("POST", "/sparql", _nested(MAX_NESTING - 2)[shape].encode(), direct)
    assert allowed.status in (200, 400), allowed.text[:300]
    assert "nested more than" not in allowed.text


LONG_IRI = "http://example.org/" + "a" * 500_000


@pytest.mark.parametrize(
    ("method", "path", "body", "request_headers", "statuses"),
    [
        ("GET", "/sparql?query=ASK%00%7B%7D", None, {}, {400}),
        ("GET", "/sparql?query=ASK%FF%FE%7B%7D", None, {}, {400}),
        ("GET", "/sparql?query%FF=ASK%7B%7D", None, {}, {400}),
        (
            "POST",
            "/sparql",
            b"ASK \xff\xfe {}",
            {"Content-Type": "application/sparql-query"},
            {400},
        ),
        (
            "POST",
            "/sparql",
            b"query=ASK%FF",
            {"Content-Type": "application/x-www-form-urlencoded"},
            {400},
        ),
        (
            "POST",
            "/sparql",
            f"ASK {{ <{LONG_IRI}> ?p ?o }}".encode(),
            {"Content-Type": "application/sparql-query"},
            {200},
        ),
        ("GET", "/sparql?query=" + "a" * 9000, None, {}, {414}),
        ("GET", "/store?graph=" + quote("http://example.org/" + "a" * 7000), None, {}, {404}),
        ("GET", "/sparql?query=ASK%7B%7D", None, {"Accept": "a" * 9000}, {431}),
        (
            "GET",
            "/healthz",
            None,
            {f"X-Header-{number}": "x" for number in range(150)},
            {431},
        ),
        ("PATCH", "/sparql", b"", {}, {405}),
        ("DELETE", "/sparql", None, {}, {405}),
        ("BREW", "/sparql", None, {}, {400, 405, 501}),
        (
            "GET",
            "/sparql?" + "&".join(["format=json"] * 2),
            None,
            {},
            {400},
        ),
        ("GET", "/sparql?" + "x=1&" * 3000, None, {}, {200, 400, 414}),
        ("GET", "/id/" + "%2e%2e/" * 5 + "etc/passwd", None, {}, {400, 404}),
        ("GET", "/download/" + quote("../../pyproject.toml", safe=""), None, {}, {400, 404}),
    ],
    ids=[
        "NUL in the query",
        "invalid UTF-8 in the query",
        "invalid UTF-8 in a name",
        "invalid UTF-8 in the body",
        "invalid UTF-8 in a form",
        "a 500 kB IRI",
        "a 9 kB URL",
        "a 7 kB graph IRI",
        "a 9 kB header",
        "150 headers",
        "PATCH",
        "DELETE on /sparql",
        "an unknown method",
        "a repeated parameter",
        "3000 parameters",
        "dot segments",
        "a path outside the downloads",
    ],
)
def test_hostile_requests_get_the_right_status(
    server: LiveServer,
    method: str,
    path: str,
    body: bytes | None,
    request_headers: dict[str, str],
    statuses: set[int],
) -> None:
    reply = server.request(method, path, body, request_headers, timeout=CLIENT_TIMEOUT_S)
    assert reply.status in statuses, (reply.status, reply.text[:300])
    if len(request_headers) > 100:
        # The HTTP server (hyper, inside granian) refuses more than 100 header fields
        # before the app runs, with a bare 431: its status line is the whole explanation.
        return
    assert_clear_answer(reply, method)


def test_a_chunked_body_is_read_whole(server: LiveServer) -> None:
    chunks = [b"ASK { ", b"<http://example.org/alice> ", b"?p ?o }"]
    reply = server.request(
        "POST",
        "/sparql",
        iter(chunks),
        {"Content-Type": "application/sparql-query"},  # http.client chunks an iterable
    )
    assert reply.status == 200 and b'"boolean":true' in reply.data


def test_every_route_answers_its_first_request_in_time(
    reliability_store: Path, routes: list[Route], tmp_path: Path
) -> None:
    """Regression: the first /api/ request of a worker deadlocked it on a lock it held.

    One fresh worker takes every first request, so no route's first use hides behind
    another's.
    """
    with running_server(
        reliability_store, tmp_path / "server.log", workers=1, query_timeout_s=TIMEOUT_S
    ) as fresh:
        for route in routes:
            for method in sorted(route.methods & {"GET", "POST"}):
                reply = fresh.request(method, example_path(route), timeout=CLIENT_TIMEOUT_S)
                assert_clear_answer(reply, method)


def test_no_worker_died_during_the_fuzzing(server: LiveServer, workers_at_start: set[int]) -> None:
    """Run last in this module: the workers that took the fuzzing still run and answer."""
    assert server.process.poll() is None
    assert workers_at_start <= server.direct_children()
    assert server.request("GET", "/healthz").status == 200
