"""Offer the named queries of queries/*.rq to the site: read once, again when a file changes."""

from __future__ import annotations

import threading

from server.context import current_settings
from server.errors import HttpError
from server.named_queries import NamedQuery, load_queries
from server.web.sparql_rows import Rows, select

_lock = threading.Lock()
_loaded: dict[str, tuple[tuple[int, int], dict[str, NamedQuery]]] = {}


def named_queries() -> dict[str, NamedQuery]:
    """Return every named query by name (parsing all of them takes tens of milliseconds)."""
    settings = current_settings()
    directory = settings.queries_dir
    paths = list(directory.glob("*.rq"))
    stamp = (len(paths), max((p.stat().st_mtime_ns for p in paths), default=0))
    key = f"{directory}|{settings.base_iri}"
    with _lock:
        known = _loaded.get(key)
        if known is None or known[0] != stamp:
            known = _loaded[key] = (stamp, load_queries(directory, settings.base_iri))
    return known[1]


def named_query(name: str) -> NamedQuery:
    """Return the named query `name`; 404 if there is none."""
    query = named_queries().get(name)
    if query is None:
        raise HttpError(404, f"There is no named query {name!r}.")
    return query


def run_named_query(name: str, values: dict[str, str]) -> Rows:
    """Run a named query with values given by parameter name, bound as RDF terms."""
    query = named_query(name)
    terms = query.substitutions(values, current_settings().base_iri)
    return select(query.text, dict(terms))
