"""Apps over a copy of the real built graph, for the API, catalogue and download tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask

from server import context
from server.app import create_app
from server.config import Settings
from tests.http.conftest import settings_for

ROOT = Path(__file__).resolve().parents[2]
SHAPES = ROOT / "shapes" / "publication" / "catalog.ttl"


def copy_store(source: Path, target: Path) -> Path:
    """Copy a published store (its versions and `current` link) to `target`; return it."""
    shutil.copytree(
        source, target, symlinks=True, ignore=shutil.ignore_patterns("downloads", "*.lock")
    )
    return target


@contextmanager
def real_app(built: Settings, target: Path, **overrides: object) -> Iterator[Flask]:
    """Yield an app over a copy of the built store; its query processes stop afterwards."""
    store = copy_store(built.store_dir, target)
    settings = settings_for(store, max_result_rows=10_000, **overrides)
    app = create_app(settings)
    try:
        yield app
    finally:
        context.of(app).executor.close()
