"""Write the whole dataset as gzip-compressed dumps, once per store version, next to the store.

A version never changes after publication, so its dumps are written once, by a child
process that reads the version's directory (the web worker never holds a dump in memory),
into `{store}/downloads/{version}/`. The directory appears with one atomic rename when every
file and the manifest are complete: a reader finds all of them or none, never a part.
A lock file lets one process write while the others wait for it.
"""

from __future__ import annotations

import datetime
import fcntl
import gzip
import hashlib
import json
import os
import re
import shutil
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

import pyoxigraph as ox

from server import child
from server.errors import HttpError
from server.namespaces import prefixes
from server.store import StoreDirectory

FILE_STEM = "mensenhandel-kg"
MANIFEST = "manifest.json"
_VERSION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_-]*(?:\.[0-9A-Za-z_-]+)*$")
_LOCK_POLL_S = 0.1
EU_FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"


@dataclass(frozen=True)
class DumpFormat:
    """One format the dataset is offered in."""

    extension: str  # also the short name
    media_type: str
    rdf_format: str  # attribute of ox.RdfFormat
    keeps_graphs: bool  # quads with their graphs, or every triple merged into one graph
    file_type: str  # EU file-type authority IRI, for dct:format
    title_nl: str
    title_en: str


DUMP_FORMATS: tuple[DumpFormat, ...] = (
    DumpFormat(
        "trig", "application/trig", "TRIG", True, EU_FILE_TYPE + "RDF_TRIG",
        "Hele dataset als TriG, met named graphs (gzip)",
        "Whole dataset as TriG, named graphs kept (gzip)",
    ),
    DumpFormat(
        "nq", "application/n-quads", "N_QUADS", True, EU_FILE_TYPE + "RDF_N_QUADS",
        "Hele dataset als N-Quads, met named graphs (gzip)",
        "Whole dataset as N-Quads, named graphs kept (gzip)",
    ),
    DumpFormat(
        "ttl", "text/turtle", "TURTLE", False, EU_FILE_TYPE + "RDF_TURTLE",
        "Hele dataset als Turtle, samengevoegd tot één graaf (gzip)",
        "Whole dataset as Turtle, merged into one graph (gzip)",
    ),
    DumpFormat(
        "jsonld", "application/ld+json", "JSON_LD", False, EU_FILE_TYPE + "JSON_LD",
        "Hele dataset als JSON-LD, samengevoegd tot één graaf (gzip)",
        "Whole dataset as JSON-LD, merged into one graph (gzip)",
    ),
)  # fmt: skip
BY_EXTENSION = {dump_format.extension: dump_format for dump_format in DUMP_FORMATS}
_FILE_NAME = re.compile(
    rf"^{FILE_STEM}-(?P<version>.+)\.(?P<extension>{'|'.join(BY_EXTENSION)})\.gz$"
)


@dataclass(frozen=True)
class DumpFile:
    """A written dump: where it is, and its size and checksum."""

    format: DumpFormat
    path: Path
    size: int
    sha256: str

    @property
    def name(self) -> str:
        """Return the file name clients see."""
        return self.path.name


def description_graph(base_iri: str) -> str:
    """Return the named graph that holds the dataset description in the quad dumps."""
    return f"{base_iri}graph/description"


def version_time(version: str) -> datetime.datetime | None:
    """Return when a store version was built, read from its name (UTC), or None."""
    try:
        stamp = datetime.datetime.strptime(version[:15], "%Y%m%dT%H%M%S")
    except ValueError:
        return None
    return stamp.replace(tzinfo=datetime.UTC)


def file_name(dump_format: DumpFormat, version: str) -> str:
    """Return the stable file name of a dump of `version`."""
    return f"{FILE_STEM}-{version}.{dump_format.extension}.gz"


def latest_name(dump_format: DumpFormat) -> str:
    """Return the version-less name that redirects to the dump of the current version."""
    return f"{FILE_STEM}.{dump_format.extension}.gz"


def parse_file_name(name: str) -> tuple[DumpFormat, str] | None:
    """Return (format, version) named by a dump file name, or None if it names no dump."""
    match = _FILE_NAME.match(name)
    if match is None or not _VERSION.match(match.group("version")):
        return None
    return BY_EXTENSION[match.group("extension")], match.group("version")


