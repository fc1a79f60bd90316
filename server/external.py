"""Load, unload and list external RDF data sets, each in its own named graph.

External graphs (a TOOI organisation list, a register dump) are not part of the project's
files: `mhkg load` streams them into the store, copy-on-write like `mhkg build`, and records
each one in the catalogue graph `{base}graph/catalogue`. They are not validated by the
shapes, and `mhkg build` carries them over untouched while it replaces the curated graphs.
"""

from __future__ import annotations

import datetime
import gzip
import io
import itertools
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path, PurePosixPath
from typing import IO
from urllib.parse import urlsplit

import pyoxigraph as ox

from server.build import is_curated_graph, text_sources, turtle_sources
from server.config import Settings
from server.namespaces import STANDARD_PREFIXES
from server.store import StoreDirectory

GZIP_MAGIC = b"\x1f\x8b"
# The bulk loader holds a whole batch of quads in memory while it sorts and writes it (one
# call with a million quads peaks near 900 MB); batches of 100,000 keep a load of any size
# near 200 MB, and are no slower (benchmarks/load/RESULTS.md).
CHUNK_QUADS = 100_000
URL_TIMEOUT_S = 60.0

RDF_TYPE = ox.NamedNode(STANDARD_PREFIXES["rdf"] + "type")
VOID_DATASET = ox.NamedNode(STANDARD_PREFIXES["void"] + "Dataset")
VOID_TRIPLES = ox.NamedNode(STANDARD_PREFIXES["void"] + "triples")
PROV_WAS_DERIVED_FROM = ox.NamedNode(STANDARD_PREFIXES["prov"] + "wasDerivedFrom")
PROV_GENERATED_AT_TIME = ox.NamedNode(STANDARD_PREFIXES["prov"] + "generatedAtTime")
DCT_FORMAT = ox.NamedNode(STANDARD_PREFIXES["dct"] + "format")
XSD_DATE_TIME = ox.NamedNode(STANDARD_PREFIXES["xsd"] + "dateTime")
XSD_INTEGER = ox.NamedNode(STANDARD_PREFIXES["xsd"] + "integer")


COUNT_PER_GRAPH = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
GRAPH_HAS_TRIPLES = "ASK {{ GRAPH {graph} {{ ?s ?p ?o }} }}"
DELETE_BATCH = """
DELETE {{ GRAPH {graph} {{ ?s ?p ?o }} }}
WHERE {{ {{ SELECT ?s ?p ?o WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }} LIMIT {limit} }} }}
"""


class ExternalDataError(Exception):
    """A load or unload was refused or failed; the published store is unchanged."""


@dataclass(frozen=True)
class LoadResult:
    """What `load` did: the graph, its source and size, and the version it published."""

    graph: str
    source: str
    triples: int
    replaced: bool
    version: str
    seconds: float


@dataclass(frozen=True)
class GraphInfo:
    """A named graph of the published store, its size and where it comes from."""

    graph: str
    triples: int
    origin: str


def catalogue_graph(settings: Settings) -> ox.NamedNode:
    """Return the named graph that records every loaded external graph."""
    return ox.NamedNode(f"{settings.base_iri}graph/catalogue")


def external_graph_class(settings: Settings) -> ox.NamedNode:
    """Return `mh:ExternalGraph`, the class of the graphs loaded with `mhkg load`."""
    return ox.NamedNode(f"{settings.base_iri}def#ExternalGraph")


# --- reading the source -------------------------------------------------------------------


class CountingReader(io.RawIOBase):
    """Pass reads through to a binary stream, counting the bytes for the progress bar."""

    def __init__(self, inner: IO[bytes]) -> None:
        super().__init__()
        self._inner = inner
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        count = self._inner.readinto(buffer)
        self.bytes_read += count or 0
        return count


class Concatenated(io.RawIOBase):
    """Read binary streams one after the other, as one stream."""

    def __init__(self, *streams: IO[bytes]) -> None:
        super().__init__()
        self._streams = list(streams)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while self._streams:
            count = self._streams[0].readinto(buffer)
            if count:
                return count
            self._streams.pop(0)
        return 0


