"""Fixtures of the reliability suite: the composed store and a real server over it.

Hypothesis runs a fixed, bounded number of examples with no deadline (requests go over
real sockets); in CI (CI=true) it is derandomized, so a run is repeatable.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from server.config import Settings
from tests.live_server import LiveServer, start_server
from tests.reliability.graphs import compose_store

TOKEN = "reliability-token-5b9e2c71d04f"
TIMEOUT_S = 2
# Long enough for any answer within the time limit; a hang fails the test instead.
CLIENT_TIMEOUT_S = TIMEOUT_S + 10
QUERY_PROCESSES = 2
WORKERS = 2
# The settings of the shared server; tests that need others start their own.
SERVER_SETTINGS: dict[str, object] = {
    "workers": WORKERS,
    "query_processes": QUERY_PROCESSES,
    "query_timeout_s": TIMEOUT_S,
    "update_token": TOKEN,
}

settings.register_profile(
    "reliability",
    deadline=None,
    database=None,
    print_blob=True,
    derandomize=os.environ.get("CI", "").lower() == "true",
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
FUZZ_SETTINGS = settings.get_profile("reliability")


@pytest.fixture(scope="session")
def reliability_store(built_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A published store with the real graph, the test graphs, bomb fodder and probes."""
    root = tmp_path_factory.mktemp("reliability") / "store"
    return compose_store(root, built_settings.store_dir, Settings())


@pytest.fixture(scope="session")
def server(
    reliability_store: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The shared server: writes enabled with TOKEN, a 2 s time limit, 2 x 2 query processes."""
    log = tmp_path_factory.mktemp("server-log") / "server.log"
    live = start_server(reliability_store, log, **SERVER_SETTINGS)
    yield live
    live.stop()
