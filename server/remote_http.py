"""Talk HTTP to an external SPARQL store: kept-alive connections, credentials, one deadline.

Each request has one deadline for all of it: connecting, sending and reading the answer,
which is read in pieces with the socket timeout set to the time that is left. Redirects are
not followed, so credentials never travel to another host.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import io
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

_PIECE = 1 << 16


class RemoteTimeout(TimeoutError):
    """The deadline of a request to the external store passed."""


@dataclass(frozen=True)
class Endpoint:
    """One URL of the external store, split for http.client."""

    url: str
    https: bool
    host: str
    port: int
    path: str  # path and query string

    @classmethod
    def parse(cls, url: str, what: str) -> Endpoint:
        """Return the endpoint at `url`; raise ValueError naming `what` if it is not http(s)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{what} must be an http:// or https:// URL, not {url!r}")
        if parts.username or parts.password:
            raise ValueError(f"{what} must not hold credentials; use the username/token settings")
        https = parts.scheme == "https"
        port = parts.port or (443 if https else 80)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return cls(url, https, parts.hostname, port, path)

    def with_query(self, query: str) -> str:
        """Return this endpoint's path with `query` (already encoded) added to its query."""
        separator = "&" if "?" in self.path else "?"
        return f"{self.path}{separator}{query}" if query else self.path


def authorization(username: str | None, password: str | None, token: str | None) -> str | None:
    """Return the Authorization header for basic credentials or a bearer token, if any."""
    if token and username:
        raise ValueError("give the external store either a username and password or a token")
    if token:
        return f"Bearer {token}"
    if username:
        pair = f"{username}:{password or ''}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")
    return None


class Reply:
    """The status and headers of an answer, and its body as a stream bounded by the deadline."""

    def __init__(
        self,
        response: http.client.HTTPResponse,
        sock: socket.socket | None,
        deadline: float,
        release: Callable[[bool], None],
    ) -> None:
        self.status = response.status
        self.content_type = response.getheader("Content-Type", "")
        self._response = response
        self._sock = sock
        self._deadline = deadline
        self._release = release

    @property
    def media_type(self) -> str:
        """Return the media type of the body, without parameters, lower case."""
        return self.content_type.split(";", 1)[0].strip().lower()

    def stream(self) -> io.BufferedReader:
        """Return the body as a file that fails with RemoteTimeout past the deadline."""
        return io.BufferedReader(_DeadlineBody(self._response, self._sock, self._deadline), _PIECE)

    def read(self, limit: int) -> bytes:
        """Return at most `limit` bytes of the body."""
        return self.stream().read(limit)

    def close(self) -> None:
        """Hand the connection back: kept for the next request if the body was read through.

        A parser stops at the end of the document, which may leave the end of a chunked body
        unread; a little is read to find the end, more is not worth the wait.
        """
        if not self._response.isclosed():
            with contextlib.suppress(OSError, http.client.HTTPException):
                self.stream().read(_PIECE)
        self._release(self._response.isclosed())


class _DeadlineBody(io.RawIOBase):
    def __init__(
        self, response: http.client.HTTPResponse, sock: socket.socket | None, deadline: float
    ) -> None:
        self._response = response
        self._sock = sock
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise RemoteTimeout("the external store took longer than the time limit")
        if self._sock is not None:
            self._sock.settimeout(remaining)  # each read waits at most for the time left
        try:
            return self._response.readinto(buffer)
        except TimeoutError as error:
            raise RemoteTimeout("the external store took longer than the time limit") from error


class Transport:
    """Send requests to the external store over connections kept per thread."""

    def __init__(self, auth: str | None) -> None:
        self._auth = auth
        self._local = threading.local()
        self._all: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    def request(
        self,
        method: str,
        endpoint: Endpoint,
        path: str,
        deadline: float,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        """Send one request and return its reply once the headers are in."""
        headers = {"User-Agent": "mhkg", **(headers or {})}
        if self._auth is not None:
            headers["Authorization"] = self._auth
        for attempt in (1, 2):
            connection, reused = self._connection(endpoint, deadline)
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
            except TimeoutError as error:
                self._discard(endpoint, connection)
                raise RemoteTimeout("the external store took longer than the time limit") from error
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self._discard(endpoint, connection)
                if reused and attempt == 1:
                    continue  # the store closed a kept-alive connection: once more, afresh
                raise
            except (OSError, http.client.HTTPException):
                self._discard(endpoint, connection)
                raise
            return Reply(response, connection.sock, deadline, self._releaser(endpoint, connection))
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Close every connection this transport opened."""
        with self._lock:
            connections, self._all = self._all, []
        for connection in connections:
            connection.close()

    def _connection(
        self, endpoint: Endpoint, deadline: float
    ) -> tuple[http.client.HTTPConnection, bool]:
        pool: dict[tuple[bool, str, int], http.client.HTTPConnection] = self._pool()
        key = (endpoint.https, endpoint.host, endpoint.port)
        remaining = max(0.001, deadline - time.monotonic())
        connection = pool.get(key)
        if connection is not None:
            if connection.sock is not None:
                connection.sock.settimeout(remaining)
            return connection, True
        kind = http.client.HTTPSConnection if endpoint.https else http.client.HTTPConnection
        connection = kind(endpoint.host, endpoint.port, timeout=remaining)
        pool[key] = connection
        with self._lock:
            self._all.append(connection)
        return connection, False

    def _pool(self) -> dict[tuple[bool, str, int], http.client.HTTPConnection]:
        pool = getattr(self._local, "pool", None)
        if pool is None:
            pool = self._local.pool = {}
        return pool

    def _releaser(
        self, endpoint: Endpoint, connection: http.client.HTTPConnection
    ) -> Callable[[bool], None]:
        def release(reusable: bool) -> None:
            if not reusable:
                self._discard(endpoint, connection)

        return release

    def _discard(self, endpoint: Endpoint, connection: http.client.HTTPConnection) -> None:
        connection.close()
        self._pool().pop((endpoint.https, endpoint.host, endpoint.port), None)
        with self._lock:
            if connection in self._all:
                self._all.remove(connection)
