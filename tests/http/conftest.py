"""Fixtures for the Flask test-client tests: small stores and apps over them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from server import context
from server.app import create_app
from server.config import Settings
from tests.http.support import UPDATE_TOKEN, build_store

MAX_ROWS = 100
MAX_REQUEST_BYTES = 20_000


def settings_for(store_dir: Path, **overrides: object) -> Settings:
    """Return test settings over `store_dir`: small limits, two query processes."""
    defaults: dict[str, object] = {
        "store_dir": store_dir,
        "query_timeout_s": 20.0,
        "max_result_rows": MAX_ROWS,
        "max_request_bytes": MAX_REQUEST_BYTES,
        "query_processes": 2,
    }
    return Settings().with_overrides(**{**defaults, **overrides})


@pytest.fixture(scope="session")
def read_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A published test store that no test writes to."""
    return build_store(tmp_path_factory.mktemp("read-store"))


@pytest.fixture
def make_app() -> Iterator[Callable[[Settings], Flask]]:
    """Return a factory of apps whose query processes are stopped after the test."""
    apps: list[Flask] = []

    def make(settings: Settings) -> Flask:
        app = create_app(settings)
        apps.append(app)
        return app

    yield make
    for app in apps:
        context.of(app).executor.close()


@pytest.fixture(scope="session")
def read_app(read_store: Path) -> Iterator[Flask]:
    """A read-only app (no update token) over the shared test store."""
    app = create_app(settings_for(read_store))
    yield app
    context.of(app).executor.close()


@pytest.fixture(scope="session")
def graph_app(built_settings: Settings) -> Iterator[Flask]:
    """A read-only app over the real built graph, shared by the site and linked-data tests."""
    app = create_app(built_settings.with_overrides(query_processes=2))
    yield app
    context.of(app).executor.close()


@pytest.fixture
def client(read_app: Flask) -> FlaskClient:
    """A test client of the read-only app."""
    return read_app.test_client()


@pytest.fixture
def write_store(tmp_path: Path) -> Path:
    """A test store of this test's own, free to change."""
    return build_store(tmp_path / "store")


@pytest.fixture
def write_client(write_store: Path, make_app: Callable[[Settings], Flask]) -> FlaskClient:
    """A test client of an app that accepts writes with UPDATE_TOKEN."""
    return make_app(settings_for(write_store, update_token=UPDATE_TOKEN)).test_client()
