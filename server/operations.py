"""Report on the running server: /healthz, /metrics and a JSON-lines access log on stderr.

Metrics are kept per server worker process (each worker has its own counters), so a
scrape sees the worker that answered it; scrape each worker or sum over restarts.
"""

from __future__ import annotations

import json
import logging
import sys
import time

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)

from server.clients import client_of_request
from server.context import current_executor, current_settings, current_stats
from server.errors import HttpError

blueprint = Blueprint("operations", __name__)
access_log = logging.getLogger("mhkg.access")

_LOGGED_QUERY_CHARS = 200
_LATENCY_BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
_METRICS_KEY = "mhkg.metrics"


class _Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "mhkg_http_requests",
            "HTTP requests answered by this worker process, by route, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "mhkg_http_request_duration_seconds",
            "Time to answer a request in this worker process, by route.",
            ["route"],
            buckets=_LATENCY_BUCKETS_S,
            registry=self.registry,
        )
        self.errors = Counter(
            "mhkg_http_errors",
            "Requests that failed in this worker process, by route and reason.",
            ["route", "reason"],
            registry=self.registry,
        )
        self.timeouts = Counter(
            "mhkg_query_timeouts",
            "Queries and writes stopped at the time limit in this worker process.",
            registry=self.registry,
        )


class _CurrentStderr(logging.StreamHandler):
    """Write to whatever sys.stderr is at the time, so redirected streams keep working."""

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, value: object) -> None:
        pass


@blueprint.route("/healthz")
def healthz() -> Response:
    """Say whether a store is being served, which version, and how many triples it holds."""
    try:
        stats = current_stats().get(current_executor())
    except HttpError as error:
        loaded = error.reason != "unavailable"  # e.g. busy: the store is there, counting is not
        return _json({"status": "unavailable", "store_loaded": loaded, "error": error.message}, 503)
    return _json(
        {
            "status": "ok",
            "store_loaded": True,
            "store_version": stats.version,
            "triples": stats.triples,
            "named_graphs": len(stats.graph_triples),
        },
        200,
    )


@blueprint.route("/metrics")
def metrics() -> Response:
    """Expose this worker's counters in the Prometheus text format."""
    registry = current_app.extensions[_METRICS_KEY].registry
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


def init_app(app: Flask) -> None:
    """Register the routes, and measure and log every request."""
    app.register_blueprint(blueprint)
    app.extensions[_METRICS_KEY] = recorded = _Metrics()
    if not access_log.handlers:
        access_log.addHandler(_CurrentStderr())
        access_log.setLevel(logging.INFO)
        access_log.propagate = False

    @app.before_request
    def _start_clock() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def _record(response: Response) -> Response:
        elapsed = time.perf_counter() - g.get("started", time.perf_counter())
        route = request.url_rule.rule if request.url_rule else "unmatched"
        recorded.requests.labels(route, request.method, str(response.status_code)).inc()
        recorded.latency.labels(route).observe(elapsed)
        reason = g.get("error_reason")
        if reason is not None:
            recorded.errors.labels(route, reason).inc()
            if reason == "timeout":
                recorded.timeouts.inc()
        access_log.info(_access_line(route, response, elapsed))
        return response


def _access_line(route: str, response: Response, elapsed: float) -> str:
    entry = {
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "remote": request.remote_addr,
        # Who the query time is charged to: behind a trusted proxy, whom it forwarded for.
        "client": client_of_request(request, current_settings().trusted_proxies),
        "method": request.method,
        "path": request.path,  # not the query string: it holds the query
        "route": route,
        "status": response.status_code,
        "bytes": response.content_length,
        "duration_ms": round(elapsed * 1000, 2),
    }
    text = g.get("sparql_text")
    if text is not None:
        entry["sparql_chars"] = len(text)
        entry["sparql"] = " ".join(text.split())[:_LOGGED_QUERY_CHARS]
    if g.get("error_reason") is not None:
        entry["error"] = g.error_reason
    return json.dumps(entry, ensure_ascii=False)


def _json(body: dict[str, object], status: int) -> Response:
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response
