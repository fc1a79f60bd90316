"""Serve the SPARQL 1.1 Protocol at /sparql: queries, updates and the service description."""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response, g, request

from server import caching, guard, negotiation, writes
from server.context import current_executor, current_settings, current_stats
from server.errors import HttpError
from server.jobs import Dataset, QueryRequest, Result, UpdateRequest
from server.namespaces import STANDARD_PREFIXES
from server.negotiation import GRAPH_OFFERS, RESULT_OFFERS, Offer
from server.request_params import Parameters, body_text, form_parameters, graph_iri, url_parameters
from server.service_description import describe

blueprint = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
QUERY_BODY = "application/sparql-query"
UPDATE_BODY = "application/sparql-update"
_SD_PREFIXES = {name: STANDARD_PREFIXES[name] for name in ("sd", "void", "rdfs", "xsd")}


@blueprint.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response:
    """Answer a query or an update, or describe the service when neither is given."""
    operation, text, parameters = _read_operation()
    if operation is None:
        return _service_description(parameters)
    g.sparql_text = text  # for the access log, which shortens it
    if not text.strip():
        raise HttpError(400, f"The {operation} is empty.")
    if operation == "update":
        return _update(text, parameters)
    return _query(text, parameters)


def _read_operation() -> tuple[str | None, str, Parameters]:
    """Return ("query" | "update" | None, its text, the protocol parameters)."""
    url = url_parameters()
    if request.method in ("GET", "HEAD"):
        if "update" in url:
            raise HttpError(400, "Updates must be sent with POST.")
        query = url.one("query")
        return (None if query is None else "query"), query or "", url
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise HttpError(415, f"Send the request in UTF-8, not {charset}.")
    in_url = [name for name in ("query", "update") if name in url]
    if request.mimetype == FORM:
        form = form_parameters()
        if in_url and ("query" in form or "update" in form):
            raise HttpError(400, "Give the query or update either in the URL or in the body.")
        parameters = url.merged(form)
        query, update = parameters.one("query"), parameters.one("update")
        if query is not None and update is not None:
            raise HttpError(400, "Give either `query` or `update`, not both.")
        if query is None and update is None:
            raise HttpError(400, "The form has no `query` or `update` parameter.")
        return ("query", query, parameters) if query is not None else ("update", update, parameters)
    if request.mimetype in (QUERY_BODY, UPDATE_BODY):
        if in_url:
            raise HttpError(
                400, f"The body holds the operation; remove `{in_url[0]}` from the URL."
            )
        operation = "query" if request.mimetype == QUERY_BODY else "update"
        return operation, body_text(), url
    raise HttpError(
        415,
        f"Unsupported Content-Type {request.mimetype or '(none)'!r}: POST queries as {FORM} "
        f"or {QUERY_BODY}, updates as {FORM} or {UPDATE_BODY}.",
    )


def _query(text: str, parameters: Parameters) -> Response:
    settings, executor = current_settings(), current_executor()
    inspection = guard.inspect_query(text, settings.service_allowlist)
    results_offer, graph_offer = _negotiate(inspection.form, parameters.one("format"))
    query = QueryRequest(
        text,
        results_offer.pyoxigraph_name if results_offer else None,
        graph_offer.pyoxigraph_name if graph_offer else None,
        _dataset(parameters, inspection.has_dataset_clause),
    )
    if request.method not in ("GET", "HEAD"):
        return _answer(executor.execute(query), results_offer, graph_offer)
    version = executor.store_version()
    etag, unchanged = caching.revalidate(version)
    if unchanged is not None:
        return unchanged
    result = executor.execute(query)
    if etag is None or result.store_version != version:  # published meanwhile
        etag = caching.etag_for(result.store_version)
    return caching.mark_cacheable(_answer(result, results_offer, graph_offer), etag)


def _negotiate(form: str | None, format_param: str | None) -> tuple[Offer | None, Offer | None]:
    accept = request.headers.get("Accept")
    if form in ("SELECT", "ASK"):
        return negotiation.choose(RESULT_OFFERS, accept, format_param), None
    if form in ("CONSTRUCT", "DESCRIBE"):
        return None, negotiation.choose(GRAPH_OFFERS, accept, format_param)
    # No form keyword: the parser will explain what is wrong, in any acceptable format.
    return negotiation.best_offer(RESULT_OFFERS, accept), negotiation.best_offer(
        GRAPH_OFFERS, accept
    )


def _dataset(parameters: Parameters, has_dataset_clause: bool) -> Dataset:
    default_graphs = [
        graph_iri(v, "default-graph-uri") for v in parameters.all("default-graph-uri")
    ]
    named_graphs = [graph_iri(v, "named-graph-uri") for v in parameters.all("named-graph-uri")]
    if default_graphs or named_graphs:
        # The protocol's dataset replaces the query's FROM / FROM NAMED (Protocol 2.1.4).
        return Dataset(False, tuple(default_graphs), tuple(named_graphs))
    # pyoxigraph's union default graph would override the query's own FROM.
    return Dataset(union_default_graph=not has_dataset_clause)


def _answer(result: Result, results_offer: Offer | None, graph_offer: Offer | None) -> Response:
    offer = graph_offer if result.kind == "graph" else results_offer
    assert offer is not None  # the query process refuses kinds the client does not accept
    response = Response(result.body, content_type=offer.media_type)
    response.headers["MHKG-Store-Version"] = result.store_version
    if result.truncated_at is not None:
        response.headers["MHKG-Result-Truncated"] = str(result.truncated_at)
    return response


def _update(text: str, parameters: Parameters) -> Response:
    settings = current_settings()
    writes.require_write_token(settings, request.headers.get("Authorization"))
    for name in ("using-graph-uri", "using-named-graph-uri"):
        if name in parameters:
            raise HttpError(400, f"`{name}` is not supported; use USING or WITH in the update.")
    guard.inspect_update(text, settings.service_allowlist)
    _, version = writes.apply_write(settings, UpdateRequest(text))
    return writes.written(204, version)


def _service_description(parameters: Parameters) -> Response:
    settings, executor = current_settings(), current_executor()
    offer = negotiation.choose(
        GRAPH_OFFERS, request.headers.get("Accept"), parameters.one("format")
    )
    _, unchanged = caching.revalidate(executor.store_version())
    if unchanged is not None:
        return unchanged
    stats = current_stats().get(executor)
    triples = describe(request.base_url, settings, stats)
    body = ox.serialize(
        triples, format=getattr(ox.RdfFormat, offer.pyoxigraph_name), prefixes=_SD_PREFIXES
    )
    response = Response(body, content_type=offer.media_type)
    response.headers["MHKG-Store-Version"] = stats.version
    return caching.mark_cacheable(response, caching.etag_for(stats.version))
