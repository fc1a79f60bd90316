"""Clients that send their request head slowly, or never finish it, hold no request thread."""

from __future__ import annotations

import socket
import time
from contextlib import ExitStack

from server.config import Settings
from tests.live_server import LiveServer
from tests.reliability.conftest import WORKERS

# Far more half-open requests than the server has request threads.
SLOW_CLIENTS = Settings().threads * WORKERS * 4
# What a normal request may take while they hang on.
ANSWER_WITHIN_S = 1.0


def test_half_sent_requests_do_not_starve_a_normal_one(server: LiveServer) -> None:
    with ExitStack() as stack:
        for _ in range(SLOW_CLIENTS):
            slow = stack.enter_context(socket.create_connection(("127.0.0.1", server.port), 5))
            # A request line and one header, and never the blank line that ends the head.
            slow.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        time.sleep(0.5)
        started = time.monotonic()
        reply = server.get("/healthz")
        elapsed = time.monotonic() - started
        assert reply.status == 200
        assert elapsed < ANSWER_WITHIN_S, f"{elapsed:.2f} s behind {SLOW_CLIENTS} slow clients"
        ask = server.request(
            "GET", "/sparql?query=ASK%7B%7D", headers={"Accept": "application/sparql-results+json"}
        )
        assert ask.status == 200 and b"boolean" in ask.data
