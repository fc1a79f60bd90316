"""Register the linked-data website: dereferencing, overview pages and the query page."""

from __future__ import annotations

from flask import Flask

from server import linked_data, query_page, site
from server.config import Settings
from server.web import render, state


def init_app(app: Flask, settings: Settings) -> None:
    """Add the site's blueprints, template helpers, security headers and caches to `app`."""
    state.install(app, settings.base_iri)
    render.init_app(app)
    app.register_blueprint(linked_data.blueprint)
    app.register_blueprint(site.blueprint)
    app.register_blueprint(query_page.blueprint)
