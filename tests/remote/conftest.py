"""Fixtures that put a real Oxigraph server behind our app, as its external store.

The fixture names are those of tests/http/conftest.py, so the protocol tests collected in
this directory run unchanged against an app whose executor is server.remote_store;
`make_app` is that module's own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from server import context
from server.app import create_app
from server.config import Settings
from tests.http.conftest import make_app as make_app  # the fixture, for tests/remote too
from tests.http.conftest import settings_for
from tests.http.support import UPDATE_TOKEN
from tests.remote.support import Oxigraph, running_oxigraph, write_sample_store


def remote_settings(server: Oxigraph, root: Path, **overrides: object) -> Settings:
    """Return test settings (small limits) whose store is `server`; `root` holds no store."""
    empty = root / "no-local-store"
    (empty / "versions").mkdir(parents=True, exist_ok=True)
    return settings_for(empty, **server.store_settings(), **overrides)


@pytest.fixture(scope="session")
def read_oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Oxigraph]:
    """A read-only Oxigraph server over the test data, for the whole session."""
    location = write_sample_store(tmp_path_factory.mktemp("oxigraph-read") / "store")
    with running_oxigraph(location, read_only=True) as server:
        yield server


@pytest.fixture(scope="session")
def read_app(read_oxigraph: Oxigraph, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """A read-only app (no update token) whose store is the read-only Oxigraph server."""
    app = create_app(remote_settings(read_oxigraph, tmp_path_factory.mktemp("remote-read")))
    yield app
    context.of(app).executor.close()


@pytest.fixture
def client(read_app: Flask) -> FlaskClient:
    """A test client of the read-only app."""
    return read_app.test_client()


@pytest.fixture
def write_oxigraph(tmp_path: Path) -> Iterator[Oxigraph]:
    """A read-write Oxigraph server over a fresh copy of the test data, for one test."""
    with running_oxigraph(write_sample_store(tmp_path / "oxigraph"), read_only=False) as server:
        yield server


@pytest.fixture
def write_store(tmp_path: Path) -> Path:
    """The local store directory of the write app: empty, as the data live in Oxigraph."""
    root = tmp_path / "no-local-store"
    (root / "versions").mkdir(parents=True, exist_ok=True)
    return root


@pytest.fixture
def write_client(write_oxigraph: Oxigraph, write_store: Path) -> Iterator[FlaskClient]:
    """A test client of an app that accepts writes with UPDATE_TOKEN, into Oxigraph."""
    settings = settings_for(
        write_store, **write_oxigraph.store_settings(), update_token=UPDATE_TOKEN
    )
    app = create_app(settings)
    yield app.test_client()
    context.of(app).executor.close()
