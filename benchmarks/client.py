"""Send a bounded stream of HTTP requests over keep-alive connections and time each one.

The load generator must cost the servers as little CPU as possible on a shared 2-core
machine, so it speaks just enough HTTP/1.1 itself: requests are encoded once, responses are
read with Content-Length or chunked framing, and each thread keeps one connection open.
Sockets release the GIL, so the threads wait for their servers in parallel. It runs in a
process of its own (see `benchmarks.loadprocess`), so its GIL is shared with nobody.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

_READ_SIZE = 1 << 16
_NO_BODY = {204, 304}


class Kinded(Protocol):
    """Anything the load generator sends: it says what kind of query it is."""

    @property
    def kind(self) -> str: ...


T = TypeVar("T", bound=Kinded)


@dataclass(frozen=True)
class Planned:
    """One request: what kind of query, the path with its query string, the Accept header.

    With `revalidate`, a client that holds an ETag for this path sends If-None-Match, as a
    browser or dashboard revalidating its cached copy does.
    """

    kind: str
    path: str
    accept: str
    revalidate: bool = False


@dataclass(frozen=True)
class Outcome:
    """What happened to one request."""

    kind: str
    started: float
    seconds: float
    status: int  # 0 when no response came (timeout, refused, reset)
    size: int
    error: str | None = None


@dataclass(frozen=True)
class Limits:
    """When a run stops issuing requests: all three bounds are hard."""

    # Stop after this many seconds once at least `min_requests` have been answered ...
    seconds: float
    min_requests: int
    # ... and in any case after `max_seconds` or `max_requests`.
    max_seconds: float
    max_requests: int
    request_timeout_s: float


class Response:
    """A response read completely."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body


