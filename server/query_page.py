"""Serve the query editor at /query: an offline SPARQL editor that posts to /sparql.

Without JavaScript the page is a plain form: a GET to /query?query=… runs the query here
and renders the results; with it, the bundled editor adds highlighting, prefix
completion, error markers, in-page results, a chart and downloads.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, request

from server import guard
from server.context import current_executor, current_settings
from server.errors import HttpError
from server.jobs import QueryRequest
from server.namespaces import prefixes
from server.web import language
from server.web.query_files import named_queries, named_query
from server.web.render import html_page, link, style_nonce
from server.web.results_view import results_view
from server.web.sparql_rows import decode
from server.web.state import labeller

blueprint = Blueprint("query_page", __name__)

MAX_LABELLED_IRIS = 2000
RESULT_DOWNLOADS = (("CSV", "csv"), ("JSON", "json"))
GRAPH_DOWNLOADS = (("Turtle", "ttl"), ("JSON-LD", "jsonld"))
DEFAULT_PREFIXES = ("mh", "rdf", "rdfs", "skos", "dct")
_DEFAULT_BODY = """SELECT ?class (COUNT(?item) AS ?items) WHERE {
  ?item a ?class .
  FILTER (STRSTARTS(STR(?class), STR(mh:)))
}
GROUP BY ?class
ORDER BY DESC(?items)
LIMIT 25
"""


@blueprint.route("/query")
def editor() -> Response:
    """Show the editor with examples; run ?query= here and show its results (no script needed)."""
    settings = current_settings()
    known = prefixes(settings.base_iri)
    examples = list(named_queries().values())
    example_name = request.args.get("example")
    text = request.args.get("query")
    chosen = None
    loading = example_name and ("load" in request.args or text is None)
    if loading:
        chosen = named_query(example_name)
        text = with_base(chosen.text, settings.base_iri)
    results, graph_text, error = None, None, None
    if text is not None and text.strip() and not loading:
        try:
            results, graph_text = _run(text)
        except HttpError as failure:
            error = failure.message
    shown = text if text is not None else default_query(known)
    response = html_page(
        "query.html",
        status=400 if error else 200,
        cache=False,
        query_text=shown,
        examples=examples,
        chosen=chosen,
        prefixes=known,
        results=results,
        graph_text=graph_text,
        error=error,
        downloads=_downloads(shown, graph=graph_text is not None) if text and not loading else [],
        base_iri=settings.base_iri,
        style_nonce=style_nonce(),
    )
    return response


@blueprint.route("/query/example/<name>.json")
def example(name: str) -> Response:
    """Return a named query for the editor: its text (with a BASE line) and its headers."""
    chosen = named_query(name)
    return jsonify(
        {
            "name": chosen.name,
            "summary": chosen.summary,
            "description": chosen.description,
            "parameters": [p.variable for p in chosen.parameters],
            "required": [p.variable for p in chosen.parameters if p.required],
            "text": with_base(chosen.text, current_settings().base_iri),
        }
    )


@blueprint.route("/labels", methods=["POST"])
def labels() -> Response:
    """Name a list of IRIs for the editor's result table: {"iris": [...]} → {iri: {label, href}}."""
    payload = request.get_json(silent=True)
    iris = payload.get("iris") if isinstance(payload, dict) else None
    if not isinstance(iris, list) or not all(isinstance(i, str) for i in iris):
        raise HttpError(400, 'Send JSON of the form {"iris": ["https://…", …]}.')
    if len(iris) > MAX_LABELLED_IRIS:
        raise HttpError(400, f"Ask for at most {MAX_LABELLED_IRIS} IRIs at a time.")
    lang = language.requested()
    names = labeller(lang)
    named = {iri: {"label": names(iri), "href": link(iri, lang)} for iri in dict.fromkeys(iris)}
    return jsonify(named)


def default_query(known: dict[str, str]) -> str:
    """Return the query the editor opens with: our common prefixes and a first question."""
    lines = [f"PREFIX {name}: <{known[name]}>" for name in DEFAULT_PREFIXES]
    return "\n".join(lines) + "\n\n" + _DEFAULT_BODY


def with_base(text: str, base_iri: str) -> str:
    """Return a named query with a BASE line, so its relative IRIs work at /sparql too."""
    return f"BASE <{base_iri}>\n{text}"


def _run(text: str) -> tuple[object, str | None]:
    settings = current_settings()
    inspection = guard.inspect_query(text, settings.service_allowlist)
    graph = inspection.form in ("CONSTRUCT", "DESCRIBE")
    query = QueryRequest(text, None if graph else "JSON", "TURTLE" if graph else None)
    result = current_executor().execute(query)
    if result.kind == "graph":
        return None, result.body.decode("utf-8")
    if result.kind == "boolean":
        return None, "true" if json.loads(result.body)["boolean"] else "false"
    rows = decode(result.body, result.store_version, result.truncated_at)
    return results_view(rows, labeller(language.requested())), None


def _downloads(text: str, graph: bool) -> list[tuple[str, str]]:
    kinds = GRAPH_DOWNLOADS if graph else RESULT_DOWNLOADS
    return [(name, "/sparql?" + urlencode({"query": text, "format": fmt})) for name, fmt in kinds]
