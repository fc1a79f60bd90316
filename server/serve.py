"""Run the app under granian: `serve(settings)`, or `python -m server.serve` (MHKG_* env).

granian parses HTTP and handles connections in Rust, and calls the Flask app from a pool of
threads in each worker process. Compared with a Python HTTP server this takes a few tenths
of a millisecond off every request, which on sub-millisecond queries is most of the cost
(benchmarks/RESULTS.md). Slow clients cost a connection, not a thread: a request reaches
the app only once its head has arrived, within `header_read_timeout`.

Start-up is on the way to the first answer, so this module imports little at the top:
query processes re-run the main module before their work (server.child.process_context),
and each worker builds the app and starts its query processes in `worker_app`.
"""

from __future__ import annotations

import os
import sys
from functools import partial
from typing import TYPE_CHECKING

from server.config import Settings
from server.store import StoreDirectory, StoreUnavailable

if TYPE_CHECKING:
    from server.long_queries import LongQueryMarks

_CHECK_QUERY = "ASK { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
# A request head must arrive within this long (slow-loris clients are cut off).
_HEADER_READ_TIMEOUT_MS = 10_000
# The most a request head may take; longer ones get 431 from granian. The app refuses a
# long URL or header line before that (server.request_limits).
_MAX_HEAD_BYTES = 64 * 1024
# Workers still answering at shutdown are killed after this long.
_GRACEFUL_TIMEOUT_S = 10
# Read into the settings before a worker serves; see worker_app.
SECRET_VARIABLES = ("MHKG_UPDATE_TOKEN", "MHKG_STORE_PASSWORD", "MHKG_STORE_TOKEN")


def serve(settings: Settings) -> None:
    """Serve until stopped; exit with a message when there is no usable store."""
    problem = store_problem(settings)
    if problem is not None:
        raise SystemExit(f"mhkg serve: {problem}")
    from granian.constants import Interfaces
    from granian.http import HTTP1Settings
    from granian.server import Server

    from server.admission import USAGE_HALF_LIFE_S
    from server.long_queries import LongQueryMarks

    server = Server(
        "server.app:create_app",  # shown in granian's log; the app comes from worker_app
        address=settings.host,
        port=settings.port,
        interface=Interfaces.WSGI,
        workers=settings.workers,
        blocking_threads=settings.threads,
        http1_settings=HTTP1Settings(
            header_read_timeout=_HEADER_READ_TIMEOUT_MS, max_buffer_size=_MAX_HEAD_BYTES
        ),
        # A worker that fails its start (the store does not open) stops the server.
        respawn_failed_workers=False,
        workers_kill_timeout=_GRACEFUL_TIMEOUT_S,
    )
    # Made before the workers start, so that they all share it.
    shared_marks = LongQueryMarks(USAGE_HALF_LIFE_S)
    server.serve(target_loader=partial(worker_app, settings, shared_marks), wrap_loader=False)


def store_problem(settings: Settings) -> str | None:
    """Return why the store cannot be served, or None if it can.

    An external store must answer a query now. For the embedded store a version must be
    published; whether it opens is then checked by every worker's first query process
    (see worker_app) rather than by one more interpreter here: that check used to add half
    a second or more to the start.
    """
    from server.backends import uses_remote_store

    if uses_remote_store(settings):
        return _remote_problem(settings)
    try:
        StoreDirectory(settings.store_dir).current_path()
    except StoreUnavailable as error:
        return str(error)
    return None


def worker_app(settings: Settings, shared_marks: LongQueryMarks | None = None) -> object:
    """Build the app in a worker, start its query processes and have the first open the store.

    `shared_marks` is the table of long queries that the server's workers share.

    If the store does not open, the worker exits with our message on stderr, and granian
    then stops the whole server. granian copies the worker's environment into every
    request's WSGI environ, so the secrets, already in `settings`, are removed from it.
    """
    from multiprocessing.util import Finalize

    from server import context
    from server.app import create_app
    from server.errors import HttpError
    from server.jobs import QueryRequest

    app = create_app(settings, shared_marks)
    executor = context.of(app).executor
    executor.start()
    # Runs when the worker process ends normally (granian's workers are multiprocessing
    # processes); after a crash the query processes die with their fork server.
    Finalize(app, executor.close, exitpriority=10)
    try:
        executor.execute(QueryRequest(_CHECK_QUERY, "JSON", None))
    except HttpError as error:
        print(f"mhkg serve: {error.message}", file=sys.stderr, flush=True)
        executor.close()
        sys.exit(3)
    for name in SECRET_VARIABLES:
        os.environ.pop(name, None)
    return app


def _remote_problem(settings: Settings) -> str | None:
    from server.errors import HttpError
    from server.jobs import QueryRequest
    from server.remote_store import RemoteStore

    try:
        store = RemoteStore(settings)
    except ValueError as error:
        return str(error)
    try:
        store.execute(QueryRequest("ASK {}", "JSON", None))
    except HttpError as error:
        return f"the external store does not answer: {error.message}"
    finally:
        store.close()
    return None


if __name__ == "__main__":
    serve(Settings.from_env())
