"""Keep what the site reads once per store version: labels, texts, ontology, overviews."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app

from server.context import current_executor, current_settings
from server.namespaces import prefixes
from server.web.iris import SiteIris
from server.web.labels import LabelIndex, Labeller, read_label_index
from server.web.letter import read_text
from server.web.sparql_rows import VersionedCache

_KEY = "mhkg.web"
T = TypeVar("T")


class WebState:
    """The site's caches and IRI mapping for one app."""

    def __init__(self, base_iri: str) -> None:
        self.iris = SiteIris(base_iri, prefixes(base_iri))
        self.cache = VersionedCache()


def install(app: Flask, base_iri: str) -> None:
    """Give `app` the site's state."""
    app.extensions[_KEY] = WebState(base_iri)


def web_state() -> WebState:
    """Return the site's state of the running app."""
    return current_app.extensions[_KEY]


def cached(key: str, compute: Callable[[], tuple[T, str]]) -> T:
    """Return the value of `key` for the published store version, computing it once."""
    version = current_executor().store_version() or ""
    return web_state().cache.get(version, key, compute)


def label_index() -> LabelIndex:
    """Return the labels of all our resources."""
    page_size = current_settings().max_result_rows
    return cached("labels", lambda: read_label_index(page_size))


def labeller(lang: str) -> Labeller:
    """Return a namer for one page in `lang`."""
    return Labeller(label_index(), web_state().iris, lang)


def source_text(source_iri: str) -> str | None:
    """Return the text of a source document such as the letter, or None if it has none."""
    return cached("text " + source_iri, lambda: read_text(source_iri))
