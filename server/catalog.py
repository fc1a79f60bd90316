"""Serve the dataset description (VoID and DCAT-AP-DONL) at /catalog and /.well-known/void.

Content negotiated like every RDF answer (Turtle when the client does not say); the IRIs
that only the description mints (the dataset, its distributions, the services) redirect here.
The
description names the downloads with their sizes and checksums, so the first request for a
new store version waits for the downloads to be written.
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response, redirect, request, url_for

from server import caching, negotiation
from server.context import current_executor, current_settings
from server.description import SPDX, VCARD, describe, minted_paths
from server.downloads import current_dumps
from server.namespaces import STANDARD_PREFIXES
from server.negotiation import GRAPH_OFFERS
from server.request_params import url_parameters

blueprint = Blueprint("catalog", __name__)

PREFIXES = {
    **{
        name: STANDARD_PREFIXES[name]
        for name in ("dcat", "dct", "void", "prov", "foaf", "rdf", "rdfs", "xsd", "owl", "sd")
    },
    "vcard": VCARD,
    "spdx": SPDX,
}


@blueprint.route("/catalog")
def description() -> Response:
    """Return the VoID and DCAT description of the dataset, its downloads and services."""
    offer = negotiation.choose(
        GRAPH_OFFERS, request.headers.get("Accept"), url_parameters().one("format")
    )
    _, unchanged = caching.revalidate(current_executor().store_version())
    if unchanged is not None:
        return unchanged
    facts, files = current_dumps()
    triples = describe(current_settings(), facts, request.url_root, files)
    body = ox.serialize(
        triples, format=getattr(ox.RdfFormat, offer.pyoxigraph_name), prefixes=PREFIXES
    )
    response = Response(body, content_type=offer.media_type)
    response.headers["MHKG-Store-Version"] = facts.version
    return caching.mark_cacheable(response, caching.etag_for(facts.version))


def _see_description() -> Response:
    """Redirect (303 See Other) from an IRI the description mints to the description."""
    response = redirect(url_for("catalog.description"), code=303)
    response.vary.add("Accept")
    return response


blueprint.add_url_rule("/.well-known/void", "well_known_void", description)
for _path in minted_paths():
    blueprint.add_url_rule(f"/{_path}", f"minted:{_path}", _see_description)
