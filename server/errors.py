"""Turn every failure into a plain-text response that says what went wrong, never a trace."""

from __future__ import annotations

import time

from flask import Flask, Response, current_app, g, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

# A client sends its whole body before it reads the answer. Closing the connection on unread
# data resets it, and the client sees a broken pipe instead of our error (a 413, or a 403
# that needed no body), so the rest of the body is read and dropped first, within bounds.
_DRAIN_LIMIT_BYTES = 64 * 2**20
_DRAIN_LIMIT_S = 5.0
_DRAIN_CHUNK_BYTES = 2**16


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


def _drain_request_body() -> None:
    """Read and drop what is left of the request body, within the drain limits."""
    stream = request.environ.get("wsgi.input")
    has_body = request.content_length or request.environ.get("wsgi.input_terminated")
    if stream is None or not has_body:
        return  # reading a stream without a known end could wait for the client forever
    deadline = time.monotonic() + _DRAIN_LIMIT_S
    drained = 0
    try:
        while drained < _DRAIN_LIMIT_BYTES and time.monotonic() < deadline:
            chunk = stream.read(_DRAIN_CHUNK_BYTES)
            if not chunk:
                return
            drained += len(chunk)
    except (OSError, ValueError):  # the client went away or the stream is closed
        return


def register_error_handlers(app: Flask) -> None:
    """Make our errors, Werkzeug's and unexpected ones all answer in plain text."""

    @app.after_request
    def _drain_after_an_error(response: Response) -> Response:
        if response.status_code >= 400:
            _drain_request_body()
        return response

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
