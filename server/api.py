"""Serve every named query as GET /api/{name}, its OpenAPI document, and a page documenting it."""

from __future__ import annotations

import json
import math
from decimal import Decimal, InvalidOperation
from urllib.parse import quote, urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, render_template, request

from server import caching, negotiation
from server.api_store import Answer, current_api, fetch_labels, run_named
from server.context import current_executor, current_settings
from server.errors import HttpError
from server.named_queries import NamedQuery
from server.negotiation import Offer
from server.openapi import DEFAULT_PER_PAGE, FORMATS, MAX_PER_PAGE, build_document
from server.request_params import Parameters, url_parameters

blueprint = Blueprint("api", __name__)

XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGER_TYPES = frozenset(
    XSD + name
    for name in (
        "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
        "negativeInteger", "nonPositiveInteger", "unsignedLong", "unsignedInt", "unsignedShort",
        "unsignedByte",
    )
)  # fmt: skip
_NUMBER_TYPES = frozenset({XSD + "decimal", XSD + "double", XSD + "float"})
_PAGING = ("page", "per_page", "format")
_CHARSET = {"text/csv", "text/tab-separated-values"}
OFFERS: tuple[Offer, ...] = tuple(
    Offer(
        f"{media_type}; charset=utf-8" if media_type in _CHARSET else media_type,
        {"json": "", "srj": "JSON", "srx": "XML", "csv": "CSV", "tsv": "TSV"}[short],
        short,
        "",
    )
    for short, media_type, _ in FORMATS
)


@blueprint.route("/api/")
def documentation() -> Response:
    """Show the API's operations, parameters and formats as a page, with a form for each."""
    executor = current_executor()
    version = executor.store_version()
    etag, unchanged = caching.revalidate(version)
    if unchanged is not None:
        return unchanged
    api = current_api()
    choices = api.choices(executor)
    document = build_document(api.queries(), choices, _server_url(), version)
    page = render_template(
        "api/docs.html",
        document=document,
        queries=api.queries(),
        choices=choices,
        formats=FORMATS,
        max_per_page=MAX_PER_PAGE,
    )
    response = Response(page, content_type="text/html; charset=utf-8")
    return caching.mark_cacheable(response, etag) if etag is not None else response


@blueprint.route("/api/openapi.json")
def openapi_document() -> Response:
    """Return the OpenAPI 3.1 document of every named query."""
    executor = current_executor()
    version = executor.store_version()
    etag, unchanged = caching.revalidate(version)
    if unchanged is not None:
        return unchanged
    api = current_api()
    document = build_document(api.queries(), api.choices(executor), _server_url(), version)
    body = json.dumps(document, ensure_ascii=False, indent=1)
    response = Response(body, content_type="application/json")
    return caching.mark_cacheable(response, etag) if etag is not None else response


@blueprint.route("/api/<name>")
def run(name: str) -> Response:
    """Run the named query with the request's parameters; answer one page of its rows."""
    query = current_api().queries().get(name)
    if query is None:
        raise HttpError(
            404,
            f"There is no operation {name!r}. The operations are listed at /api/ and in "
            "/api/openapi.json.",
            reason="no_operation",
        )
    parameters = url_parameters()
    offer = _negotiate(parameters.one("format"))
    page, per_page = _paging(parameters, query)
    substitutions = query.substitutions(_query_values(parameters), current_settings().base_iri)
    version = current_executor().store_version()
    etag, unchanged = caching.revalidate(version)
    if unchanged is not None:
        return unchanged
    answer = run_named(query, substitutions)
    last_page = max(1, math.ceil(len(answer.rows) / per_page))
    if page > last_page:
        raise HttpError(
            404,
            f"There is no page {page}: the answer has {len(answer.rows)} rows, "
            f"{last_page} page(s) of {per_page}.",
            reason="no_page",
        )
    rows = answer.rows[(page - 1) * per_page : page * per_page]
    response = Response(_render(offer, answer, rows), content_type=offer.media_type)
    response.headers["Link"] = _links(parameters, page, last_page)
    response.headers["MHKG-Total-Rows"] = str(len(answer.rows))
    response.headers["MHKG-Store-Version"] = answer.store_version
    if answer.truncated_at is not None:
        response.headers["MHKG-Result-Truncated"] = str(answer.truncated_at)
    if etag is None or answer.store_version != version:  # published meanwhile
        etag = caching.etag_for(answer.store_version)
    return caching.mark_cacheable(response, etag)


# --------------------------------------------------------------------------------------------
# Reading the request
# --------------------------------------------------------------------------------------------


