"""Fixtures shared by the whole suite: the real graph, built once per session."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from server.build import build
from server.config import Settings
from server.store import PublishedStore, StoreDirectory


@pytest.fixture(scope="session")
def built_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings whose store holds the real ontology, data and shapes, built and published."""
    settings = Settings(store_dir=tmp_path_factory.mktemp("store"))
    build(settings)
    return settings


@pytest.fixture(scope="session")
def store(built_settings: Settings) -> ox.Store:
    """The published store of the real graph, opened read-only."""
    published, _version = PublishedStore(StoreDirectory(built_settings.store_dir)).get()
    return published
