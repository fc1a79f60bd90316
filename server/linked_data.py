"""Dereference our IRIs: /id/ answers 303 to /doc/, which negotiates HTML or RDF.

Also the ontology (/def, /def/{module}, /def#Term via /def), other documents under the
base such as the named graphs (/graph/...), and a JSON neighbourhood for the drawings.
"""

from __future__ import annotations

from collections.abc import Callable

import pyoxigraph as ox
from flask import Blueprint, Response, jsonify, redirect, request

from server import caching
from server.context import current_executor, current_settings, current_stats
from server.errors import HttpError
from server.jobs import GraphRequest, QueryRequest
from server.negotiation import Offer
from server.request_params import graph_iri
from server.web import formats, language
from server.web.describe import describe
from server.web.entity_page import entity_context
from server.web.formats import HTML_OFFER
from server.web.namespace_doc import Members, namespace_members
from server.web.neighbourhood import neighbourhood
from server.web.not_found import not_found
from server.web.ontology_doc import OntologyDoc, read_ontology_doc
from server.web.render import html_page
from server.web.sparql_rows import select
from server.web.state import cached, labeller, web_state
from server.web.views import ValueView, iri_view

blueprint = Blueprint("linked_data", __name__)

_EXISTS = "SELECT ?this WHERE { { ?this ?p ?o } UNION { ?s ?p ?this } } LIMIT 1"
_ONTOLOGY_GRAPHS = """
CONSTRUCT { ?s ?p ?o } WHERE {
  GRAPH ?graph { ?s ?p ?o }
  FILTER (STRSTARTS(STR(?graph), STR(<graph/ontology/>)))
}
"""
_GRAPH_SUBJECTS = """
SELECT DISTINCT ?graph ?subject WHERE { GRAPH ?graph { ?subject ?p ?o } FILTER (ISIRI(?subject)) }
ORDER BY ?subject
"""


@blueprint.route("/id/<path:ref>")
def thing(ref: str) -> Response:
    """Redirect (303 See Other) from the IRI of a thing to the document about it."""
    stem, _ = formats.split_extension(ref)
    iri = web_state().iris.iri_for_path("id/" + stem)
    if not select(_EXISTS, {"this": ox.NamedNode(iri)}).rows:
        return not_found(iri, formats.choose(formats.split_extension(ref)[1]))
    target = "/doc/" + ref
    if request.query_string:
        target += "?" + request.query_string.decode("latin-1")
    response = redirect(target, code=303)
    response.vary.add("Accept")
    return response


@blueprint.route("/doc/<path:ref>")
def document(ref: str) -> Response:
    """Describe a thing in HTML, Turtle, JSON-LD, N-Triples or RDF/XML."""
    stem, extension_format = formats.split_extension(ref)
    offer = formats.choose(extension_format)
    iri = web_state().iris.iri_for_path("id/" + stem)
    return _describe_page(iri, offer, "/doc/" + stem)


@blueprint.route("/def")
def ontology() -> Response:
    """Document the whole ontology, or give its graphs as RDF."""
    offer = formats.choose(None)
    doc = ontology_doc()
    if offer != HTML_OFFER:
        return _cacheable_rdf(lambda: _construct(_ONTOLOGY_GRAPHS, offer), offer, "/def")
    return _html(
        "ontology.html",
        "/def",
        doc=doc,
        module=None,
        describe_term=_term_describer(),
        iri=web_state().iris.iri_for_path("def"),
    )


@blueprint.route("/def/<path:ref>")
def ontology_part(ref: str) -> Response:
    """Document an ontology module, a namespace of shapes, or another /def resource."""
    stem, extension_format = formats.split_extension(ref)
    offer = formats.choose(extension_format)
    iri = web_state().iris.iri_for_path("def/" + stem)
    path = "/def/" + stem
    doc = ontology_doc()
    module = doc.module(iri)
    if module is not None:
        description = describe(iri)
        if offer != HTML_OFFER:
            graphs = description.graphs
            return _cacheable_rdf(lambda: _graph_body(graphs[0], offer), offer, path)
        return _html(
            "ontology.html",
            path,
            doc=doc,
            module=module,
            describe_term=_term_describer(),
            iri=iri,
            graphs=[iri_view(g, labeller(language.requested())) for g in description.graphs],
        )
    members = cached("namespace " + iri, lambda: _members(iri + "#"))
    if members.subjects:
        if offer != HTML_OFFER:
            return _cacheable_rdf(
                lambda: formats.serialize(members.triples(), offer, _base()), offer, path
            )
        names = labeller(language.requested())
        return _html("namespace.html", path, iri=iri, members=members.view(names))
    return _describe_page(iri, offer, path)