def _negotiate(format_param: str | None) -> Offer:
    if format_param is not None:
        value = format_param.strip().lower()
        for offer in OFFERS:
            if value == offer.short_name or value in offer.media_types:
                return offer
        raise HttpError(
            400,
            f"Unknown format={format_param!r}; use one of: "
            + ", ".join(offer.short_name for offer in OFFERS),
            reason="bad_format",
        )
    accept = request.headers.get("Accept")
    chosen = negotiation.best_offer(OFFERS, accept)
    if chosen is None:
        raise negotiation.not_acceptable(OFFERS, f"Nothing offered matches Accept: {accept}")
    return chosen


def _paging(parameters: Parameters, query: NamedQuery) -> tuple[int, int]:
    page = _positive(parameters.one("page"), "page", 1)
    per_page = _positive(
        parameters.one("per_page"), "per_page", query.pagination or DEFAULT_PER_PAGE
    )
    if per_page > MAX_PER_PAGE:
        raise HttpError(
            400, f"`per_page` is at most {MAX_PER_PAGE}; got {per_page}.", reason="bad_parameter"
        )
    return page, per_page


def _positive(value: str | None, name: str, default: int) -> int:
    if value is None:
        return default
    if not value.isascii() or not value.isdigit() or int(value) < 1 or len(value) > 9:
        raise HttpError(
            400, f"`{name}` expects a whole number from 1; got {value!r}.", reason="bad_parameter"
        )
    return int(value)


def _query_values(parameters: Parameters) -> dict[str, str]:
    """Return the query's parameters by name; 400 if one is given more than once."""
    names = dict.fromkeys(key for key, _ in parameters.pairs if key not in _PAGING)
    values = {}
    for name in names:
        value = parameters.one(name)
        assert value is not None
        values[name] = value
    return values


def _links(parameters: Parameters, page: int, last_page: int) -> str:
    kept = [(key, value) for key, value in parameters.pairs if key != "page"]

    def url(number: int) -> str:
        query = urlencode([*kept, ("page", str(number))], quote_via=quote)
        return f"{request.base_url}?{query}"

    links = [(1, "first")]
    if page > 1:
        links.append((page - 1, "prev"))
    if page < last_page:
        links.append((page + 1, "next"))
    links.append((last_page, "last"))
    return ", ".join(f'<{url(number)}>; rel="{rel}"' for number, rel in links)


def _server_url() -> str:
    return request.url_root.rstrip("/")


# --------------------------------------------------------------------------------------------
# Writing the answer
# --------------------------------------------------------------------------------------------


def _render(offer: Offer, answer: Answer, rows: list[dict[str, dict[str, str]]]) -> bytes:
    results = {"head": {"vars": answer.variables}, "results": {"bindings": rows}}
    sparql_json = json.dumps(results, ensure_ascii=False, separators=(",", ":")).encode()
    if offer.short_name == "srj":
        return sparql_json
    if offer.short_name == "json":
        return _plain_json(answer.variables, rows)
    parsed = ox.parse_query_results(sparql_json, format=ox.QueryResultsFormat.JSON)
    return parsed.serialize(format=getattr(ox.QueryResultsFormat, offer.pyoxigraph_name))


def _plain_json(variables: list[str], rows: list[dict[str, dict[str, str]]]) -> bytes:
    iris = (term["value"] for row in rows for term in row.values() if term["type"] == "uri")
    labels = fetch_labels(iris)
    objects = [
        {variable: _plain_value(row.get(variable), labels) for variable in variables}
        for row in rows
    ]
    return json.dumps(objects, ensure_ascii=False, separators=(",", ":")).encode()


def _plain_value(term: dict[str, str] | None, labels: dict[str, str]) -> object:
    if term is None:
        return None
    kind, value = term["type"], term["value"]
    if kind == "uri":
        return {"iri": value, "label": labels.get(value)}
    if kind == "bnode":
        return f"_:{value}"
    if kind == "triple":
        return value  # an RDF-star triple, written as in SPARQL JSON
    datatype = term.get("datatype")
    if datatype == XSD + "boolean" and value in ("true", "false", "1", "0"):
        return value in ("true", "1")
    if datatype in _INTEGER_TYPES or datatype in _NUMBER_TYPES:
        return _number(value)
    return value


def _number(value: str) -> object:
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        return value  # an ill-typed literal stays text
    if not number.is_finite():
        return value  # JSON has no NaN or infinity
    return int(number) if number == number.to_integral_value() else float(number)
