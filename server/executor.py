"""Run store requests in child processes that are killed when they overrun the time limit.

pyoxigraph has no timeout or cancellation in Python, and a thread cannot be stopped, so
each server worker keeps a small pool of query processes. A request waits for a free one
and for its answer within one deadline; past it the process is killed and replaced, and
the client gets a 503, never a partial answer. The same happens to a query whose process
grows past the memory limit: a sort or a GROUP_CONCAT over a cross join can take memory
faster than the time limit would stop it. Which request gets a free process is up to
server.admission: fairly between clients, with one process kept turning over quickly.
"""

from __future__ import annotations

import math
import os
import select
import time
from collections.abc import Callable
from contextlib import suppress
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Protocol

from flask import has_request_context
from flask import request as http_request

from server import child
from server.admission import Admission, Crowded
from server.clients import client_of_request
from server.config import Settings
from server.errors import HttpError
from server.jobs import Failure, GraphRequest, QueryRequest, Result
from server.long_queries import LongQueryMarks
from server.process_usage import CHECK_EVERY_S, limit_passed, usage_of
from server.store import StoreDirectory

# A query that has used this much CPU gets a lower CPU priority, so that short queries
# started meanwhile are not slowed down by it; its process is replaced before the next one.
_LONG_QUERY_S = 0.25
_LONG_QUERY_NICENESS = 10
_MADE_WAY = "made_way"
# Request threads of a worker kept from requests that wait off the reserve: one for a short
# query waiting for the reserve, one for /healthz and answers from the cache.
_THREADS_FOR_OTHERS = 2
# Replies to queries stopped before their end: their clients count as sending long ones.
_CUT_SHORT = frozenset({"timeout", "memory", _MADE_WAY})


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

    def __init__(self, settings: Settings, shared_marks: LongQueryMarks | None = None) -> None:
        """`shared_marks` are the long queries of the server's other workers (see admission)."""
        self._directory = StoreDirectory(settings.store_dir)
        self._trusted_proxies = settings.trusted_proxies
        self._timeout_s = settings.query_timeout_s
        self._children = [_QueryProcess(settings) for _ in range(settings.query_processes)]
        waiting_room = max(0, settings.threads - settings.query_processes - _THREADS_FOR_OTHERS)
        self._admission = Admission(
            self._children, settings.preempt_after_s, shared_marks, waiting_room
        )

    def execute(self, request: QueryRequest | GraphRequest) -> Result:
        """Return the answer, waiting for a free process and the answer within the limit."""
        deadline = time.monotonic() + self._timeout_s
        client = _client(self._trusted_proxies)
        reply = self._run_once(request, client, deadline, reserve_allowed=True)
        if isinstance(reply, Failure) and reply.reason == _MADE_WAY:
            # It ran too long on the reserve while others waited: on a full-time process now.
            reply = self._run_once(request, client, deadline, reserve_allowed=False)
        if isinstance(reply, Failure):
            raise HttpError(reply.status, reply.message, reason=reply.reason)
        return reply

    def _run_once(
        self,
        request: QueryRequest | GraphRequest,
        client: str,
        deadline: float,
        *,
        reserve_allowed: bool,
    ) -> Result | Failure:
        try:
            lease = self._admission.acquire(client, deadline, reserve_allowed)
        except Crowded:
            raise HttpError(
                503,
                "The server is busy with long queries, and yours have been long lately; "
                f"try again in {self._timeout_s:g} s.",
                reason="crowded",
                headers={"Retry-After": str(math.ceil(self._timeout_s))},
            ) from None
        if lease is None:
            raise HttpError(
                503,
                f"All {len(self._children)} query processes stayed busy for the time limit "
                f"of {self._timeout_s:g} s; try again later.",
                reason="busy",
            )
        reply: Result | Failure | None = None
        try:
            reply = lease.process.run(
                request, deadline, lambda: self._admission.should_make_way(lease)
            )
            return reply
        finally:
            cut_short = isinstance(reply, Failure) and reply.reason in _CUT_SHORT
            self._admission.release(lease, lease.process.used_s, cut_short)

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


