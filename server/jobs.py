"""Say what a child process is asked to do and what it answers; all of it crosses a pipe."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Dataset:
    """The RDF dataset a query runs against.

    With neither protocol graphs nor a FROM clause, the default graph is the union of all
    named graphs; with protocol graphs, exactly those graphs (SPARQL Protocol 2.1.4).
    """

    union_default_graph: bool = True
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None

    @property
    def from_protocol(self) -> bool:
        """Tell whether the request named the graphs itself."""
        return self.default_graphs is not None or self.named_graphs is not None


@dataclass(frozen=True)
class QueryRequest:
    """A checked query and the formats (pyoxigraph names) each kind of answer may take.

    A format of None means the client accepts no format for that kind of answer.
    """

    query: str
    results_format: str | None
    graph_format: str | None
    dataset: Dataset = Dataset()
    # Values bound to variables as RDF terms (SEP-0007), never pasted into the text; the
    # variables must be projected by a SELECT.
    substitutions: tuple[tuple[str, object], ...] = ()
    # Resolves relative IRIs in the query, so named queries can say <id/...> on any base.
    base_iri: str | None = None


@dataclass(frozen=True)
class GraphRequest:
    """Read one graph of the store; `graph` None means the store's default graph."""

    graph: str | None
    graph_format: str


@dataclass(frozen=True)
class UpdateRequest:
    """A checked SPARQL update."""

    update: str


@dataclass(frozen=True)
class GraphWriteRequest:
    """A Graph Store Protocol write; `graph` None means the store's default graph."""

    method: Literal["PUT", "POST", "DELETE"]
    graph: str | None
    payload: bytes = b""
    payload_format: str | None = None


@dataclass(frozen=True)
class Result:
    """A complete, serialised answer."""

    body: bytes
    kind: Literal["solutions", "boolean", "graph"]
    store_version: str
    # The row limit, when the answer was cut at it.
    truncated_at: int | None = None


@dataclass(frozen=True)
class WriteResult:
    """What a write did."""

    created: bool


@dataclass(frozen=True)
class Failure:
    """Why a request failed, as the client should be told."""

    status: int
    message: str
    reason: str
