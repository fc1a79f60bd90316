"""What is particular to an external store: its time limit, its failures, its credentials."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from flask.testing import FlaskClient

from tests.http.conftest import settings_for
from tests.http.support import ENDLESS_QUERY, EX
from tests.live_server import PROJECT_ROOT, free_port
from tests.remote.conftest import remote_settings
from tests.remote.support import Oxigraph, running_oxigraph, write_sample_store

SIMPLE = f"ASK {{ <{EX}alice> <{EX}knows> <{EX}bob> }}"
TIME_LIMIT_S = 2.0
PASSWORD = "s3cret-store-password"
TOKEN = "store-bearer-token-91x"


def test_a_query_over_the_time_limit_gets_503_while_others_are_answered(
    tmp_path: Path, make_app
) -> None:
    location = write_sample_store(tmp_path / "oxigraph")
    # Oxigraph's own limit stops the query there too, after ours has answered the client.
    with running_oxigraph(location, read_only=True, timeout_s=10) as server:
        settings = remote_settings(server, tmp_path, query_timeout_s=TIME_LIMIT_S)
        client = make_app(settings).test_client()
        answers: list = []
        slow = threading.Thread(
            target=lambda: answers.append(
                client.get("/sparql", query_string={"query": ENDLESS_QUERY})
            )
        )
        started = time.monotonic()
        slow.start()
        quick = client.get("/sparql", query_string={"query": SIMPLE})
        slow.join(timeout=TIME_LIMIT_S + 10)
        elapsed = time.monotonic() - started
    assert quick.status_code == 200 and json.loads(quick.data)["boolean"] is True
    assert answers, "the slow request did not end"
    assert answers[0].status_code == 503
    assert "time limit" in answers[0].text
    assert TIME_LIMIT_S <= elapsed < TIME_LIMIT_S + 5


def test_an_unreachable_store_is_a_clear_503(tmp_path: Path, make_app) -> None:
    settings = settings_for(tmp_path, store_url=f"http://127.0.0.1:{free_port()}/sparql")
    response = make_app(settings).test_client().get("/sparql", query_string={"query": SIMPLE})
    assert response.status_code == 503
    assert response.mimetype == "text/plain"
    assert "cannot be reached" in response.text
    assert "Traceback" not in response.text


def test_a_store_failure_is_a_502_with_the_stores_message(client: FlaskClient) -> None:
    query = "SELECT ?x WHERE { BIND(<http://example.org/unknown-function>(1) AS ?x) }"
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 502
    assert "unknown-function" in response.text


def test_a_syntax_error_keeps_the_stores_position(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p }"})
    assert response.status_code == 400
    assert "error at 1:" in response.text


def test_service_is_refused_before_the_store_is_asked(client: FlaskClient) -> None:
    query = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 403


class _Recorder(BaseHTTPRequestHandler):
    """A SPARQL service that demands credentials and records what it was sent."""

    expected: ClassVar[str] = ""
    seen: ClassVar[list[dict[str, str]]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        self.seen.append(dict(self.headers))
        if self.headers.get("Authorization") != self.expected:
            self.send_response(401)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = b'{"head":{},"boolean":true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[tuple[str, type[_Recorder]]]:
    """A local SPARQL service checking the Authorization header; yields (url, handler)."""
    handler = type("Recorder", (_Recorder,), {"seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/sparql", handler
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.mark.parametrize(
    ("credentials", "header"),
    [
        (
            {"store_username": "reader", "store_password": PASSWORD},
            "Basic " + base64.b64encode(f"reader:{PASSWORD}".encode()).decode(),
        ),
        ({"store_token": TOKEN}, f"Bearer {TOKEN}"),
    ],
    ids=["basic", "bearer"],
)
def test_credentials_are_sent_to_the_store(
    tmp_path: Path, make_app, recorder, credentials: dict, header: str
) -> None:
    url, handler = recorder
    handler.expected = header
    client = make_app(settings_for(tmp_path, store_url=url, **credentials)).test_client()
    response = client.get("/sparql", query_string={"query": SIMPLE})
    assert response.status_code == 200, response.text
    assert handler.seen[-1]["Authorization"] == header


def test_refused_credentials_are_a_502_that_shows_no_secret(
    tmp_path: Path, make_app, recorder, capsys: pytest.CaptureFixture[str]
) -> None:
    url, handler = recorder
    handler.expected = "Bearer something-else"
    settings = settings_for(tmp_path, store_url=url, store_token=TOKEN, store_password=PASSWORD)
    client = make_app(settings).test_client()
    response = client.get("/sparql", query_string={"query": SIMPLE})
    assert response.status_code == 502
    assert "credentials" in response.text
    logged = capsys.readouterr()
    for secret in (TOKEN, PASSWORD):
        assert secret not in response.text + logged.out + logged.err + repr(settings)


def test_mhkg_serve_serves_an_external_store(read_oxigraph: Oxigraph, tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "serve.log"
    command = [sys.executable, "-m", "server.cli", "serve", "--store-url",
               f"{read_oxigraph.base}/query", "--store-graph-url", f"{read_oxigraph.base}/store",
               "--port", str(port), "--workers", "1"]  # fmt: skip
    with open(log, "wb") as output:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=output, stderr=output)
    try:
        reply = _first_answer(port, process, log)
    finally:
        process.terminate()
        process.wait(timeout=15)
    rows = json.loads(reply)["results"]["bindings"]
    assert {row["s"]["value"] for row in rows} == {EX + "alice", EX + "bob"}


def test_mhkg_serve_refuses_an_unreachable_store() -> None:
    unreachable = f"http://127.0.0.1:{free_port()}/sparql"
    command = [sys.executable, "-m", "server.cli", "serve", "--store-url", unreachable,
               "--port", str(free_port())]  # fmt: skip
    finished = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
    assert finished.returncode != 0
    assert "cannot be reached" in finished.stderr


def _first_answer(port: int, process: subprocess.Popen, log: Path) -> bytes:
    """Return the answer to a query about people, waiting (bounded) for the server."""
    from urllib.error import URLError
    from urllib.parse import quote
    from urllib.request import Request, urlopen

    query = quote(f"SELECT DISTINCT ?s WHERE {{ ?s a <{EX}Person> }}")
    request = Request(
        f"http://127.0.0.1:{port}/sparql?query={query}",
        headers={"Accept": "application/sparql-results+json"},
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"mhkg serve exited:\n{log.read_text()}")
        try:
            with urlopen(request, timeout=5) as reply:
                return reply.read()
        except (URLError, OSError):
            time.sleep(0.1)
    pytest.fail(f"mhkg serve did not answer in 30 s:\n{log.read_text()}")
