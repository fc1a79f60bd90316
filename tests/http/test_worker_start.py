"""What a server worker does before it serves: the app, its query processes, its environment."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from flask import Flask

from server import context
from server.serve import SECRET_VARIABLES, worker_app
from tests.http.conftest import settings_for
from tests.http.support import build_store


def test_a_ready_worker_keeps_no_secret_in_its_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # granian copies the worker's environment into every request's WSGI environ.
    for name in SECRET_VARIABLES:
        monkeypatch.setenv(name, "s3cret")
    monkeypatch.setenv("MHKG_QUERY_TIMEOUT_S", "20")
    settings = settings_for(build_store(tmp_path / "store"), update_token="s3cret")
    app = worker_app(settings)
    try:
        assert isinstance(app, Flask)
        assert [name for name in SECRET_VARIABLES if name in os.environ] == []
        assert os.environ["MHKG_QUERY_TIMEOUT_S"] == "20"  # not a secret: left alone
        assert context.of(app).settings.update_token == "s3cret"  # writes still work
        response = app.test_client().get("/sparql", query_string={"query": "ASK {}"})
        assert response.status_code == 200
    finally:
        context.of(app).executor.close()
