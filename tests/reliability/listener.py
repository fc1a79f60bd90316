"""A loopback listener on 127.0.0.1 and [::1] that records every connection made to it.

If the server ever fetches something because a client asked it to, it lands here.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

BIND_ATTEMPTS = 20


class LoopbackListener:
    """Listen on one port of 127.0.0.1 and of ::1; count connections, answer nothing useful."""

    def __init__(self) -> None:
        self.sockets = self._bind_both()
        self.port = self.sockets[0].getsockname()[1]
        self.connections: list[str] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._threads = [
            threading.Thread(target=self._accept, args=(sock,), daemon=True)
            for sock in self.sockets
        ]

    def __enter__(self) -> LoopbackListener:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopping.set()
        for thread in self._threads:
            thread.join(timeout=5)
        for sock in self.sockets:
            sock.close()

    def urls(self, path: str = "/sparql") -> dict[str, str]:
        """Return URLs of this listener, by the way the host is spelt."""
        port = self.port
        spellings = {
            "dotted": "127.0.0.1",
            "decimal": "2130706433",
            "hex": "0x7f000001",
            "hex dotted short": "0x7f.1",
            "octal": "0177.0.0.1",
            "short": "127.1",
            "localhost": "localhost",
            "localhost with a dot": "localhost.",
            "LOCALHOST": "LOCALHOST",
            "IPv6 loopback": "[::1]",
            "IPv6 long": "[0:0:0:0:0:0:0:1]",
            "IPv4-mapped IPv6": "[::ffff:127.0.0.1]",
            "percent-encoded": "%31%32%37.0.0.1",
            "with user info": "user:pw@127.0.0.1",
        }
        return {name: f"http://{host}:{port}{path}" for name, host in spellings.items()}

    def _bind_both(self) -> list[socket.socket]:
        for _ in range(BIND_ATTEMPTS):
            ipv4 = socket.create_server(("127.0.0.1", 0))
            try:
                ipv6 = socket.create_server(("::1", ipv4.getsockname()[1]), family=socket.AF_INET6)
            except OSError:  # that port is taken on ::1; try another
                ipv4.close()
                continue
            for sock in (ipv4, ipv6):
                sock.settimeout(0.1)
            return [ipv4, ipv6]
        raise RuntimeError("no port free on both 127.0.0.1 and ::1")

    def _accept(self, sock: socket.socket) -> None:
        while not self._stopping.is_set():
            try:
                connection, peer = sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self.connections.append(str(peer))
            connection.close()


def listening() -> Iterator[LoopbackListener]:
    """Yield a running listener (for fixtures)."""
    with LoopbackListener() as listener:
        yield listener
