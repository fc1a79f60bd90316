"""Parse, validate and publish the knowledge graph: one named graph per source file."""

from __future__ import annotations

import multiprocessing
import os
import time
from dataclasses import dataclass
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path

import pyoxigraph as ox
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from server.config import Settings
from server.passages import check_passages
from server.store import StoreDirectory
from server.validation import ValidationReport, combined, shape_partition, validate


@dataclass(frozen=True)
class SourceFile:
    """A Turtle file of the project and the named graph it is loaded into."""

    path: Path
    graph_iri: str


@dataclass(frozen=True)
class SourceText:
    """A plain-text source document, such as the letter, and the IRI it is known by."""

    path: Path
    iri: str
    graph_iri: str

    def read(self) -> str:
        return self.path.read_text(encoding="utf-8")


@dataclass(frozen=True)
class CheckResult:
    """Everything a build must know before it may publish."""

    report: ValidationReport
    passage_problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.report.conforms and not self.passage_problems


@dataclass(frozen=True)
class BuildResult:
    version: str
    triples: int
    graphs: int
    seconds: float


class BuildRefused(Exception):
    """The sources do not validate; nothing was published."""

    def __init__(self, check: CheckResult) -> None:
        super().__init__("the knowledge graph does not validate; the published store is unchanged")
        self.check = check


# Validation processes at most: each costs a Python start and a parse of the sources.
_MAX_VALIDATION_PROCESSES = 4

CURATED_GRAPH_PATHS = ("graph/ontology/", "graph/data/", "graph/shapes/")


def is_curated_graph(settings: Settings, graph_iri: str) -> bool:
    """Tell whether a named graph is rebuilt from the project's files by `mhkg build`."""
    return graph_iri.startswith(tuple(settings.base_iri + path for path in CURATED_GRAPH_PATHS))


def turtle_sources(settings: Settings) -> list[SourceFile]:
    """List the ontology, data and shapes files with their named-graph IRIs."""
    root = settings.data_dir.parent
    files = []
    for directory in (settings.ontology_dir, settings.data_dir, settings.shapes_dir):
        for path in sorted(directory.glob("*.ttl")):
            relative = path.relative_to(root) if path.is_relative_to(root) else path.name
            graph_path = Path(relative).with_suffix("").as_posix()
            files.append(SourceFile(path, f"{settings.base_iri}graph/{graph_path}"))
    return files


def text_sources(settings: Settings) -> list[SourceText]:
    """List the source documents in data/sources/ (see docs/MODEL.md, provenance)."""
    return [
        SourceText(
            path,
            f"{settings.base_iri}id/document/{path.stem}/tekst",
            f"{settings.base_iri}graph/data/sources/{path.stem}",
        )
        for path in sorted((settings.data_dir / "sources").glob("*.txt"))
    ]


def check(settings: Settings, language: str = "en") -> CheckResult:
    """Validate ontology and data against the shapes, and every passage against its text."""
    data, shapes, texts = _read_sources(settings)
    report = _validate_in_parts(data, shapes, language)
    return CheckResult(report, tuple(check_passages(data, texts)))


def _read_sources(settings: Settings) -> tuple[Graph, Graph, dict[str, str]]:
    """Parse the data (ontology, data, texts) and the shapes; return them and the texts."""
    data, shapes = Graph(), Graph()
    for source in turtle_sources(settings):
        target = shapes if source.path.parent == settings.shapes_dir else data
        target.parse(source.path, format="turtle", publicID=settings.base_iri)
    texts = {text.iri: text.read() for text in text_sources(settings)}
    for iri, content in texts.items():
        data.add((URIRef(iri), RDF.value, Literal(content)))
    return data, shapes, texts


def _validate_in_parts(data: Graph, shapes: Graph, language: str) -> ValidationReport:
    """Validate on every core: pySHACL otherwise spends most of a build on one.

    The shapes are split into parts that together give exactly the results of one
    validation (server.validation.shape_partition). Each part but the first runs in a
    forked process, which shares the parsed graphs instead of parsing again. Only a process
    running no other thread is forked (a fork copies locks that other threads may hold);
    otherwise, as in a test session, the whole validation runs here.
    """
    parts = min(os.cpu_count() or 1, _MAX_VALIDATION_PROCESSES)
    partition = shape_partition(shapes, parts) if parts > 1 and _single_threaded() else None
    if partition is None:
        return validate(data, shapes, language)
    fork = multiprocessing.get_context("fork")
    children = []
    for part in partition[1:]:
        receiver, sender = fork.Pipe(duplex=False)
        process = fork.Process(target=_validate_into, args=(sender, data, part, language))
        process.start()
        sender.close()
        children.append((process, receiver, part))
    try:
        reports = [validate(data, partition[0], language)]
        for _process, receiver, part in children:
            try:
                reports.append(receiver.recv())
            except EOFError:  # the process died: do its part here, and see why
                reports.append(validate(data, part, language))
    finally:
        for process, receiver, _part in children:
            receiver.close()
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
                process.join()
    return combined(reports)


def _validate_into(sender: Connection, data: Graph, shapes: Graph, language: str) -> None:
    sender.send(validate(data, shapes, language))


def _single_threaded() -> bool:
    """Tell whether this process runs one thread only, counting threads of native code."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Threads:"):
                    return int(line.split()[1]) == 1
    except OSError:
        pass
    return False


def build(settings: Settings) -> BuildResult:
    """Validate, load into a new store version and publish it; refuse invalid sources.

    The previous version stays published and untouched when anything fails.
    """
    started = time.perf_counter()
    result = check(settings)
    if not result.ok:
        raise BuildRefused(result)
    directory = StoreDirectory(settings.store_dir)
    with directory.building() as path:
        triples, graphs = directory.write_copy(path, partial(_load_curated, settings))
        directory.publish(path)
    directory.prune(settings.keep_versions)
    return BuildResult(path.name, triples, graphs, time.perf_counter() - started)


def _load_curated(settings: Settings, store: ox.Store) -> tuple[int, int]:
    """Replace the curated graphs of `store` with the project's files; return the sizes.

    External graphs loaded with `mhkg load` live only in the store, and stay.
    """
    for graph in list(store.named_graphs()):
        if is_curated_graph(settings, graph.value):
            store.remove_graph(graph)
    for source in turtle_sources(settings):
        store.bulk_load(
            path=source.path,
            format=ox.RdfFormat.TURTLE,
            base_iri=settings.base_iri,
            to_graph=ox.NamedNode(source.graph_iri),
        )
    for text in text_sources(settings):
        store.extend(_text_quads(text))
    store.optimize()
    return len(store), sum(1 for _ in store.named_graphs())


def _text_quads(text: SourceText) -> list[ox.Quad]:
    graph = ox.NamedNode(text.graph_iri)
    subject = ox.NamedNode(text.iri)
    return [
        ox.Quad(subject, ox.NamedNode(str(RDF.value)), ox.Literal(text.read()), graph),
        ox.Quad(subject, ox.NamedNode(str(DCTERMS.format)), ox.Literal("text/plain"), graph),
    ]