@dataclass
class OpenedSource:
    """A source opened for streaming: the decoded bytes and what is known about them."""

    iri: str  # the file: IRI or the URL, recorded as prov:wasDerivedFrom
    name: str  # the file name, without a .gz suffix, to guess the format from
    stream: IO[bytes]
    counter: CountingReader
    total_bytes: int | None
    media_type: str | None


@contextmanager
def open_source(source: str) -> Iterator[OpenedSource]:
    """Open a file path or an http(s) URL for streaming, gunzipping it when compressed.

    Compression is recognised by the `.gz` suffix and by the gzip magic number, so a
    compressed file without the suffix (or a URL served as gzip) is read correctly too.
    """
    with _open_raw(source) as (raw, iri, total_bytes, media_type):
        counter = CountingReader(raw)
        buffered = io.BufferedReader(counter, buffer_size=1 << 20)
        name = PurePosixPath(urlsplit(iri).path).name
        compressed = name.endswith(".gz") or buffered.peek(2)[:2] == GZIP_MAGIC
        stream: IO[bytes] = gzip.GzipFile(fileobj=buffered) if compressed else buffered
        yield OpenedSource(iri, name.removesuffix(".gz"), stream, counter, total_bytes, media_type)


@contextmanager
def _open_raw(source: str) -> Iterator[tuple[IO[bytes], str, int | None, str | None]]:
    """Yield the raw bytes of a file or URL with its IRI, size and media type, if known."""
    if urlsplit(source).scheme in {"http", "https"}:
        try:
            response = urllib.request.urlopen(source, timeout=URL_TIMEOUT_S)
        except OSError as error:
            raise ExternalDataError(f"cannot open {source}: {error}") from error
        with response:
            length = response.headers.get("Content-Length")
            media_type = response.headers.get_content_type()
            yield response, source, int(length) if length else None, media_type
        return
    path = Path(source)
    if not path.is_file():
        raise ExternalDataError(f"{source} is not a file")
    with path.open("rb") as file:
        yield file, path.resolve().as_uri(), path.stat().st_size, None


def choose_format(name: str | None, file_name: str, media_type: str | None) -> ox.RdfFormat:
    """Return the RDF format named by --format, else by the file extension or media type.

    `name` is an extension (ttl, nt, nq, trig, rdf, jsonld) or a media type.
    """
    if name:
        chosen = ox.RdfFormat.from_extension(name) or ox.RdfFormat.from_media_type(name)
        if chosen is None:
            raise ExternalDataError(f"unknown format {name!r}; use an extension or media type")
        return chosen
    suffix = PurePosixPath(file_name).suffix.removeprefix(".")
    chosen = ox.RdfFormat.from_extension(suffix) if suffix else None
    if chosen is None and media_type:
        chosen = ox.RdfFormat.from_media_type(media_type)
    if chosen is None:
        raise ExternalDataError(f"cannot tell the RDF format of {file_name!r}; give --format")
    return chosen


# --- progress ----------------------------------------------------------------------------


