"""Serve the SPARQL 1.1 Graph Store Protocol at /store (indirect identification)."""

from __future__ import annotations

from typing import Literal

from flask import Blueprint, Response, request

from server import caching, negotiation, writes
from server.context import current_executor, current_settings
from server.errors import HttpError
from server.jobs import GraphRequest, GraphWriteRequest
from server.negotiation import GRAPH_OFFERS
from server.request_params import Parameters, graph_iri, url_parameters

blueprint = Blueprint("graph_store", __name__)


@blueprint.route("/store", methods=["GET"])
def read_graph() -> Response:
    """Return one graph, content negotiated; `?default` is the store's own default graph."""
    parameters = url_parameters()
    graph = _graph_parameter(parameters)
    offer = negotiation.choose(
        GRAPH_OFFERS, request.headers.get("Accept"), parameters.one("format")
    )
    executor = current_executor()
    _, unchanged = caching.revalidate(executor.store_version())
    if unchanged is not None:
        return unchanged
    result = executor.execute(GraphRequest(graph, offer.pyoxigraph_name))
    response = Response(result.body, content_type=offer.media_type)
    response.headers["MHKG-Store-Version"] = result.store_version
    if result.truncated_at is not None:
        response.headers["MHKG-Result-Truncated"] = str(result.truncated_at)
    return caching.mark_cacheable(response, caching.etag_for(result.store_version))


@blueprint.route("/store", methods=["PUT", "POST", "DELETE"])
def write_graph() -> Response:
    """Replace (PUT), add to (POST) or delete (DELETE) one graph; needs the update token."""
    settings = current_settings()
    writes.require_write_token(settings, request.headers.get("Authorization"))
    graph = _graph_parameter(url_parameters())
    method: Literal["PUT", "POST", "DELETE"] = request.method  # type: ignore[assignment]
    payload, payload_format = b"", None
    if method != "DELETE":
        payload_format = _payload_format()
        payload = request.get_data(cache=False)
    write = GraphWriteRequest(method, graph, payload, payload_format)
    created, version = writes.apply_write(settings, write)
    return writes.written(201 if created else 204, version)


def _graph_parameter(parameters: Parameters) -> str | None:
    """Return the graph IRI, or None for `?default`; 400 unless exactly one is given."""
    graph = parameters.one("graph")
    if (graph is None) == ("default" not in parameters):
        raise HttpError(400, "Give either `?graph=<absolute IRI>` or `?default`, exactly one.")
    return None if graph is None else graph_iri(graph, "graph")


def _payload_format() -> str:
    media_type = request.mimetype
    for offer in GRAPH_OFFERS:
        if media_type in offer.media_types:
            return offer.pyoxigraph_name
    offered = ", ".join(offer.media_type for offer in GRAPH_OFFERS)
    raise HttpError(
        415, f"Unsupported Content-Type {media_type or '(none)'!r}; send one of: {offered}."
    )
