"""Carry out store requests on an external SPARQL 1.1 store over HTTP (docs/SCALING.md).

The same requests as the embedded store, with the same answers and rules: queries go to the
query endpoint (SPARQL 1.1 Protocol), graphs are read and written through the Graph Store
endpoint when there is one (through SPARQL otherwise), writes go to the update endpoint. The
guard runs in the views before any of this, exactly as for the embedded store. Every request
has the time limit as its deadline. Answers are read as a stream and cut at the row limit,
then written in the format the client negotiated, marked as cut when they were: a 200 is never
a silently truncated answer. Parameters are bound with a VALUES block (server.sparql_values).

The store is not ours, so its version is not known: answers may be reused for
`store_refresh_s`, and a write through this server starts a new version at once.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from urllib.parse import quote, urlencode

import pyoxigraph as ox

from server.config import Settings
from server.errors import HttpError
from server.jobs import (
    Dataset,
    GraphRequest,
    GraphWriteRequest,
    QueryRequest,
    Result,
    UpdateRequest,
)
from server.namespaces import prefixes
from server.remote_http import Endpoint, RemoteTimeout, Reply, Transport, authorization
from server.result_json import solutions_json, used_prefixes
from server.sparql_values import CannotBind, from_clauses, with_values

RESULTS_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
# What we ask the store for: JSON results, or N-Triples for graphs (others are parsed too).
ACCEPT_ANY = f"{RESULTS_JSON}, {N_TRIPLES};q=0.9, text/turtle;q=0.8, */*;q=0.1"
_ERROR_TEXT_CHARS = 600
FORM = "application/x-www-form-urlencoded"


class RemoteStore:
    """An Executor whose store is an external SPARQL 1.1 service."""

    def __init__(self, settings: Settings) -> None:
        if not settings.store_url and not settings.store_query_url:
            raise ValueError("an external store needs store_url or store_query_url")
        default = settings.store_url
        self._query = Endpoint.parse(settings.store_query_url or default or "", "store_query_url")
        update_url = settings.store_update_url or default
        self._update = Endpoint.parse(update_url, "store_update_url") if update_url else None
        graph_url = settings.store_graph_url
        self._graph = Endpoint.parse(graph_url, "store_graph_url") if graph_url else None
        self._transport = Transport(
            authorization(settings.store_username, settings.store_password, settings.store_token)
        )
        self._timeout_s = settings.query_timeout_s
        self._limit = settings.max_result_rows
        self._refresh_s = settings.store_refresh_s
        self._namespaces = prefixes(settings.base_iri)
        self._epoch = 0
        self._unique = itertools.count()
        self._lock = threading.Lock()

    # --- the Executor protocol

    def execute(self, request: QueryRequest | GraphRequest) -> Result:
        """Return the complete answer; raise HttpError with what the client should see."""
        deadline = time.monotonic() + self._timeout_s
        if isinstance(request, GraphRequest):
            return self._read_graph(request, deadline)
        try:
            text = with_values(request.query, request.substitutions, request.base_iri)
        except CannotBind as error:
            raise HttpError(400, f"The parameters cannot be bound: {error}") from error
        fields = [("query", text), *_dataset_fields(request.dataset, request.query)]
        reply = self._send(
            "POST", self._query, self._query.path, deadline, urlencode(fields).encode(),
            {"Content-Type": FORM, "Accept": ACCEPT_ANY},
        )  # fmt: skip
        return self._answer(reply, request.results_format, request.graph_format)

    def store_version(self) -> str:
        """Return a name for what the store holds now, as far as this server can tell.

        It changes every `store_refresh_s` (others may have changed the data) and after
        each write made through this server.
        """
        if self._refresh_s <= 0:
            return f"remote-{next(self._unique)}-{self._epoch}"
        return f"remote-{int(time.time() // self._refresh_s)}-{self._epoch}"

    def start(self) -> None:
        """Nothing to start: connections are opened on first use."""

    def close(self) -> None:
        """Close the connections to the store."""
        self._transport.close()

    # --- writes (server.writes sends them here instead of to a local copy)

    def write(self, request: UpdateRequest | GraphWriteRequest) -> tuple[bool, str]:
        """Apply a write on the store; return (whether a graph was created, the new version)."""
        deadline = time.monotonic() + self._timeout_s
        if isinstance(request, UpdateRequest):
            self._update_store(request.update, deadline)
            created = False
        elif self._graph is not None:
            created = self._write_graph(request, deadline)
        else:
            created = self._write_graph_with_sparql(request, deadline)
        with self._lock:
            self._epoch += 1
        return created, self.store_version()

    # --- reading

    def _answer(self, reply: Reply, results_format: str | None, graph_format: str | None) -> Result:
        media_type = reply.media_type
        try:
            results_kind = ox.QueryResultsFormat.from_media_type(media_type)
            if results_kind is not None:
                return self._results(reply, results_kind, results_format)
            rdf_kind = ox.RdfFormat.from_media_type(media_type)
            if rdf_kind is None:
                raise HttpError(
                    502, f"The external store answered in {media_type!r}, which is not RDF."
                )
            return self._graph_answer(reply, rdf_kind, graph_format)
        finally:
            reply.close()

    def _results(self, reply: Reply, kind: ox.QueryResultsFormat, wanted: str | None) -> Result:
        answer = _parsed(lambda: ox.parse_query_results(reply.stream(), format=kind))
        results_format = _format(ox.QueryResultsFormat, wanted, "query results")
        if isinstance(answer, ox.QueryBoolean):
            return Result(answer.serialize(format=results_format), "boolean", self.store_version())
        variables = [variable.value for variable in answer.variables]
        rows = _parsed(lambda: list(itertools.islice(answer, self._limit + 1)))
        body = solutions_json(variables, rows[: self._limit])
        if results_format != ox.QueryResultsFormat.JSON:
            parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
            body = parsed.serialize(format=results_format)
        truncated = self._limit if len(rows) > self._limit else None
        return Result(body, "solutions", self.store_version(), truncated)

    def _graph_answer(self, reply: Reply, kind: ox.RdfFormat, wanted: str | None) -> Result:
        graph_format = _format(ox.RdfFormat, wanted, "a graph")
        quads = _parsed(
            lambda: list(itertools.islice(ox.parse(reply.stream(), format=kind), self._limit + 1))
        )
        return self._graph_result([quad.triple for quad in quads], graph_format)

    def _graph_result(self, triples: list[ox.Triple], graph_format: ox.RdfFormat) -> Result:
        kept = triples[: self._limit]
        try:
            body = ox.serialize(
                kept, format=graph_format, prefixes=used_prefixes(self._namespaces, kept)
            )
        except ValueError as error:
            raise HttpError(
                406, f"The result cannot be written as {graph_format}: {error}"
            ) from error
        truncated = self._limit if len(triples) > self._limit else None
        return Result(body, "graph", self.store_version(), truncated)

    def _read_graph(self, request: GraphRequest, deadline: float) -> Result:
        graph_format = _format(ox.RdfFormat, request.graph_format, "a graph")
        if self._graph is None:
            return self._read_graph_with_sparql(request, graph_format, deadline)
        reply = self._send(
            "GET", self._graph, self._graph.with_query(_graph_parameter(request.graph)), deadline,
            None, {"Accept": f"{N_TRIPLES}, text/turtle;q=0.9"}, ok=(404,),
        )  # fmt: skip
        try:
            if reply.status == 404:
                raise HttpError(404, f"There is no graph <{request.graph}> in the store.")
            kind = ox.RdfFormat.from_media_type(reply.media_type) or ox.RdfFormat.N_TRIPLES
            quads = _parsed(
                lambda: list(
                    itertools.islice(ox.parse(reply.stream(), format=kind), self._limit + 1)
                )
            )
        finally:
            reply.close()
        return self._graph_result([quad.triple for quad in quads], graph_format)

    def _read_graph_with_sparql(
        self, request: GraphRequest, graph_format: ox.RdfFormat, deadline: float
    ) -> Result:
        if request.graph is None:
            raise HttpError(
                501,
                "The store's own default graph can only be read through a Graph Store "
                "endpoint (setting store_graph_url).",
            )
        graph = str(ox.NamedNode(request.graph))
        query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}"
        reply = self._send(
            "POST", self._query, self._query.path, deadline, urlencode({"query": query}).encode(),
            {"Content-Type": FORM, "Accept": N_TRIPLES},
        )  # fmt: skip
        result = self._answer(reply, None, request.graph_format)
        if not result.body.strip() and not self._ask(f"ASK {{ GRAPH {graph} {{ }} }}", deadline):
            raise HttpError(404, f"There is no graph <{request.graph}> in the store.")
        return result

    def _ask(self, query: str, deadline: float) -> bool:
        reply = self._send(
            "POST", self._query, self._query.path, deadline, urlencode({"query": query}).encode(),
            {"Content-Type": FORM, "Accept": RESULTS_JSON},
        )  # fmt: skip
        result = self._answer(reply, "JSON", None)
        return bool(json.loads(result.body).get("boolean"))

    # --- writing

    def _update_store(self, update: str, deadline: float) -> None:
        if self._update is None:
            raise HttpError(403, "The external store has no update endpoint configured.")
        reply = self._send(
            "POST", self._update, self._update.path, deadline, update.encode(),
            {"Content-Type": "application/sparql-update; charset=utf-8"},
        )  # fmt: skip
        reply.close()

    def _write_graph(self, request: GraphWriteRequest, deadline: float) -> bool:
        assert self._graph is not None
        headers: dict[str, str] = {}
        body = None
        if request.method != "DELETE":
            payload_format = _format(ox.RdfFormat, request.payload_format, "a graph")
            _triples_of(request.payload, payload_format)  # refuse what the store would take
            headers["Content-Type"] = payload_format.media_type
            body = request.payload
        path = self._graph.with_query(_graph_parameter(request.graph))
        reply = self._send(request.method, self._graph, path, deadline, body, headers, ok=(404,))
        reply.close()
        if reply.status == 404:
            raise HttpError(404, f"There is no graph <{request.graph}>.", reason="absent")
        return reply.status == 201

    def _write_graph_with_sparql(self, request: GraphWriteRequest, deadline: float) -> bool:
        if request.graph is None:
            raise HttpError(
                501,
                "The store's own default graph can only be written through a Graph Store "
                "endpoint (setting store_graph_url).",
            )
        graph = str(ox.NamedNode(request.graph))
        existed = self._ask(f"ASK {{ GRAPH {graph} {{ ?s ?p ?o }} }}", deadline)
        if request.method == "DELETE":
            if not existed:
                raise HttpError(404, f"There is no graph <{request.graph}>.", reason="absent")
            self._update_store(f"DROP GRAPH {graph}", deadline)
            return False
        payload_format = _format(ox.RdfFormat, request.payload_format, "a graph")
        triples = _triples_of(request.payload, payload_format)
        data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode()
        clear = f"DROP SILENT GRAPH {graph} ;\n" if request.method == "PUT" else ""
        self._update_store(f"{clear}INSERT DATA {{ GRAPH {graph} {{\n{data}}} }}", deadline)
        return not existed

    # --- the wire

    def _send(
        self,
        method: str,
        endpoint: Endpoint,
        path: str,
        deadline: float,
        body: bytes | None,
        headers: dict[str, str],
        ok: tuple[int, ...] = (),
    ) -> Reply:
        try:
            reply = self._transport.request(method, endpoint, path, deadline, body, headers)
        except RemoteTimeout as error:
            raise _timeout(self._timeout_s) from error
        except OSError as error:
            raise HttpError(
                503, f"The external store cannot be reached: {error}", reason="unavailable"
            ) from error
        if 200 <= reply.status < 300 or reply.status in ok:
            return reply
        try:
            detail = reply.read(_ERROR_TEXT_CHARS).decode("utf-8", "replace").strip()
        except (OSError, RemoteTimeout):
            detail = ""
        reply.close()
        raise _refusal(reply.status, detail)


def _parsed(parse):
    """Return what `parse()` returns; map the store's bad or late answers to HttpError."""
    try:
        return parse()
    except RemoteTimeout as error:
        raise HttpError(503, str(error), reason="timeout") from error
    except SyntaxError as error:
        raise HttpError(
            502, f"The external store sent an answer that does not parse: {error}"
        ) from error
    except OSError as error:
        if isinstance(error.__cause__, RemoteTimeout) or "time limit" in str(error):
            raise HttpError(
                503, f"The query ran longer than the time limit: {error}", reason="timeout"
            ) from error
        raise HttpError(
            503, f"Reading the external store's answer failed: {error}", reason="unavailable"
        ) from error