class Progress:
    """Show triples loaded and triples/s on a stream, usually stderr.

    On a terminal one line is rewritten in place; into a file or pipe (CI logs) a line is
    written every `interval` seconds, so a log is not flooded with carriage returns.
    """

    BAR_WIDTH = 24

    def __init__(
        self,
        stream: IO[str],
        label: str,
        total_bytes: int | None = None,
        interval: float | None = None,
        clock=time.monotonic,
    ) -> None:
        self.stream = stream
        self.label = label
        self.total_bytes = total_bytes
        self.terminal = stream.isatty()
        self.interval = interval if interval is not None else (0.2 if self.terminal else 5.0)
        self.clock = clock
        self.started = clock()
        self._last_shown = self.started
        self._line_open = False

    def update(self, triples: int, bytes_read: int) -> None:
        """Show the current count, at most once per interval."""
        now = self.clock()
        if now - self._last_shown < self.interval:
            return
        self._last_shown = now
        self._show(self._line(triples, bytes_read, now))

    def finish(self, triples: int) -> None:
        """Show the final count and rate on a line of its own."""
        seconds = max(self.clock() - self.started, 1e-9)
        self._show(
            f"{self.label}: {triples:,} triples in {seconds:.1f} s "
            f"({triples / seconds:,.0f} triples/s)"
        )
        self.close()

    def close(self) -> None:
        """End a rewritten line, so what follows (an error message) starts on its own."""
        if self._line_open:
            self.stream.write("\n")
            self.stream.flush()
            self._line_open = False

    def _line(self, triples: int, bytes_read: int, now: float) -> str:
        rate = triples / max(now - self.started, 1e-9)
        parts = [self.label]
        if self.total_bytes:
            fraction = min(bytes_read / self.total_bytes, 1.0)
            filled = round(fraction * self.BAR_WIDTH)
            parts.append(f"[{'#' * filled}{'.' * (self.BAR_WIDTH - filled)}] {fraction:4.0%}")
        parts.append(f"{triples:,} triples")
        parts.append(f"{rate:,.0f} triples/s")
        megabytes = f"{bytes_read / 1e6:,.1f}"
        if self.total_bytes:
            megabytes += f"/{self.total_bytes / 1e6:,.1f}"
        parts.append(f"{megabytes} MB")
        return "  ".join(parts)

    def _show(self, line: str) -> None:
        if self.terminal:
            self.stream.write(f"\r{line}\x1b[K")
            self._line_open = True
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


# --- loading -----------------------------------------------------------------------------


def load(
    settings: Settings,
    source: str,
    graph_iri: str,
    *,
    format_name: str | None = None,
    base_iri: str | None = None,
    progress_stream: IO[str] | None = None,
    progress_interval: float | None = None,
    chunk_quads: int = CHUNK_QUADS,
) -> LoadResult:
    """Stream `source` into the named graph `graph_iri` of a new version and publish it.

    A quad file (N-Quads, TriG) is loaded whole into `graph_iri`: its graph names are
    dropped. Relative IRIs resolve against `base_iri`, by default the source's own IRI.
    Nothing is published when anything fails, parse errors half way included.
    """
    started = time.perf_counter()
    graph = _loadable_graph(settings, graph_iri)
    directory = StoreDirectory(settings.store_dir)
    with open_source(source) as opened:
        rdf_format = choose_format(format_name, opened.name, opened.media_type)
        progress = Progress(
            progress_stream or io.StringIO(),
            f"loading {opened.name}",
            opened.total_bytes,
            progress_interval,
        )
        with directory.building() as path:
            replaced, triples = directory.write_copy(
                path,
                partial(
                    _replace_graph,
                    settings,
                    opened=opened,
                    rdf_format=rdf_format,
                    graph=graph,
                    base_iri=base_iri or opened.iri,
                    progress=progress,
                    chunk_quads=chunk_quads,
                ),
            )
            directory.publish(path)
    directory.prune(settings.keep_versions)
    return LoadResult(
        graph.value, opened.iri, triples, replaced, path.name, time.perf_counter() - started
    )


def _replace_graph(
    settings: Settings,
    store: ox.Store,
    *,
    opened: OpenedSource,
    rdf_format: ox.RdfFormat,
    graph: ox.NamedNode,
    base_iri: str,
    progress: Progress,
    chunk_quads: int,
) -> tuple[bool, int]:
    """Load the source into `graph` instead of what it held; return (replaced, triples)."""
    replaced = _forget_graph(settings, store, graph)
    # The graph is empty now, so what the store grows by is the graph's distinct triples;
    # len() counts without decoding terms, several times faster than a SPARQL COUNT.
    quads_before = len(store)
    loader = _GraphLoader(store, graph, progress, opened.counter, chunk_quads)
    try:
        stream = opened.stream
        if rdf_format == ox.RdfFormat.N_TRIPLES:
            stream = loader.bulk_load_lines(stream)
        loader.parse(stream, rdf_format, base_iri)
    except BaseException:
        progress.close()
        raise
    store.add_graph(graph)  # an empty source still gets a graph, listed and unloadable
    triples = len(store) - quads_before
    progress.finish(triples)
    store.extend(_catalogue_record(settings, graph, opened.iri, triples, rdf_format))
    return replaced, triples


