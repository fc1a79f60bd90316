"""Turn every failure into a plain-text response that says what went wrong, never a trace."""

from __future__ import annotations

from flask import Flask, Response, current_app, g
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge


class HttpError(Exception):
    """A failure with the status and message the client should see.

    `reason` is a short machine-friendly name (e.g. "timeout") used by the metrics.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        reason: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status, message)
        self.status = status
        self.message = message
        self.reason = reason or str(status)
        self.headers = headers or {}


def text_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """Return `message` as a text/plain response."""
    response = Response(message.rstrip("\n") + "\n", status=status, mimetype="text/plain")
    response.headers.update(headers or {})
    return response


def register_error_handlers(app: Flask) -> None:
    """Make our errors, Werkzeug's and unexpected ones all answer in plain text."""

    @app.errorhandler(HttpError)
    def _our_error(error: HttpError) -> Response:
        g.error_reason = error.reason
        return text_response(error.status, error.message, error.headers)

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(error: RequestEntityTooLarge) -> Response:
        g.error_reason = "too_large"
        limit = current_app.config["MAX_CONTENT_LENGTH"]
        return text_response(413, f"The request body is larger than the limit of {limit} bytes.")

    @app.errorhandler(HTTPException)
    def _http_exception(error: HTTPException) -> Response:
        g.error_reason = str(error.code)
        # Keep headers such as Allow on a 405.
        headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
        return text_response(error.code or 500, error.description or error.name, headers)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        g.error_reason = "internal"
        current_app.logger.exception("unhandled error")
        return text_response(500, "Internal server error; the failure has been logged.")
