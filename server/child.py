"""Do the store work inside child processes, where a query that runs too long can be killed.

The server never opens RocksDB itself: each query process opens the published store
read-only, and each write runs in a one-off process on a copy of it.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import signal
import sys
import time
from contextlib import suppress
from itertools import islice
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext

import pyoxigraph as ox

from server.config import Settings
from server.jobs import (
    Dataset,
    Failure,
    GraphRequest,
    GraphWriteRequest,
    QueryRequest,
    Result,
    UpdateRequest,
    WriteResult,
)
from server.namespaces import prefixes
from server.result_json import solutions_json, used_prefixes
from server.store import PublishedStore, StoreDirectory, StoreUnavailable

_PR_SET_PDEATHSIG = 1
# What a query process says first, once it can answer.
READY = "ready"


def process_context() -> ForkServerContext:
    """Return the context that starts our children.

    A fork server is safe in a threaded server, and it preloads pyoxigraph once so a new
    child starts in milliseconds.
    """
    context = multiprocessing.get_context("forkserver")
    # Every child re-runs the parent's __main__ module before its target, and the fork
    # server cannot preload __main__ itself (the main path never reaches it, up to Python
    # 3.13). Preloading the module it is (the `mhkg` script runs server.cli) makes that
    # re-run find its imports done. server.cli and server.serve import little at the top,
    # so the fork server starts in a fraction of the time the whole app would take to import.
    main = getattr(sys.modules["__main__"].__spec__, "name", None) or ""
    entry_points = {"server.cli", main} if main.partition(".")[0] == "server" else {"server.cli"}
    context.set_forkserver_preload([__name__, *sorted(entry_points)])
    return context


class _Refusal(Exception):
    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.message)
        self.failure = failure


def answer_queries(connection: Connection, settings: Settings) -> None:
    """Answer requests from the pipe until the parent closes it.

    Every message to the parent carries the CPU time this process has used so far, so the
    parent charges each request only its own share. The first says the child is ready: it
    is sent once the store is open, so that its opening is nobody's query time.
    """
    _prepare_child()
    published = PublishedStore(StoreDirectory(settings.store_dir))
    with suppress(StoreUnavailable, OSError, RuntimeError):
        published.get()  # a failure is reported to the first request, which tries again
    namespaces = prefixes(settings.base_iri)
    reply: Result | Failure | str = READY
    while True:
        try:
            connection.send((reply, time.process_time()))
            request = connection.recv()
        except (EOFError, OSError):
            return
        try:
            reply = _answer(published, request, settings.max_result_rows, namespaces)
        except _Refusal as refusal:
            reply = refusal.failure


def apply_write(
    connection: Connection, source: str, target: str, request: UpdateRequest | GraphWriteRequest
) -> None:
    """Copy the store at `source` to `target`, apply the write there and report back."""
    _prepare_child()
    try:
        # A checkpoint: hard links to the immutable files, so the copy is cheap.
        ox.Store.read_only(source).backup(target)
        store = ox.Store(target)
        reply: WriteResult | Failure = _write(store, request)
        store.flush()
        del store  # closes RocksDB before the parent publishes the copy
    except _Refusal as refusal:
        reply = refusal.failure
    except SyntaxError as error:
        reply = Failure(400, f"Syntax error: {error}", "syntax")
    except (ValueError, RuntimeError) as error:
        reply = Failure(400, f"The update could not be applied: {error}", "evaluation")
    except OSError as error:
        reply = Failure(500, f"The update failed: {error}", "store_error")
    connection.send(reply)


def _prepare_child() -> None:
    # Ctrl-C reaches the whole process group; the server decides when children stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        # Die with the fork server, which dies with the server worker: no orphaned query
        # keeps a core busy after a crash.
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL))


def _answer(
    published: PublishedStore,
    request: QueryRequest | GraphRequest,
    limit: int,
    namespaces: dict[str, str],
) -> Result | Failure:
    try:
        store, version = published.get()
    except (StoreUnavailable, OSError, RuntimeError) as error:
        return Failure(503, f"The store is not available: {error}", "unavailable")
    try:
        if isinstance(request, GraphRequest):
            return _read_graph(store, version, request, limit, namespaces)
        return _run_query(store, version, request, limit, namespaces)
    except SyntaxError as error:
        return Failure(400, f"Syntax error: {error}", "syntax")
    except (ValueError, RuntimeError) as error:
        return Failure(400, f"The query could not be evaluated: {error}", "evaluation")
    except OSError as error:
        return Failure(500, f"The query failed: {error}", "store_error")


def _run_query(
    store: ox.Store, version: str, request: QueryRequest, limit: int, namespaces: dict[str, str]
) -> Result:
    answer = store.query(
        request.query,
        base_iri=request.base_iri,
        substitutions={ox.Variable(name): term for name, term in request.substitutions} or None,
        **_dataset_arguments(request.dataset),
    )
    if isinstance(answer, ox.QueryBoolean):
        body = answer.serialize(format=_results_format(request))
        return Result(body, "boolean", version)
    if isinstance(answer, ox.QuerySolutions):
        results_format = _results_format(request)
        variables = [variable.value for variable in answer.variables]
        rows = list(islice(answer, limit + 1))
        body = solutions_json(variables, rows[:limit])
        if results_format != ox.QueryResultsFormat.JSON:
            parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
            body = parsed.serialize(format=results_format)
        return Result(body, "solutions", version, limit if len(rows) > limit else None)
    graph_format = _format(ox.RdfFormat, request.graph_format, "a graph")
    return _graph_result(list(islice(answer, limit + 1)), graph_format, limit, version, namespaces)


def _read_graph(
    store: ox.Store, version: str, request: GraphRequest, limit: int, namespaces: dict[str, str]
) -> Result | Failure:
    graph: ox.NamedNode | ox.DefaultGraph = ox.DefaultGraph()
    if request.graph is not None:
        graph = ox.NamedNode(request.graph)
        if not store.contains_named_graph(graph):
            return Failure(404, f"There is no graph <{request.graph}> in the store.", "absent")
    quads = islice(store.quads_for_pattern(None, None, None, graph), limit + 1)
    graph_format = _format(ox.RdfFormat, request.graph_format, "a graph")
    return _graph_result([quad.triple for quad in quads], graph_format, limit, version, namespaces)


def _graph_result(
    triples: list[ox.Triple],
    graph_format: ox.RdfFormat,
    limit: int,
    version: str,
    namespaces: dict[str, str],
) -> Result:
    kept = triples[:limit]
    try:
        body = ox.serialize(kept, format=graph_format, prefixes=used_prefixes(namespaces, kept))
    except ValueError as error:
        raise _Refusal(
            Failure(406, f"The result cannot be written as {graph_format}: {error}", "format")
        ) from error
    return Result(body, "graph", version, limit if len(triples) > limit else None)


def _results_format(request: QueryRequest) -> ox.QueryResultsFormat:
    return _format(ox.QueryResultsFormat, request.results_format, "query results")


def _format(kind: type, name: str | None, what: str) -> ox.QueryResultsFormat | ox.RdfFormat:
    if name is None:
        # The parent guessed the other kind of answer from the text and the client
        # accepts nothing for this kind.
        raise _Refusal(
            Failure(406, f"The answer is {what}, and the client accepts no format for it.", "406")
        )
    return getattr(kind, name)


def _dataset_arguments(dataset: Dataset) -> dict[str, object]:
    if dataset.from_protocol:
        return {
            "default_graph": [ox.NamedNode(iri) for iri in dataset.default_graphs or ()],
            "named_graphs": [ox.NamedNode(iri) for iri in dataset.named_graphs or ()],
        }
    return {"use_default_graph_as_union": dataset.union_default_graph}


def _write(store: ox.Store, request: UpdateRequest | GraphWriteRequest) -> WriteResult:
    if isinstance(request, UpdateRequest):
        store.update(request.update)
        return WriteResult(created=False)
    graph: ox.NamedNode | ox.DefaultGraph = ox.DefaultGraph()
    existed = True
    if request.graph is not None:
        graph = ox.NamedNode(request.graph)
        existed = store.contains_named_graph(graph)
    if request.method == "DELETE":
        if not existed:
            raise _Refusal(Failure(404, f"There is no graph <{request.graph}>.", "absent"))
        if isinstance(graph, ox.NamedNode):
            store.remove_graph(graph)
        else:
            store.clear_graph(graph)
        return WriteResult(created=False)
    quads = _payload_into(graph, request)
    if request.method == "PUT" and existed:
        store.clear_graph(graph)
    elif not existed:
        assert isinstance(graph, ox.NamedNode)
        store.add_graph(graph)
    store.extend(quads)
    return WriteResult(created=not existed)


def _payload_into(
    graph: ox.NamedNode | ox.DefaultGraph, request: GraphWriteRequest
) -> list[ox.Quad]:
    payload_format = _format(ox.RdfFormat, request.payload_format, "a graph")
    try:
        parsed = list(ox.parse(request.payload, format=payload_format))
    except SyntaxError as error:
        raise _Refusal(
            Failure(400, f"The RDF payload does not parse: {error}", "syntax")
        ) from error
    if any(quad.graph_name != ox.DefaultGraph() for quad in parsed):
        raise _Refusal(
            Failure(
                400, "The payload names graphs of its own; send the triples of one graph.", "400"
            )
        )
    return [ox.Quad(quad.subject, quad.predicate, quad.object, graph) for quad in parsed]
