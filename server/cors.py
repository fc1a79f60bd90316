"""Let browser applications on other origins use the endpoints (CORS)."""

from __future__ import annotations

from flask import Flask, Response, request

from server.config import Settings

# Response headers a script may read besides the CORS-safelisted ones.
EXPOSED_HEADERS = (
    "ETag, MHKG-Result-Truncated, MHKG-Store-Version, Content-Length, Link, MHKG-Total-Rows"
)
ALLOWED_METHODS = "GET, HEAD, POST, PUT, DELETE, OPTIONS"
ALLOWED_HEADERS = "Accept, Authorization, Content-Type, If-None-Match"
PREFLIGHT_MAX_AGE_S = 600


def init_app(app: Flask, settings: Settings) -> None:
    """Add CORS headers to every response, and answer preflight requests."""

    @app.after_request
    def _add_cors_headers(response: Response) -> Response:
        response.headers["Access-Control-Allow-Origin"] = settings.cors_origin
        response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        if settings.cors_origin != "*":
            response.vary.add("Origin")
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
            response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
            response.headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE_S)
        return response
