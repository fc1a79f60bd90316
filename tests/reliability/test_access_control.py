"""Writes need the token: every write route refuses without it and changes nothing.

The store is compared on disk, by its published version and a hash of every quad, so a
write that slipped through is seen even if no route shows it.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox
import pytest
from flask.testing import FlaskClient

from server import context, writes
from server.app import create_app
from server.config import Settings
from server.store import StoreDirectory
from tests.http.support import PEOPLE
from tests.live_server import PROJECT_ROOT, LiveServer
from tests.reliability.conftest import TOKEN
from tests.reliability.graphs import EX

SCRATCH_GRAPH = EX + "graph/access-scratch"
INSERT = f"INSERT DATA {{ GRAPH <{SCRATCH_GRAPH}> {{ <{EX}s> <{EX}p> <{EX}o> }} }}"
TURTLE = f"<{EX}s> <{EX}p> <{EX}o> .".encode()
FORM = "application/x-www-form-urlencoded"

# (method, path, body, content type) of every way to write.
WRITES: dict[str, tuple[str, str, bytes, str | None]] = {
    "update by form": ("POST", "/sparql", urlencode({"update": INSERT}).encode(), FORM),
    "update in the URL of a POST": ("POST", "/sparql?" + urlencode({"update": INSERT}), b"", FORM),
    "update posted directly": ("POST", "/sparql", INSERT.encode(), "application/sparql-update"),
    "GSP PUT to a named graph": (
        "PUT",
        "/store?" + urlencode({"graph": SCRATCH_GRAPH}),
        TURTLE,
        "text/turtle",
    ),
    "GSP POST to a named graph": (
        "POST",
        "/store?" + urlencode({"graph": SCRATCH_GRAPH}),
        TURTLE,
        "text/turtle",
    ),
    "GSP PUT to the default graph": ("PUT", "/store?default", TURTLE, "text/turtle"),
    "GSP POST to the default graph": ("POST", "/store?default", TURTLE, "text/turtle"),
    "GSP DELETE of a graph": ("DELETE", "/store?" + urlencode({"graph": PEOPLE}), b"", None),
    "GSP DELETE of the default graph": ("DELETE", "/store?default", b"", None),
}
# Updates sent as queries: refused whatever the token, as not being queries.
SMUGGLED = {
    "query= by GET": ("GET", "/sparql?" + urlencode({"query": INSERT}), b"", None),
    "query= by form": ("POST", "/sparql", urlencode({"query": INSERT}).encode(), FORM),
    "query posted directly": ("POST", "/sparql", INSERT.encode(), "application/sparql-query"),
    "query then update": (
        "GET",
        "/sparql?" + urlencode({"query": f"ASK {{}} ; {INSERT}"}),
        b"",
        None,
    ),
    "DROP ALL as a query": ("GET", "/sparql?" + urlencode({"query": "DROP ALL"}), b"", None),
    "update by GET": ("GET", "/sparql?" + urlencode({"update": INSERT}), b"", None),
    "query editor page": ("GET", "/query?" + urlencode({"query": "DROP ALL"}), b"", None),
}
WRONG_TOKENS = {
    "none": {},
    "empty": {"Authorization": ""},
    "scheme only": {"Authorization": "Bearer"},
    "empty bearer": {"Authorization": "Bearer "},
    "wrong token": {"Authorization": "Bearer not-the-token"},
    "one character short": {"Authorization": f"Bearer {TOKEN[:-1]}"},
    "one character more": {"Authorization": f"Bearer {TOKEN}x"},
    "other case": {"Authorization": f"Bearer {TOKEN.upper()}"},
    "token without scheme": {"Authorization": TOKEN},
    "basic scheme": {"Authorization": "Basic " + base64.b64encode(f"x:{TOKEN}".encode()).decode()},
    "other scheme": {"Authorization": f"Token {TOKEN}"},
    "token in a cookie": {"Cookie": f"token={TOKEN}; access_token={TOKEN}"},
    "token in another header": {"X-Auth-Token": TOKEN, "X-Update-Token": TOKEN},
    "non-ASCII lookalike": {"Authorization": "Bearer " + TOKEN.replace("e", "\u00e9")},
}


def store_fingerprint(store: Path) -> tuple[str | None, str]:
    """Return the published version and a hash of every quad in it."""
    directory = StoreDirectory(store)
    version = directory.current_version()
    quads = ox.Store.read_only(str(directory.current_path())).quads_for_pattern(None, None, None)
    digest = hashlib.sha256()
    for line in sorted(str(quad) for quad in quads):
        digest.update(line.encode() + b"\n")
    return version, digest.hexdigest()


def send(
    server: LiveServer, write: tuple[str, str, bytes, str | None], headers: dict[str, str]
) -> tuple[int, str]:
    """Send one write with `headers`; return the status and the text."""
    method, path, body, content_type = write
    all_headers = {**headers, **({"Content-Type": content_type} if content_type else {})}
    reply = server.request(method, path, body or None, all_headers)
    return reply.status, reply.text


def test_every_write_route_refuses_a_missing_or_wrong_token(
    server: LiveServer, reliability_store: Path
) -> None:
    before = store_fingerprint(reliability_store)
    for route, write in WRITES.items():
        for variant, headers in WRONG_TOKENS.items():
            status, text = send(server, write, headers)
            assert status == 403, (route, variant, status, text[:200])
            assert "Authorization: Bearer" in text or "read-only" in text
            assert TOKEN not in text
    for route, write in WRITES.items():
        method, path, body, content_type = write
        path += ("&" if "?" in path else "?") + urlencode({"access_token": TOKEN, "token": TOKEN})
        status, _ = send(server, (method, path, body, content_type), {})
        assert status == 403, (route, "token in the URL", status)
    assert store_fingerprint(reliability_store) == before


def test_an_update_smuggled_as_a_query_is_refused_even_with_the_token(
    server: LiveServer, reliability_store: Path
) -> None:
    before = store_fingerprint(reliability_store)
    for name, write in SMUGGLED.items():
        for headers in ({}, {"Authorization": f"Bearer {TOKEN}"}):
            status, text = send(server, write, headers)
            assert status == 400, (name, status, text[:200])
            assert "update" in text.lower() or "syntax error" in text.lower(), (name, text)
    assert store_fingerprint(reliability_store) == before


def test_the_same_writes_with_the_token_do_change_the_store(
    server: LiveServer, reliability_store: Path
) -> None:
    """The positive control: the refusals above are the token check, not broken routes."""
    authorised = {"Authorization": f"Bearer {TOKEN}"}
    for route in ("update by form", "update posted directly", "GSP PUT to a named graph"):
        before = store_fingerprint(reliability_store)
        status, text = send(server, WRITES[route], authorised)
        assert status in (201, 204), (route, status, text[:200])
        assert store_fingerprint(reliability_store)[1] != before[1], route
        removal = ("DELETE", "/store?" + urlencode({"graph": SCRATCH_GRAPH}), b"", None)
        assert send(server, removal, authorised)[0] == 204
        assert store_fingerprint(reliability_store)[1] == before[1], route


def test_no_token_is_ever_logged(server: LiveServer) -> None:
    """After every test above, the server's whole output holds no token, right or wrong."""
    authorised = {"Authorization": f"Bearer {TOKEN}"}
    send(server, SMUGGLED["query= by GET"], authorised)
    send(server, WRITES["GSP DELETE of a graph"], {"Authorization": "Bearer wrong-token-123"})
    log = server.log_text()
    assert '"method"' in log, "the access log is missing: nothing was checked"
    for secret in (TOKEN, TOKEN[:-1], TOKEN.upper(), "not-the-token", "wrong-token-123"):
        assert secret not in log
    assert base64.b64encode(f"x:{TOKEN}".encode()).decode() not in log


