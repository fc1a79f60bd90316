"""Run the app under gunicorn: `serve(settings)`, or `python -m server.serve` (MHKG_* env)."""

from __future__ import annotations

import math
import multiprocessing

from flask import Flask
from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter
from gunicorn.workers.base import Worker

from server import child, context
from server.app import create_app
from server.config import Settings
from server.jobs import Failure, QueryRequest
from server.store import StoreDirectory, StoreUnavailable

_CHECK_QUERY = "ASK { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"


def serve(settings: Settings) -> None:
    """Serve until stopped; exit with a message when there is no usable store."""
    problem = store_problem(settings)
    if problem is not None:
        raise SystemExit(f"mhkg serve: {problem}")
    _Gunicorn(settings).run()


def store_problem(settings: Settings) -> str | None:
    """Return why the published store cannot be served, or None if it can."""
    try:
        StoreDirectory(settings.store_dir).current_path()
    except StoreUnavailable as error:
        return str(error)
    # Open it the way query processes will, in a fresh interpreter: RocksDB is never opened
    # in the gunicorn master, and no fork server is started there for workers to inherit.
    spawn = multiprocessing.get_context("spawn")
    connection, child_end = spawn.Pipe()
    process = spawn.Process(target=child.answer_queries, args=(child_end, settings), daemon=True)
    process.start()
    child_end.close()
    try:
        connection.send(QueryRequest(_CHECK_QUERY, "JSON", None))
        if not connection.poll(settings.query_timeout_s + 30):
            return f"opening the store in {settings.store_dir} took too long"
        reply = connection.recv()
    except EOFError:
        return f"the process opening the store in {settings.store_dir} died"
    finally:
        process.kill()
        process.join()
        connection.close()
    return reply.message if isinstance(reply, Failure) else None


class _Gunicorn(BaseApplication):
    """Gunicorn configured from our settings instead of its command line."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
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

    def load(self) -> Flask:
        return create_app(self.settings)


def _start_query_processes(worker: Worker) -> None:
    context.of(worker.wsgi).executor.start()


def _stop_query_processes(server: Arbiter, worker: Worker) -> None:
    context.of(worker.wsgi).executor.close()


if __name__ == "__main__":
    serve(Settings.from_env())
