"""Offer each page as HTML or RDF, chosen by Accept, `?format=` or a file extension."""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox
from flask import Response, request

from server import negotiation
from server.namespaces import prefixes
from server.negotiation import GRAPH_OFFERS, Offer
from server.result_json import used_prefixes

HTML_OFFER = Offer(
    "text/html; charset=utf-8",
    "HTML",
    "html",
    "https://www.iana.org/assignments/media-types/text/html",
    ("application/xhtml+xml",),
)
_RDF_NAMES = ("ttl", "jsonld", "nt", "rdfxml")
RDF_OFFERS: tuple[Offer, ...] = tuple(
    next(o for o in GRAPH_OFFERS if o.short_name == name) for name in _RDF_NAMES
)
# HTML first: a client that states no preference (curl's */*) gets the readable page.
DOCUMENT_OFFERS: tuple[Offer, ...] = (HTML_OFFER, *RDF_OFFERS)
EXTENSIONS = {
    "html": "html",
    "ttl": "ttl",
    "jsonld": "jsonld",
    "nt": "nt",
    "rdf": "rdfxml",
    "owl": "rdfxml",
}


def split_extension(path: str) -> tuple[str, str | None]:
    """Return the path without a known format extension, and the format it names."""
    stem, dot, extension = path.rpartition(".")
    if dot and "/" not in extension and extension in EXTENSIONS:
        return stem, EXTENSIONS[extension]
    return path, None


def choose(extension_format: str | None) -> Offer:
    """Return the format to answer in: an extension wins over ?format=, which wins over Accept."""
    wanted = extension_format or request.args.get("format")
    return negotiation.choose(DOCUMENT_OFFERS, request.headers.get("Accept"), wanted)


def rdf_response(body: bytes, offer: Offer) -> Response:
    """Return an RDF document in the chosen format."""
    response = Response(body, content_type=offer.media_type)
    response.vary.add("Accept")
    return response


def serialize(triples: Iterable[ox.Triple], offer: Offer, base_iri: str) -> bytes:
    """Write triples in the offer's format, declaring only the prefixes they use."""
    kept = list(triples)
    used = used_prefixes(prefixes(base_iri), kept)
    return ox.serialize(kept, format=getattr(ox.RdfFormat, offer.pyoxigraph_name), prefixes=used)


def alternates(path: str) -> list[tuple[str, str, str]]:
    """Return (URL, short name, media type) of every format of the page at `path`."""
    return [
        (f"{path}.{_extension(o.short_name)}", o.short_name, o.media_type.split(";")[0])
        for o in DOCUMENT_OFFERS
    ]


def link_header(path: str) -> str:
    """Return a Link header naming the other formats of the page at `path`."""
    return ", ".join(
        f'<{url}>; rel="alternate"; type="{media}"' for url, _, media in alternates(path)
    )


def _extension(short_name: str) -> str:
    return next(ext for ext, name in EXTENSIONS.items() if name == short_name)