class Connection:
    """One keep-alive HTTP/1.1 connection to 127.0.0.1, reopened when the server closes it."""

    def __init__(self, port: int, timeout_s: float) -> None:
        self._port = port
        self._timeout_s = timeout_s
        self._socket: socket.socket | None = None
        self._buffer = bytearray()

    def exchange(self, request: bytes) -> Response:
        """Send one encoded request and return its response."""
        reused = self._socket is not None
        try:
            return self._exchange(request)
        except (ConnectionError, BrokenPipeError):
            self.close()
            if not reused:
                raise
        # A kept-alive connection the server had closed meanwhile: one retry on a fresh one.
        return self._exchange(request)

    def close(self) -> None:
        """Close the connection; the next exchange opens a new one."""
        if self._socket is not None:
            self._socket.close()
            self._socket = None
        self._buffer.clear()

    def _exchange(self, request: bytes) -> Response:
        if self._socket is None:
            self._socket = socket.create_connection(("127.0.0.1", self._port), self._timeout_s)
            self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._socket.sendall(request)
        response = self._read_response()
        if response.headers.get("connection", "").lower() == "close":
            self.close()
        return response

    def _read_response(self) -> Response:
        end = self._buffer.find(b"\r\n\r\n")
        while end < 0:
            self._fill()
            end = self._buffer.find(b"\r\n\r\n")
        head = self._buffer[:end].decode("latin-1").split("\r\n")
        del self._buffer[: end + 4]
        status = int(head[0].split(" ", 2)[1])
        headers = {}
        for line in head[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if status in _NO_BODY or status < 200:
            body = b""
        elif "content-length" in headers:
            body = self._take(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            body = self._read_chunks()
        else:  # delimited by the end of the connection
            while self._fill_or_end():
                pass
            body = bytes(self._buffer)
            self.close()
        return Response(status, headers, body)

    def _read_chunks(self) -> bytes:
        parts = []
        while True:
            line = self._line()
            size = int(line.split(b";", 1)[0], 16)
            if size == 0:
                while self._line():  # trailer fields, up to the empty line
                    pass
                return b"".join(parts)
            parts.append(self._take(size))
            self._line()

    def _line(self) -> bytes:
        end = self._buffer.find(b"\r\n")
        while end < 0:
            self._fill()
            end = self._buffer.find(b"\r\n")
        line = bytes(self._buffer[:end])
        del self._buffer[: end + 2]
        return line

    def _take(self, size: int) -> bytes:
        while len(self._buffer) < size:
            self._fill()
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    def _fill(self) -> None:
        if not self._fill_or_end():
            raise ConnectionError("the server closed the connection mid-response")

    def _fill_or_end(self) -> bool:
        assert self._socket is not None
        data = self._socket.recv(_READ_SIZE)
        self._buffer += data
        return bool(data)


def encode_get(port: int, planned: Planned, etag: str | None) -> bytes:
    """Return the bytes of a GET for `planned`, conditional on `etag` when given."""
    lines = [
        f"GET {planned.path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        f"Accept: {planned.accept}",
        "User-Agent: mhkg-benchmark",
    ]
    if etag is not None:
        lines.append(f"If-None-Match: {etag}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")


def run_http(
    port: int, plans: Sequence[Planned], concurrency: int, limits: Limits
) -> list[Outcome]:
    """Send `plans` in order from `concurrency` threads, one connection each, until a limit."""

    def worker(next_plan: Callable[[], Planned | None], record: Callable[[Outcome], None]) -> None:
        connection = Connection(port, limits.request_timeout_s)
        etags: dict[tuple[str, str], str] = {}  # this client's cache, as one browser's
        try:
            while (planned := next_plan()) is not None:
                key = (planned.path, planned.accept)
                etag = etags.get(key) if planned.revalidate else None
                request = encode_get(port, planned, etag)
                started = time.perf_counter()
                try:
                    response = connection.exchange(request)
                except (OSError, ValueError, IndexError) as error:
                    connection.close()
                    elapsed = time.perf_counter() - started
                    record(Outcome(planned.kind, started, elapsed, 0, 0, type(error).__name__))
                    continue
                elapsed = time.perf_counter() - started
                if "etag" in response.headers:
                    etags[key] = response.headers["etag"]
                error = None if response.status in (200, 304) else f"HTTP {response.status}"
                if "mhkg-result-truncated" in response.headers:
                    error = "truncated"
                size = len(response.body)
                record(Outcome(planned.kind, started, elapsed, response.status, size, error))
        finally:
            connection.close()

    return _drive(plans, concurrency, limits, worker)


def run_in_process(
    answer: Callable[[T], int], items: Sequence[T], concurrency: int, limits: Limits
) -> list[Outcome]:
    """Run `answer` (returning a body size) on `items` from `concurrency` threads."""

    def worker(next_item: Callable[[], T | None], record: Callable[[Outcome], None]) -> None:
        while (item := next_item()) is not None:
            started = time.perf_counter()
            try:
                size, error = answer(item), None
            except (SyntaxError, ValueError, RuntimeError, OSError) as failure:
                size, error = 0, type(failure).__name__
            elapsed = time.perf_counter() - started
            record(Outcome(item.kind, started, elapsed, 200 if error is None else 0, size, error))

    return _drive(items, concurrency, limits, worker)


def _drive(
    plans: Sequence[T],
    concurrency: int,
    limits: Limits,
    worker: Callable[[Callable[[], T | None], Callable[[Outcome], None]], None],
) -> list[Outcome]:
    """Hand out `plans` in order to `concurrency` worker threads until a limit is reached."""
    lock = threading.Lock()
    outcomes: list[Outcome] = []
    issued = 0
    started = time.perf_counter()
    cap = min(len(plans), limits.max_requests)

    def next_plan() -> T | None:
        nonlocal issued
        with lock:
            elapsed = time.perf_counter() - started
            enough = elapsed >= limits.seconds and len(outcomes) >= limits.min_requests
            if issued >= cap or enough or elapsed >= limits.max_seconds:
                return None
            issued += 1
            return plans[issued - 1]

    def record(outcome: Outcome) -> None:
        with lock:
            outcomes.append(outcome)

    threads = [
        threading.Thread(target=worker, args=(next_plan, record), daemon=True)
        for _ in range(concurrency)
    ]
    for thread in threads:
        thread.start()
    # Every request ends within its timeout, so the threads end by then; the join is
    # bounded anyway, and a thread still stuck is left behind as a daemon.
    join_by = time.monotonic() + limits.max_seconds + limits.request_timeout_s + 5
    for thread in threads:
        thread.join(timeout=max(0.0, join_by - time.monotonic()))
    with lock:
        return list(outcomes)
