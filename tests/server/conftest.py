"""Start a real server (`mhkg serve`) on a free loopback port for these tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.http.support import UPDATE_TOKEN, build_store
from tests.live_server import LiveServer, running_server

TIMEOUT_S = 2
MAX_ROWS = 100
MAX_REQUEST_BYTES = 20_000


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server over its own test store; stopped, with all its processes, at the end."""
    root = tmp_path_factory.mktemp("live")
    with running_server(
        build_store(root / "store"),
        root / "server.log",
        workers=2,
        query_processes=2,
        query_timeout_s=TIMEOUT_S,
        max_result_rows=MAX_ROWS,
        max_request_bytes=MAX_REQUEST_BYTES,
        update_token=UPDATE_TOKEN,
    ) as server:
        yield server