class DumpCache:
    """The dumps of each store version under `{store}/downloads/`."""

    def __init__(self, store_dir: Path, timeout_s: float) -> None:
        self.directory = StoreDirectory(store_dir)
        self.root = Path(store_dir) / "downloads"
        self.timeout_s = timeout_s

    def cached(self, version: str) -> list[DumpFile] | None:
        """Return the dumps of `version` if they have been written, else None."""
        if not _VERSION.match(version):
            return None
        folder = self.root / version
        try:
            manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        return [
            DumpFile(
                BY_EXTENSION[entry["format"]],
                folder / entry["name"],
                entry["size"],
                entry["sha256"],
            )
            for entry in manifest["files"]
        ]

    def ensure(self, version: str, description: list[ox.Triple], base_iri: str) -> list[DumpFile]:
        """Return the dumps of `version`, writing them first if nobody has yet.

        `description` (the dataset description) is added to every dump: in its own named
        graph (`description_graph`) where graphs are kept, merged in otherwise.
        Raise HttpError when they cannot be written in time.
        """
        found = self.cached(version)
        if found is not None:
            return found
        source = self.directory.versions / version
        if not _VERSION.match(version) or not source.is_dir():
            raise HttpError(404, f"Store version {version} is not kept any more.", reason="absent")
        self.root.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + self.timeout_s
        with self._lock(version, deadline):
            found = self.cached(version)  # written by another process while we waited
            if found is None:
                self._write(version, source, description, base_iri, deadline)
                self._prune()
                found = self.cached(version)
        assert found is not None
        return found

    def _lock(self, version: str, deadline: float):
        return _FileLock(self.root / f"{version}.lock", deadline)

    def _write(
        self,
        version: str,
        source: Path,
        description: list[ox.Triple],
        base_iri: str,
        deadline: float,
    ) -> None:
        temporary = self.root / f".tmp-{uuid.uuid4().hex}"
        temporary.mkdir()
        try:
            body = ox.serialize(description, format=ox.RdfFormat.N_TRIPLES)
            context = child.process_context()
            process = context.Process(
                target=write_dumps,
                args=(str(source), str(temporary), version, body, base_iri),
                name="mhkg-dump",
                daemon=True,
            )
            process.start()
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()
                raise HttpError(
                    503,
                    f"Writing the downloads took longer than {self.timeout_s:g} s and was "
                    "stopped; try again later.",
                    reason="timeout",
                )
            if process.exitcode != 0 or not (temporary / MANIFEST).is_file():
                raise HttpError(
                    500, "Writing the downloads failed; the failure has been logged.", reason="dump"
                )
            os.rename(temporary, self.root / version)
        finally:
            shutil.rmtree(temporary, ignore_errors=True)

    def _prune(self) -> None:
        """Delete the dumps of versions that are no longer kept."""
        kept = {path.name for path in self.directory.versions.iterdir()}
        for path in self.root.iterdir():
            name = path.name.removesuffix(".lock")
            if not name.startswith(".") and name not in kept:
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)


class _FileLock:
    """An exclusive lock on a file, waited for until a deadline (bounded, never forever)."""

    def __init__(self, path: Path, deadline: float) -> None:
        self.path = path
        self.deadline = deadline
        self._file = None

    def __enter__(self) -> _FileLock:
        self._file = open(self.path, "a")
        while True:
            try:
                fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return self
            except BlockingIOError:
                if time.monotonic() >= self.deadline:
                    self._file.close()
                    raise HttpError(
                        503,
                        "The downloads are being written by another request; try again later.",
                        reason="busy",
                        headers={"Retry-After": "30"},
                    ) from None
                time.sleep(_LOCK_POLL_S)

    def __exit__(self, *exc_info: object) -> None:
        assert self._file is not None
        fcntl.flock(self._file, fcntl.LOCK_UN)
        self._file.close()


# --- in the child process --------------------------------------------------------------------


def write_dumps(source: str, target: str, version: str, description: bytes, base_iri: str) -> None:
    """Write every dump of the store at `source` into `target`, then the manifest."""
    store = ox.Store.read_only(source)
    graph = ox.NamedNode(description_graph(base_iri))
    if store.contains_named_graph(graph):
        raise RuntimeError(f"the store has a graph {graph.value} of its own")
    described = [quad.triple for quad in ox.parse(description, format=ox.RdfFormat.N_TRIPLES)]
    # The merged graph is worked out once, into a plain N-Triples file that the merged
    # formats are then written from: finding each triple's first graph is the slow part.
    merged = Path(target) / ".merged.nt"
    with open(merged, "wb") as file:
        ox.serialize(
            chain(merged_triples(store), described), output=file, format=ox.RdfFormat.N_TRIPLES
        )
    published = version_time(version)
    entries = []
    for dump_format in DUMP_FORMATS:
        if dump_format.keeps_graphs:
            content: Iterable = chain(
                store.quads_for_pattern(None, None, None, None),
                (ox.Quad(t.subject, t.predicate, t.object, graph) for t in described),
            )
        else:
            content = ox.parse(path=merged, format=ox.RdfFormat.N_TRIPLES)
        path = Path(target) / file_name(dump_format, version)
        _write_gzip(path, content, dump_format, prefixes(base_iri), published)
        entries.append(
            {
                "format": dump_format.extension,
                "name": path.name,
                "size": path.stat().st_size,
                "sha256": _sha256(path),
            }
        )
    merged.unlink()
    manifest = {"version": version, "files": entries}
    (Path(target) / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")


def _write_gzip(
    path: Path,
    content: Iterable,
    dump_format: DumpFormat,
    namespaces: dict[str, str],
    published: datetime.datetime | None,
) -> None:
    mtime = int(published.timestamp()) if published else 0
    with open(path, "wb") as raw, gzip.GzipFile(path.name[:-3], "wb", 6, raw, mtime) as packed:
        ox.serialize(
            content,
            output=packed,
            format=getattr(ox.RdfFormat, dump_format.rdf_format),
            prefixes=namespaces,
        )


def merged_triples(store: ox.Store) -> Iterator[ox.Triple]:
    """Yield every triple of every graph of `store` once, in constant memory.

    A triple is written where the store lists it first: a query with DISTINCT (or a
    CONSTRUCT) would remember every triple it has seen, 650 MB for a million.
    """
    for quad in store.quads_for_pattern(None, None, None, None):
        first = next(store.quads_for_pattern(quad.subject, quad.predicate, quad.object, None))
        if first.graph_name == quad.graph_name:
            yield quad.triple


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in _blocks(file):
            digest.update(block)
    return digest.hexdigest()


def _blocks(file) -> Iterator[bytes]:
    while block := file.read(1 << 20):
        yield block
