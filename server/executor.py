"""Run store requests in child processes that are killed when they overrun the time limit.

pyoxigraph has no timeout or cancellation in Python, and a thread cannot be stopped, so
each server worker keeps a small pool of query processes. A request waits for a free one
and for its answer within one deadline; past it the process is killed and replaced, and
the client gets a 503, never a partial answer.
"""

from __future__ import annotations

import queue
import time
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Protocol

from server import child
from server.config import Settings
from server.errors import HttpError
from server.jobs import Failure, GraphRequest, QueryRequest, Result
from server.store import StoreDirectory


class Executor(Protocol):
    """Where requests for the store are carried out: embedded now, a remote store later."""

    def execute(self, request: QueryRequest | GraphRequest) -> Result:
        """Return the complete answer; raise HttpError with what the client should see."""
        ...

    def store_version(self) -> str | None:
        """Return the version that is published now, or None when there is none."""
        ...

    def start(self) -> None:
        """Get ready before the first request, so that it does not wait."""
        ...

    def close(self) -> None:
        """Stop whatever the executor started."""
        ...


class ChildProcessExecutor:
    """Carry out requests in a pool of killable processes that open the store themselves."""

    def __init__(self, settings: Settings) -> None:
        self._directory = StoreDirectory(settings.store_dir)
        self._timeout_s = settings.query_timeout_s
        self._children = [_QueryProcess(settings) for _ in range(settings.query_processes)]
        self._idle: queue.SimpleQueue[_QueryProcess] = queue.SimpleQueue()
        for query_process in self._children:
            self._idle.put(query_process)

    def execute(self, request: QueryRequest | GraphRequest) -> Result:
        """Return the answer, waiting for a free process and the answer within the limit."""
        deadline = time.monotonic() + self._timeout_s
        try:
            query_process = self._idle.get(timeout=self._timeout_s)
        except queue.Empty:
            raise HttpError(
                503,
                f"All {len(self._children)} query processes stayed busy for the time limit "
                f"of {self._timeout_s:g} s; try again later.",
                reason="busy",
            ) from None
        try:
            reply = query_process.run(request, deadline)
        finally:
            self._idle.put(query_process)
        if isinstance(reply, Failure):
            raise HttpError(reply.status, reply.message, reason=reply.reason)
        return reply

    def store_version(self) -> str | None:
        """Return the published version; reading a symlink is cheap enough per request."""
        return self._directory.current_version()

    def start(self) -> None:
        """Start every query process now rather than on first use."""
        for query_process in self._children:
            query_process.ensure_running()

    def close(self) -> None:
        """Kill every query process."""
        for query_process in self._children:
            query_process.stop()


class _QueryProcess:
    """One child process and the pipe to it; used by one request at a time."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._process: BaseProcess | None = None
        self._connection: Connection | None = None

    def run(self, request: QueryRequest | GraphRequest, deadline: float) -> Result | Failure:
        """Send the request and wait for the reply until `deadline`; kill the child after."""
        self.ensure_running()
        assert self._connection is not None
        try:
            self._connection.send(request)
            if self._connection.poll(max(0.0, deadline - time.monotonic())):
                return self._connection.recv()
        except (EOFError, OSError):
            self._restart()
            return Failure(503, "The query process ended unexpectedly; try again.", "crashed")
        self._restart()
        limit = self._settings.query_timeout_s
        return Failure(
            503,
            f"The query ran longer than the time limit of {limit:g} s and was stopped.",
            "timeout",
        )

    def ensure_running(self) -> None:
        """Start the child unless it is running."""
        if self._process is None or not self._process.is_alive():
            self._restart()

    def stop(self) -> None:
        """Kill the child and reap it."""
        if self._process is not None:
            # Only signal a live child: a dead one's pid may already belong to another process.
            if self._process.is_alive():
                self._process.kill()
            self._process.join()
            self._process.close()
            self._process = None
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _restart(self) -> None:
        self.stop()
        self._start()

    def _start(self) -> None:
        context = child.process_context()
        connection, child_end = context.Pipe()
        process = context.Process(
            target=child.answer_queries,
            args=(child_end, self._settings),
            name="mhkg-query",
            daemon=True,
        )
        try:
            process.start()
        except BaseException:
            connection.close()
            raise
        finally:
            child_end.close()
        self._process, self._connection = process, connection