@blueprint.route("/graph/<path:ref>")
def named_graph(ref: str) -> Response:
    """Describe one of our named graphs, or give its contents as RDF."""
    stem, extension_format = formats.split_extension(ref)
    offer = formats.choose(extension_format)
    iri = web_state().iris.iri_for_path("graph/" + stem)
    path = "/graph/" + stem
    sizes = current_stats().get(current_executor()).graph_triples
    if iri not in sizes:
        return not_found(iri, offer)
    if offer != HTML_OFFER:
        return _cacheable_rdf(lambda: _graph_body(iri, offer), offer, path)
    names = labeller(language.requested())
    rows = select(_GRAPH_SUBJECTS, {"graph": ox.NamedNode(iri)})
    return _html(
        "graph.html",
        path,
        iri=iri,
        title=names(iri),
        triples=sizes[iri],
        subjects=[iri_view(row["subject"].value, names) for row in rows.rows],
        truncated_at=rows.truncated_at,
    )


@blueprint.route("/neighbours")
def neighbours() -> Response:
    """Return the neighbourhood of ?iri= as JSON, for the drawing on entity pages."""
    value = request.args.get("iri")
    if not value:
        raise HttpError(400, "Give the resource as ?iri=<absolute IRI>.")
    iri = graph_iri(value, "iri")
    description = describe(iri)
    if not description.exists:
        raise HttpError(404, f"<{iri}> does not occur in the knowledge graph.", reason="absent")
    drawing = neighbourhood(description, labeller(language.requested()))
    response = jsonify(drawing.as_json())
    response.vary.add("Cookie")
    return response


def ontology_doc() -> OntologyDoc:
    """Return the ontology documentation of the published store."""
    namespace = _base() + "def#"
    return cached("ontology", lambda: read_ontology_doc(namespace))


def _members(namespace: str) -> tuple[Members, str]:
    members = namespace_members(namespace)
    return members, members.store_version


def _describe_page(iri: str, offer: Offer, path: str) -> Response:
    if offer != HTML_OFFER:  # a page says when it changed itself (server.web.render)
        _, unchanged = caching.revalidate(current_executor().store_version())
        if unchanged is not None:
            return unchanged
    description = describe(iri)
    if not description.exists:
        return not_found(iri, offer)
    if offer != HTML_OFFER:
        body = formats.serialize(description.triples(), offer, _base())
        response = formats.rdf_response(body, offer)
        response.headers["Link"] = formats.link_header(path)
        return caching.mark_cacheable(response, caching.etag_for(description.store_version))
    names = labeller(language.requested())
    context = entity_context(description, names)
    drawing = neighbourhood(description, names)
    return _html("entity.html", path, drawing=drawing, **context)


def _html(template: str, path: str, **context: object) -> Response:
    response = html_page(template, alternates=formats.alternates(path), **context)
    response.headers["Link"] = formats.link_header(path)
    return response


def _cacheable_rdf(body: Callable[[], bytes], offer: Offer, path: str) -> Response:
    etag, unchanged = caching.revalidate(current_executor().store_version())
    if unchanged is not None:
        return unchanged
    response = formats.rdf_response(body(), offer)
    response.headers["Link"] = formats.link_header(path)
    return caching.mark_cacheable(response, etag) if etag is not None else response


def _construct(query: str, offer: Offer) -> bytes:
    request_ = QueryRequest(query, None, offer.pyoxigraph_name, base_iri=_base())
    return current_executor().execute(request_).body


def _graph_body(iri: str, offer: Offer) -> bytes:
    return current_executor().execute(GraphRequest(iri, offer.pyoxigraph_name)).body


def _term_describer() -> Callable[[str], ValueView]:
    names = labeller(language.requested())
    return lambda iri: iri_view(iri, names)


def _base() -> str:
    return current_settings().base_iri
