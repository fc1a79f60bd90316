"""Build the Flask application: settings, the store executor, and the blueprints."""

from __future__ import annotations

from flask import Flask

from server import (
    api,
    api_store,
    catalog,
    context,
    cors,
    downloads,
    errors,
    graph_store,
    operations,
    sparql,
    website,
)
from server.backends import select_executor
from server.config import Settings
from server.long_queries import LongQueryMarks
from server.request_limits import limit_request_head


def create_app(
    settings: Settings | None = None, shared_marks: LongQueryMarks | None = None
) -> Flask:
    """Return a new app; query processes start on the first request, not here.

    Call `server.context.of(app).executor.close()` to stop them when done (tests do).
    `shared_marks` are given by `mhkg serve` to all its workers (see server.admission).
    """
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    # Werkzeug answers bodies over the limit with 413 before a view reads them.
    app.config["MAX_CONTENT_LENGTH"] = settings.max_request_bytes
    context.install(app, settings, select_executor(settings, shared_marks))
    errors.register_error_handlers(app)
    app.register_blueprint(sparql.blueprint)
    app.register_blueprint(graph_store.blueprint)
    api_store.init_app(app, settings)
    app.register_blueprint(api.blueprint)
    app.register_blueprint(catalog.blueprint)
    app.register_blueprint(downloads.blueprint)
    operations.init_app(app)
    website.init_app(app, settings)
    cors.init_app(app, settings)
    app.wsgi_app = limit_request_head(app.wsgi_app)  # type: ignore[method-assign]
    return app