@pytest.fixture
def token_client(reliability_store: Path) -> Iterator[FlaskClient]:
    """A Flask test client of an app that accepts writes with TOKEN (none will pass)."""
    app = create_app(Settings(store_dir=reliability_store, update_token=TOKEN))
    yield app.test_client()
    context.of(app).executor.close()


def test_every_write_route_compares_the_token_in_constant_time(
    token_client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    compared: list[tuple[bytes, bytes]] = []
    real_compare = writes.hmac.compare_digest

    def recording_compare(given: bytes, expected: bytes) -> bool:
        compared.append((given, expected))
        return real_compare(given, expected)

    monkeypatch.setattr(writes.hmac, "compare_digest", recording_compare)
    for route, (method, path, body, content_type) in WRITES.items():
        compared.clear()
        headers = {"Authorization": "Bearer not-the-token"}
        if content_type:
            headers["Content-Type"] = content_type
        response = token_client.open(path, method=method, data=body, headers=headers)
        assert response.status_code == 403, route
        assert compared == [(b"not-the-token", TOKEN.encode())], route


def test_no_module_compares_the_token_with_an_operator() -> None:
    """`==`, `!=` or `in` on the token would leak its prefix through timing."""
    offending = []
    for source in sorted((PROJECT_ROOT / "server").rglob("*.py")):
        for number, line in enumerate(source.read_text(encoding="utf-8").splitlines(), 1):
            if "update_token" in line and re.search(r"==|!=|\bin\b|startswith", line):
                offending.append(f"{source.name}:{number}: {line.strip()}")
    assert not offending, offending