def _loadable_graph(settings: Settings, graph_iri: str) -> ox.NamedNode:
    """Return the graph to load into or unload; refuse curated graphs and the catalogue."""
    try:
        graph = ox.NamedNode(graph_iri)
    except ValueError as error:
        raise ExternalDataError(f"--graph {graph_iri!r} is not an absolute IRI: {error}") from None
    if is_curated_graph(settings, graph.value):
        raise ExternalDataError(
            f"{graph.value} is a curated graph, rebuilt from the project's files by "
            "`mhkg build`; load external data into a graph of its own"
        )
    if graph == catalogue_graph(settings):
        raise ExternalDataError(f"{graph.value} is the catalogue of loaded graphs")
    return graph


@dataclass
class _GraphLoader:
    """Load RDF into one named graph in bounded chunks, reporting progress."""

    store: ox.Store
    graph: ox.NamedNode
    progress: Progress
    counter: CountingReader
    chunk_quads: int
    loaded: int = 0  # for the progress bar

    def bulk_load_lines(self, stream: IO[bytes]) -> IO[bytes]:
        """Bulk-load N-Triples in chunks of lines until one may hold a blank node.

        Return the rest of the input, from that chunk on. Here Rust parses and loads
        without a Python object per triple, about twice as fast as `parse`. But each
        `bulk_load` call names blank nodes afresh, so the first chunk with `_:` in it (even
        inside a literal) and everything after it go to one parser instead.
        """
        while lines := list(itertools.islice(stream, self.chunk_quads)):
            chunk = b"".join(lines)
            if b"_:" in chunk:
                return io.BufferedReader(Concatenated(io.BytesIO(chunk), stream))
            try:
                self.store.bulk_load(
                    input=chunk, format=ox.RdfFormat.N_TRIPLES, to_graph=self.graph
                )
            except SyntaxError as error:
                # The parser counts lines from the start of the chunk, not of the file.
                raise SyntaxError(f"{error}, counting from line {self.loaded + 1}") from None
            self._advance(len(lines))  # lines, not triples: near enough for a progress bar
        return io.BytesIO(b"")

    def parse(self, stream: IO[bytes], rdf_format: ox.RdfFormat, base_iri: str) -> None:
        """Parse the stream once, bulk-loading chunks of its quads moved into the graph.

        One parser for the whole stream keeps blank nodes consistent across chunks, and
        puts the quads of every graph into ours (`bulk_load(to_graph=…)` keeps the graph
        names of N-Quads and TriG).
        """
        parsed = ox.parse(
            input=stream, format=rdf_format, base_iri=base_iri, rename_blank_nodes=True
        )
        moved = _moved_into(self.graph, parsed)
        while chunk := list(itertools.islice(moved, self.chunk_quads)):
            self.store.bulk_extend(chunk)
            self._advance(len(chunk))

    def _advance(self, count: int) -> None:
        """Count loaded triples and show them."""
        self.loaded += count
        self.progress.update(self.loaded, self.counter.bytes_read)


def _moved_into(graph: ox.NamedNode, quads: Iterator[ox.Quad]) -> Iterator[ox.Quad]:
    """Yield the quads with `graph` as their graph name."""
    # A function of its own, not a generator expression in a method: that would close over
    # `self`, and through it keep the store alive in a traceback (see StoreDirectory.write_copy).
    for quad in quads:
        yield ox.Quad(quad.subject, quad.predicate, quad.object, graph)


def _catalogue_record(
    settings: Settings, graph: ox.NamedNode, source_iri: str, triples: int, rdf_format: ox.RdfFormat
) -> list[ox.Quad]:
    """Return the catalogue's description of a loaded graph (VoID, PROV-O, DCTERMS)."""
    catalogue = catalogue_graph(settings)
    loaded_at = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    statements = [
        (RDF_TYPE, VOID_DATASET),
        (RDF_TYPE, external_graph_class(settings)),
        (PROV_WAS_DERIVED_FROM, ox.NamedNode(source_iri)),
        (PROV_GENERATED_AT_TIME, ox.Literal(loaded_at, datatype=XSD_DATE_TIME)),
        (VOID_TRIPLES, ox.Literal(str(triples), datatype=XSD_INTEGER)),
        (DCT_FORMAT, ox.Literal(rdf_format.media_type)),
    ]
    return [ox.Quad(graph, predicate, value, catalogue) for predicate, value in statements]


