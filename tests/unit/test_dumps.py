"""Writing the downloads: once per version, all or nothing, in bounded time, pruned."""

from __future__ import annotations

import gzip
import threading
from pathlib import Path

import pyoxigraph as ox
import pytest

from server.dumps import (
    DUMP_FORMATS,
    DumpCache,
    file_name,
    merged_triples,
    parse_file_name,
    version_time,
)
from server.errors import HttpError
from server.store import StoreDirectory
from tests.http.support import build_store, sample_quads

BASE = "https://mensenhandel-kg.nl/"
DESCRIBED = [
    ox.Triple(
        ox.NamedNode(BASE + "id/dataset/mensenhandel-kg"),
        ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
        ox.NamedNode("http://www.w3.org/ns/dcat#Dataset"),
    )
]


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    return build_store(tmp_path / "store")


def current(store_dir: Path) -> str:
    version = StoreDirectory(store_dir).current_version()
    assert version is not None
    return version


def publish_copy(store_dir: Path) -> str:
    """Publish a new version with the same content; return its name."""
    directory = StoreDirectory(store_dir)
    with directory.building() as path:
        ox.Store.read_only(str(directory.current_path())).backup(str(path))
        directory.publish(path)
    return path.name


def test_file_names_carry_the_version_and_nothing_else_parses() -> None:
    trig = DUMP_FORMATS[0]
    version = "20210219T120000.000000000Z-abcdef"
    assert file_name(trig, version) == f"mensenhandel-kg-{version}.trig.gz"
    assert parse_file_name(file_name(trig, version)) == (trig, version)
    for bad in ("mensenhandel-kg-../x.trig.gz", "mensenhandel-kg-x.zip", "x.trig.gz"):
        assert parse_file_name(bad) is None
    assert version_time(version).isoformat() == "2021-02-19T12:00:00+00:00"
    assert version_time("not-a-version") is None


def test_the_dumps_hold_every_quad_and_the_description(store_dir: Path) -> None:
    version = current(store_dir)
    files = DumpCache(store_dir, 60).ensure(version, DESCRIBED, BASE)
    assert [f.format.extension for f in files] == ["trig", "nq", "ttl", "jsonld"]
    nquads = next(f for f in files if f.format.extension == "nq")
    parsed = set(ox.parse(gzip.decompress(nquads.path.read_bytes()), format=ox.RdfFormat.N_QUADS))
    described = ox.Quad(*DESCRIBED[0], ox.NamedNode(BASE + "graph/description"))
    assert parsed == set(sample_quads()) | {described}
    turtle = next(f for f in files if f.format.extension == "ttl")
    merged = set(ox.parse(gzip.decompress(turtle.path.read_bytes()), format=ox.RdfFormat.TURTLE))
    assert merged == {ox.Quad(*q.triple) for q in sample_quads()} | {ox.Quad(*DESCRIBED[0])}


def test_a_triple_in_several_graphs_is_merged_once() -> None:
    store = ox.Store()
    triple = (ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"), ox.BlankNode("b"))
    for graph in ("http://e/g1", "http://e/g2"):
        store.add(ox.Quad(*triple, ox.NamedNode(graph)))
    store.add(ox.Quad(*triple))  # and in the default graph
    assert list(merged_triples(store)) == [ox.Triple(*triple)]


def test_a_version_is_written_once_even_when_asked_at_once(store_dir: Path) -> None:
    version = current(store_dir)
    cache = DumpCache(store_dir, 60)
    results: list[list] = []
    errors: list[BaseException] = []

    def ask() -> None:
        try:
            results.append(cache.ensure(version, DESCRIBED, BASE))
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=ask) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors and len(results) == 3
    assert results[0] == results[1] == results[2]
    assert [p.name for p in cache.root.iterdir() if p.is_dir()] == [version]


def test_a_write_past_the_time_limit_is_stopped_and_leaves_nothing(store_dir: Path) -> None:
    cache = DumpCache(store_dir, 0.001)
    with pytest.raises(HttpError) as raised:
        cache.ensure(current(store_dir), DESCRIBED, BASE)
    assert raised.value.status == 503
    assert [p for p in cache.root.iterdir() if p.is_dir()] == []


def test_an_unknown_version_is_refused(store_dir: Path) -> None:
    with pytest.raises(HttpError) as raised:
        DumpCache(store_dir, 60).ensure("20000101T000000.000000000Z-abcdef", DESCRIBED, BASE)
    assert raised.value.status == 404


def test_dumps_of_versions_no_longer_kept_are_deleted(store_dir: Path) -> None:
    cache = DumpCache(store_dir, 60)
    first = current(store_dir)
    cache.ensure(first, DESCRIBED, BASE)
    directory = StoreDirectory(store_dir)
    for _ in range(3):
        publish_copy(store_dir)
    directory.prune(keep=1)
    assert first not in {p.name for p in directory.versions.iterdir()}
    newest = current(store_dir)
    cache.ensure(newest, DESCRIBED, BASE)
    assert cache.cached(first) is None
    assert {p.name for p in cache.root.iterdir() if p.is_dir()} == {newest}
