"""Apply writes copy-on-write: copy the current version, change the copy, publish it.

Readers keep the version they have until their next request; a write that fails, runs
out of time or crashes leaves the published version untouched and its copy removed.
"""

from __future__ import annotations

import hmac
import time
from contextlib import ExitStack
from multiprocessing.connection import Connection
from pathlib import Path

from flask import Response

from server import child
from server.config import Settings
from server.context import current_executor
from server.errors import HttpError
from server.jobs import Failure, GraphWriteRequest, UpdateRequest, WriteResult
from server.process_usage import CHECK_EVERY_S, limit_passed, usage_of
from server.store import StoreDirectory, StoreUnavailable

_LOCK_RETRY_S = 0.05


def require_write_token(settings: Settings, authorization: str | None) -> None:
    """Raise 403 unless `authorization` is `Bearer <the update token>`."""
    if settings.update_token is None:
        raise HttpError(403, "This endpoint is read-only: writes are disabled.", reason="forbidden")
    scheme, _, token = (authorization or "").partition(" ")
    valid = scheme.lower() == "bearer" and hmac.compare_digest(
        token.strip().encode(), settings.update_token.encode()
    )
    if not valid:
        raise HttpError(
            403,
            "Writes need the header `Authorization: Bearer <update token>`.",
            reason="forbidden",
        )


def apply_write(settings: Settings, request: UpdateRequest | GraphWriteRequest) -> tuple[bool, str]:
    """Apply the write to a new version and publish it; return (created, new version)."""
    remote_write = getattr(current_executor(), "write", None)
    if remote_write is not None:  # an external store applies writes itself
        return remote_write(request)
    directory = StoreDirectory(settings.store_dir)
    deadline = time.monotonic() + settings.query_timeout_s
    with ExitStack() as stack:
        target = _new_version(stack, directory, deadline)
        try:
            source = directory.current_path()
        except StoreUnavailable as error:
            raise HttpError(503, str(error), reason="unavailable") from error
        result = _run_in_child(settings, source, target, request, deadline)
        directory.publish(target)
    directory.prune(settings.keep_versions)
    return result.created, target.name


def written(status: int, version: str) -> Response:
    """Return the empty answer to a write, naming the version it published."""
    response = Response(status=status, headers={"MHKG-Store-Version": version})
    del response.headers["Content-Type"]  # there is no body to describe
    return response


def _new_version(stack: ExitStack, directory: StoreDirectory, deadline: float) -> Path:
    """Return a fresh version directory, waiting for a running build or write to finish."""
    while True:
        try:
            return stack.enter_context(directory.building())
        except RuntimeError:  # the build lock is taken
            if time.monotonic() >= deadline:
                raise HttpError(
                    503,
                    "Another write or build is running; try again later.",
                    reason="busy",
                ) from None
            time.sleep(_LOCK_RETRY_S)


def _run_in_child(
    settings: Settings,
    source: Path,
    target: Path,
    request: UpdateRequest | GraphWriteRequest,
    deadline: float,
) -> WriteResult:
    context = child.process_context()
    connection, child_end = context.Pipe(duplex=False)
    process = context.Process(
        target=child.apply_write,
        args=(child_end, str(source), str(target), request),
        name="mhkg-write",
        daemon=True,
    )
    process.start()
    child_end.close()
    replied = False
    try:
        reply, replied = _await_write(settings, process.pid, connection, deadline)
    except EOFError:
        reply = Failure(500, "The write process ended unexpectedly; nothing changed.", "crashed")
    finally:
        # A child that replied has closed the store and is exiting; any other is stopped now.
        process.join(timeout=1.0 if replied else 0)
        process.kill()
        process.join()
        process.close()
        connection.close()
    if isinstance(reply, Failure):
        raise HttpError(reply.status, reply.message, reason=reply.reason)
    return reply


def _await_write(
    settings: Settings, pid: int | None, connection: Connection, deadline: float
) -> tuple[WriteResult | Failure, bool]:
    """Return the write child's reply and True, or why it must be stopped and False.

    It is stopped at the time limit, or at the memory limit: an RDF/XML body of 1 MB can
    declare entities that expand to gigabytes.
    """
    while (remaining := deadline - time.monotonic()) > 0:
        if connection.poll(min(remaining, CHECK_EVERY_S)):
            return connection.recv(), True
        usage = usage_of(pid) if pid is not None else None
        if usage is not None and usage.resident_bytes > settings.query_memory_bytes:
            return _stopped(settings, "memory"), False
    return _stopped(settings, "timeout"), False


def _stopped(settings: Settings, reason: str) -> Failure:
    message = f"The write {limit_passed(settings, reason)} and was stopped; nothing changed."
    return Failure(503, message, reason)