def _timeout(limit: float) -> HttpError:
    return HttpError(
        503,
        f"The query ran longer than the time limit of {limit:g} s and was stopped.",
        reason="timeout",
    )


def _refusal(status: int, detail: str) -> HttpError:
    """Return what the client sees when the store answered `status`."""
    if status in (400, 422):
        return HttpError(400, f"The query could not be evaluated: {detail}", reason="evaluation")
    if status in (401, 403, 407):
        return HttpError(502, "The external store refused this server's credentials.")
    if status == 503:
        return HttpError(503, "The external store is busy; try again later.", reason="busy")
    # Some stores report a query they cannot evaluate as a server error (Oxigraph: an unknown
    # function is HTTP 500), others a real failure: either way the gateway says what it got.
    said = f": {detail}" if detail else "."
    return HttpError(502, f"The external store failed (HTTP {status}){said}", reason="store_error")


def _graph_parameter(graph: str | None) -> str:
    return "default" if graph is None else "graph=" + quote(graph, safe="")


def _dataset_fields(dataset: Dataset, query: str) -> list[tuple[str, str]]:
    """Return the protocol parameters that name the dataset.

    Those the client gave; otherwise, for a query with FROM clauses, the same graphs again:
    a store serving the union of its graphs as the default graph may override FROM
    (Oxigraph's --union-default-graph does), never the protocol's dataset.
    """
    defaults, named = dataset.default_graphs, dataset.named_graphs
    if not dataset.from_protocol:
        if dataset.union_default_graph:
            return []
        found = from_clauses(query)
        if found is None:
            return []
        defaults, named = found
    return [("default-graph-uri", iri) for iri in defaults or ()] + [
        ("named-graph-uri", iri) for iri in named or ()
    ]


def _format(kind: type, name: str | None, what: str):
    if name is None:
        raise HttpError(406, f"The answer is {what}, and the client accepts no format for it.")
    return getattr(kind, name)


def _triples_of(payload: bytes, payload_format: ox.RdfFormat) -> list[ox.Triple]:
    try:
        quads = list(ox.parse(payload, format=payload_format))
    except SyntaxError as error:
        raise HttpError(400, f"The RDF payload does not parse: {error}") from error
    if any(quad.graph_name != ox.DefaultGraph() for quad in quads):
        raise HttpError(400, "The payload names graphs of its own; send the triples of one graph.")
    return [quad.triple for quad in quads]