def _client(trusted_proxies: tuple[str, ...]) -> str:
    """Return who is asking, for fairness between clients (see server.clients)."""
    if not has_request_context():
        return ""
    return client_of_request(http_request, trusted_proxies)


class _QueryProcess:
    """One child process and the pipe to it; used by one request at a time.

    The child reports the CPU time it has used with every message (see server.child), so a
    request is charged only what its query cost: not the child's start or the opening of
    the store, which it does before it says it is ready.
    """

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._process: BaseProcess | None = None
        self._connection: Connection | None = None
        # Polls the pipe with one system call; Connection.poll builds a selector each time.
        self._poller = select.poll()
        self._ready = False
        self._deprioritised = False
        # The child's CPU time as of its last message: where the next request's use starts.
        self._cpu_mark = 0.0
        # The CPU time (wall time where /proc is missing) the last request used so far.
        self.used_s = 0.0

    def run(
        self,
        request: QueryRequest | GraphRequest,
        deadline: float,
        make_way: Callable[[], bool],
    ) -> Result | Failure:
        """Send the request and wait for the reply until `deadline`; kill the child after.

        The child is also killed as soon as `make_way()` says so (the reply then says that
        it made way), or when it holds more memory than the limit. `used_s` tells the CPU
        time the request used: a query slowed down by a busy machine is not taken for a
        long one. A child reniced for a long query is replaced as soon as it answers, so
        that the next request finds a fresh one ready.
        """
        self.ensure_running()
        assert self._connection is not None
        self.used_s = 0.0
        try:
            if not self._ready and not self._await_ready(deadline):
                return self._stopped("timeout")
            self._connection.send(request)
            started_wall = time.monotonic()
            while (remaining := deadline - time.monotonic()) > 0:
                if self._readable(min(remaining, CHECK_EVERY_S)):
                    reply, cpu_total = self._connection.recv()
                    self.used_s, self._cpu_mark = cpu_total - self._cpu_mark, cpu_total
                    if self._deprioritised:
                        self._restart()
                    return reply
                usage = usage_of(self._process.pid) if self._process is not None else None
                if usage is None:
                    self.used_s = time.monotonic() - started_wall
                else:
                    self.used_s = usage.cpu_s - self._cpu_mark
                    if usage.resident_bytes > self._settings.query_memory_bytes:
                        return self._stopped("memory")
                if not self._deprioritised and self.used_s >= _LONG_QUERY_S:
                    self._deprioritise()
                if make_way():
                    self._restart()
                    return Failure(503, "The query made way for shorter ones.", _MADE_WAY)
        except (EOFError, OSError):
            self._restart()
            return Failure(503, "The query process ended unexpectedly; try again.", "crashed")
        return self._stopped("timeout")

    def _await_ready(self, deadline: float) -> bool:
        """Wait until the child has opened the store; False if the deadline came first."""
        assert self._connection is not None
        if not self._readable(max(0.0, deadline - time.monotonic())):
            return False
        _, self._cpu_mark = self._connection.recv()
        self._ready = True
        return True

    def _stopped(self, reason: str) -> Failure:
        """Replace the child, stopped for passing a limit (`reason`: "timeout" or "memory")."""
        self._restart()
        message = f"The query {limit_passed(self._settings, reason)} and was stopped."
        return Failure(503, message, reason)

    def ensure_running(self) -> None:
        """Start the child unless it is running.

        A ready child sends nothing until asked, so anything to read now is the end of a
        child that died while idle.
        """
        if self._process is None or (self._ready and self._readable(0)):
            self._restart()

    def _readable(self, timeout_s: float) -> bool:
        """Wait up to `timeout_s` for a message (or the end) from the child."""
        return bool(self._poller.poll(math.ceil(timeout_s * 1000)))

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

    def _deprioritise(self) -> None:
        assert self._process is not None and self._process.pid is not None
        self._deprioritised = True
        with suppress(OSError):  # it may have just ended
            os.setpriority(os.PRIO_PROCESS, self._process.pid, _LONG_QUERY_NICENESS)

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
        self._poller = select.poll()
        self._poller.register(connection.fileno(), select.POLLIN)
        self._ready = self._deprioritised = False
