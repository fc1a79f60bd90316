"""Answer an unknown IRI with a page that helps: similar IRIs and a label search."""

from __future__ import annotations

import difflib
import re

from flask import Response

from server.errors import HttpError
from server.negotiation import Offer
from server.web import language
from server.web.formats import HTML_OFFER
from server.web.render import html_page
from server.web.state import label_index, labeller, web_state
from server.web.views import iri_view

MAX_SIMILAR = 6


def not_found(iri: str, offer: Offer) -> Response:
    """Return a 404 for `iri`: an HTML page for browsers, plain text for RDF clients."""
    if offer != HTML_OFFER:
        raise HttpError(404, f"<{iri}> does not occur in the knowledge graph.", reason="absent")
    names = labeller(language.requested())
    index = label_index()
    similar = _similar(iri, list(index.by_resource))
    words = _words(iri, web_state().iris.base)
    return html_page(
        "not_found.html",
        status=404,
        iri=iri,
        similar=[iri_view(found, names) for found in similar],
        search_term=words,
    )


def _similar(iri: str, candidates: list[str]) -> list[str]:
    # Compare the last segment among IRIs of the same kind (id/organisatie/...) first: the
    # shared prefix would make every IRI look alike.
    parent, _, last = iri.rpartition("/")
    siblings = {c.rpartition("/")[2]: c for c in candidates if c.rpartition("/")[0] == parent}
    close = difflib.get_close_matches(last, list(siblings), n=MAX_SIMILAR, cutoff=0.5)
    found = [siblings[name] for name in close]
    if len(found) < MAX_SIMILAR:
        others = difflib.get_close_matches(iri, candidates, n=MAX_SIMILAR, cutoff=0.85)
        found += [c for c in others if c not in found][: MAX_SIMILAR - len(found)]
    return found


def _words(iri: str, base: str) -> str:
    # The last segment of the path, in words: id/organisatie/ckm-x -> "ckm x".
    rest = iri[len(base) :] if iri.startswith(base) else iri
    last = re.split(r"[/#]", rest.rstrip("/"))[-1]
    return " ".join(part for part in re.split(r"[-_.]+", last) if part)
