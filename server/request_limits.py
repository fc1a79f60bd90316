"""Refuse an over-long URL (414) or header line (431) before the app reads anything else.

A query that does not fit in a URL of 8 KiB belongs in a POST body; saying so with 414 is
more helpful than a syntax error about a query cut short by some proxy on the way. The HTTP
server bounds the whole request head; these limits are per line, as most servers and
proxies in front of ours apply them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

MAX_REQUEST_LINE = 8190
MAX_HEADER_LINE = 8190

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def limit_request_head(app: WsgiApp) -> WsgiApp:
    """Return `app` behind the checks of the request line and each header line."""

    def checked(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        # The request line as sent: method, target (path and query string), version.
        line = (
            len(environ.get("REQUEST_METHOD", ""))
            + len(environ.get("PATH_INFO", ""))
            + len(environ.get("QUERY_STRING", ""))
            + len(environ.get("SERVER_PROTOCOL", ""))
            + 3
        )
        if line > MAX_REQUEST_LINE:
            return _refuse(
                start_response,
                "414 URI Too Long",
                f"The request line is longer than {MAX_REQUEST_LINE} bytes; send long "
                "queries with POST.",
            )
        for key, value in environ.items():
            if key.startswith("HTTP_") and len(key) - 5 + len(value) + 2 > MAX_HEADER_LINE:
                name = key[5:].replace("_", "-").title()
                return _refuse(
                    start_response,
                    "431 Request Header Fields Too Large",
                    f"The {name} header is longer than {MAX_HEADER_LINE} bytes.",
                )
        return app(environ, start_response)

    return checked


def _refuse(start_response: Callable[..., Any], status: str, message: str) -> list[bytes]:
    body = (message + "\n").encode()
    start_response(
        status,
        [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
        ],
    )
    return [body]
