"""/healthz, /metrics and the access log."""

from __future__ import annotations

import json

import pytest
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

from server.admission import Admission
from server.store import StoreDirectory
from tests.http.conftest import settings_for
from tests.http.support import UPDATE_TOKEN, graph_sizes


def test_healthz_reports_the_store(client: FlaskClient, read_store) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {
        "status": "ok",
        "store_loaded": True,
        "store_version": StoreDirectory(read_store).current_version(),
        "triples": sum(graph_sizes().values()),
        "named_graphs": len(graph_sizes()),
    }


def samples(client: FlaskClient) -> dict[str, list]:
    """Return the metric samples by name."""
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    found: dict[str, list] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            found.setdefault(sample.name, []).append(sample)
    return found


def test_metrics_count_requests_latency_errors_and_timeouts(client: FlaskClient) -> None:
    client.get("/sparql", query_string={"query": "ASK {}"})
    client.get("/sparql", query_string={"query": "ASK {"})
    found = samples(client)
    requests = {
        (s.labels["route"], s.labels["status"]): s.value for s in found["mhkg_http_requests_total"]
    }
    assert requests[("/sparql", "200")] >= 1
    assert requests[("/sparql", "400")] >= 1
    assert any(
        s.labels == {"route": "/sparql", "le": "+Inf"}
        for s in found["mhkg_http_request_duration_seconds_bucket"]
    )
    errors = {s.labels["reason"] for s in found["mhkg_http_errors_total"]}
    assert "syntax" in errors
    assert "mhkg_query_timeouts_total" in found


@pytest.fixture
def log_lines(capsys: pytest.CaptureFixture[str]):
    """Return a function giving the access-log lines written so far."""

    def lines() -> list[dict]:
        return [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]

    capsys.readouterr()
    return lines


def test_access_log_is_one_json_line_per_request(client: FlaskClient, log_lines) -> None:
    client.get("/healthz")
    (entry,) = log_lines()
    assert entry["method"] == "GET" and entry["path"] == "/healthz" and entry["status"] == 200
    assert entry["duration_ms"] >= 0


def test_access_log_shortens_queries_and_never_logs_tokens(
    write_client: FlaskClient, log_lines
) -> None:
    long_update = (
        "INSERT DATA {\n" + "  <http://example.org/a> <http://example.org/b> 1 .\n" * 50 + "}"
    )
    write_client.post(
        "/sparql?secret=in-the-url",
        data={"update": long_update},
        headers={"Authorization": f"Bearer {UPDATE_TOKEN}"},
    )
    (entry,) = log_lines()
    assert entry["status"] == 204
    assert entry["path"] == "/sparql"
    assert entry["sparql_chars"] == len(long_update)
    assert len(entry["sparql"]) == 200 and "\n" not in entry["sparql"]
    assert UPDATE_TOKEN not in json.dumps(entry) and "in-the-url" not in json.dumps(entry)


def test_behind_a_trusted_proxy_the_forwarded_client_is_charged_and_logged(
    read_store, make_app, log_lines, monkeypatch: pytest.MonkeyPatch
) -> None:
    charged: list[str] = []
    acquire = Admission.acquire

    def recording_acquire(self, client: str, *args, **kwargs):
        charged.append(client)
        return acquire(self, client, *args, **kwargs)

    monkeypatch.setattr(Admission, "acquire", recording_acquire)
    client = make_app(settings_for(read_store, trusted_proxies=("127.0.0.9",))).test_client()
    forwarded = {"X-Forwarded-For": "203.0.113.9, 198.51.100.1"}
    proxy, stranger = {"REMOTE_ADDR": "127.0.0.9"}, {"REMOTE_ADDR": "192.0.2.7"}
    log_lines()
    for number, peer in enumerate((proxy, stranger)):
        query = f"ASK {{}} # {number}"  # a new text each time: not from the result cache
        response = client.get(
            "/sparql", query_string={"query": query}, headers=forwarded, environ_base=peer
        )
        assert response.status_code == 200
    assert charged == ["198.51.100.1", "192.0.2.7"]
    entries = [entry for entry in log_lines() if entry["path"] == "/sparql"]
    assert [(entry["remote"], entry["client"]) for entry in entries] == [
        ("127.0.0.9", "198.51.100.1"),
        ("192.0.2.7", "192.0.2.7"),
    ]