def _forget_graph(settings: Settings, store: ox.Store, graph: ox.NamedNode) -> bool:
    """Remove a graph and its catalogue record; return whether there was anything."""
    record = list(store.quads_for_pattern(graph, None, None, catalogue_graph(settings)))
    existed = bool(record) or store.contains_named_graph(graph)
    for quad in record:
        store.remove(quad)
    _clear_graph(store, graph)
    return existed


def _clear_graph(store: ox.Store, graph: ox.NamedNode) -> None:
    """Delete the triples of `graph` in flushed batches, then the graph itself.

    `remove_graph` alone deletes in one transaction that holds every deletion in memory
    (1.5 GB for a million triples); batches of CHUNK_QUADS, flushed, keep it near 300 MB.
    """
    # str(graph) is the IRI in N-Triples syntax, checked by NamedNode: safe in SPARQL text
    # (updates take no substitutions).
    has_triples = GRAPH_HAS_TRIPLES.format(graph=graph)
    delete_batch = DELETE_BATCH.format(graph=graph, limit=CHUNK_QUADS)
    while store.query(has_triples):
        store.update(delete_batch)
        store.flush()
    store.remove_graph(graph)


# --- unloading and listing ---------------------------------------------------------------


def unload(settings: Settings, graph_iri: str) -> str:
    """Remove an external graph and its catalogue record in a new version; return it."""
    graph = _loadable_graph(settings, graph_iri)
    directory = StoreDirectory(settings.store_dir)
    with directory.building() as path:
        directory.write_copy(path, partial(_remove_graph, settings, graph=graph))
        directory.publish(path)
    directory.prune(settings.keep_versions)
    return path.name


def _remove_graph(settings: Settings, store: ox.Store, *, graph: ox.NamedNode) -> None:
    """Remove a loaded graph and its record; fail when there is neither."""
    if not _forget_graph(settings, store, graph):
        raise ExternalDataError(f"there is no graph {graph.value} in the store")


def list_graphs(settings: Settings, store: ox.Store) -> list[GraphInfo]:
    """Describe every named graph of `store`: its triple count and its origin."""
    counts = {
        solution["g"].value: int(solution["n"].value) for solution in store.query(COUNT_PER_GRAPH)
    }
    origins = {**_curated_files(settings), **_external_origins(settings, store)}
    origins[catalogue_graph(settings).value] = "catalogue of the loaded graphs"
    names = sorted({graph.value for graph in store.named_graphs()} | counts.keys())
    return [
        GraphInfo(name, counts.get(name, 0), origins.get(name, _unknown(settings, name)))
        for name in names
    ]


def _curated_files(settings: Settings) -> dict[str, str]:
    """Map each curated graph to the project file it is built from."""
    root = settings.data_dir.parent
    sources = [*turtle_sources(settings), *text_sources(settings)]
    return {
        source.graph_iri: str(
            source.path.relative_to(root) if source.path.is_relative_to(root) else source.path
        )
        for source in sources
    }


def _external_origins(settings: Settings, store: ox.Store) -> dict[str, str]:
    """Map each loaded graph to its source and load time, from the catalogue."""
    origins = {}
    catalogue = catalogue_graph(settings)
    for quad in store.quads_for_pattern(None, PROV_WAS_DERIVED_FROM, None, catalogue):
        loaded = next(
            store.quads_for_pattern(quad.subject, PROV_GENERATED_AT_TIME, None, catalogue), None
        )
        when = f" at {loaded.object.value}" if loaded else ""
        origins[quad.subject.value] = f"loaded from {quad.object.value}{when}"
    return origins


def _unknown(settings: Settings, graph: str) -> str:
    """Describe the origin of a graph that is neither built from a file nor catalogued."""
    if is_curated_graph(settings, graph):
        return "curated, but its file is gone (the next `mhkg build` removes it)"
    return "unknown (not loaded with `mhkg load`)"
