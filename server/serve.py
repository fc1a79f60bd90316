"""Run the app under gunicorn: `serve(settings)`, or `python -m server.serve` (MHKG_* env).

Start-up is on the way to the first answer, so this module imports little at the top:
query processes re-run the main module before their work (server.child.process_context),
and the app is imported once in serve(), in the gunicorn master, before workers fork.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable

from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter
from gunicorn.workers.base import Worker

from server.config import Settings
from server.store import StoreDirectory, StoreUnavailable

_CHECK_QUERY = "ASK { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"


def serve(settings: Settings) -> None:
    """Serve until stopped; exit with a message when there is no usable store."""
    problem = store_problem(settings)
    if problem is not None:
        raise SystemExit(f"mhkg serve: {problem}")
    from server.app import create_app  # once, here, so every worker inherits it

    _Gunicorn(settings, create_app).run()


def store_problem(settings: Settings) -> str | None:
    """Return why the store cannot be served, or None if it can.

    An external store must answer a query now. For the embedded store a version must be
    published; whether it opens is then checked by every worker's first query process
    (see _start_query_processes), which starts anyway, rather than by one more interpreter
    here: that check used to add half a second or more to the start.
    """
    from server.backends import uses_remote_store

    if uses_remote_store(settings):
        return _remote_problem(settings)
    try:
        StoreDirectory(settings.store_dir).current_path()
    except StoreUnavailable as error:
        return str(error)
    return None


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


class _Gunicorn(BaseApplication):
    """Gunicorn configured from our settings instead of its command line."""

    def __init__(self, settings: Settings, create_app: Callable[[Settings], object]) -> None:
        self.settings = settings
        self.create_app = create_app
        super().__init__()

    def load_config(self) -> None:
        settings = self.settings
        host = f"[{settings.host}]" if ":" in settings.host else settings.host
        options = {
            "bind": [f"{host}:{settings.port}"],
            "workers": settings.workers,
            # Threads, so one worker runs as many queries at once as it has query processes.
            "worker_class": "gthread",
            "threads": settings.threads,
            # Queries are bounded by query_timeout_s; this only catches a hung worker.
            "timeout": math.ceil(settings.query_timeout_s) + 30,
            "graceful_timeout": 10,
            "limit_request_line": 8190,  # long queries should be POSTed
            "accesslog": None,  # ours is structured and written by the app
            "errorlog": "-",
            "control_socket_disable": True,
            "proc_name": "mhkg",
            "post_worker_init": _start_query_processes,
            "worker_exit": _stop_query_processes,
        }
        for name, value in options.items():
            self.cfg.set(name, value)

    def load(self) -> object:
        return self.create_app(self.settings)


def _start_query_processes(worker: Worker) -> None:
    """Start the worker's query processes and have the first one open the store.

    If it cannot, the worker exits as one that failed to boot, and gunicorn then stops the
    whole server, with our message on stderr before its own.
    """
    from server import context
    from server.errors import HttpError
    from server.jobs import QueryRequest

    executor = context.of(worker.wsgi).executor
    executor.start()
    try:
        executor.execute(QueryRequest(_CHECK_QUERY, "JSON", None))
    except HttpError as error:
        print(f"mhkg serve: {error.message}", file=sys.stderr, flush=True)
        sys.exit(Arbiter.WORKER_BOOT_ERROR)


def _stop_query_processes(server: Arbiter, worker: Worker) -> None:
    from server import context

    context.of(worker.wsgi).executor.close()


if __name__ == "__main__":
    serve(Settings.from_env())
