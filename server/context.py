"""Hand views the app's settings, its executor and its caches: the one way to the store."""

from __future__ import annotations

from flask import Flask, current_app

from server.config import Settings
from server.executor import Executor
from server.store_stats import StatsCache

_KEY = "mhkg"


class AppState:
    """What one app instance owns."""

    def __init__(self, settings: Settings, executor: Executor) -> None:
        self.settings = settings
        self.executor = executor
        self.stats = StatsCache()


def install(app: Flask, settings: Settings, executor: Executor) -> AppState:
    """Attach the settings and the executor to `app`."""
    state = AppState(settings, executor)
    app.extensions[_KEY] = state
    return state


def of(app: Flask) -> AppState:
    """Return what `app` owns, e.g. to close its executor."""
    return app.extensions[_KEY]


def current_settings() -> Settings:
    """Return the settings of the running app."""
    return of(current_app).settings


def current_executor() -> Executor:
    """Return the executor of the running app: views reach the store only through it."""
    return of(current_app).executor


def current_stats() -> StatsCache:
    """Return the graph counts cache of the running app."""
    return of(current_app).stats
