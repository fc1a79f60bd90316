"""The versioned store directory: atomic publication, failed builds, readers that follow."""

from __future__ import annotations

import gc
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from server.store import PublishedStore, StoreDirectory, StoreUnavailable

SUBJECT = ox.NamedNode("http://example.org/s")
PREDICATE = ox.NamedNode("http://example.org/p")


def _write_version(directory: StoreDirectory, value: str) -> Path:
    with directory.building() as path:
        store = ox.Store(str(path))
        store.add(ox.Quad(SUBJECT, PREDICATE, ox.Literal(value)))
        store.flush()
        del store
    directory.publish(path)
    return path


def _values(store: ox.Store) -> list[str]:
    return [quad.object.value for quad in store.quads_for_pattern(SUBJECT, None, None)]


def test_an_empty_directory_has_no_current_store(tmp_path: Path) -> None:
    directory = StoreDirectory(tmp_path)
    assert directory.current_version() is None
    with pytest.raises(StoreUnavailable, match="mhkg build"):
        PublishedStore(directory).get()


def test_a_reader_follows_a_new_publication_on_its_next_request(tmp_path: Path) -> None:
    directory = StoreDirectory(tmp_path)
    first = _write_version(directory, "one")
    reader = PublishedStore(directory)
    store, version = reader.get()
    assert (_values(store), version) == (["one"], first.name)

    second = _write_version(directory, "two")
    store, version = reader.get()
    assert (_values(store), version) == (["two"], second.name)


def test_a_failed_build_leaves_the_published_version_untouched(tmp_path: Path) -> None:
    directory = StoreDirectory(tmp_path)
    good = _write_version(directory, "good")
    with pytest.raises(ValueError), directory.building() as path:
        ox.Store(str(path)).add(ox.Quad(SUBJECT, PREDICATE, ox.Literal("half")))
        raise ValueError("invalid data")
    assert directory.current_version() == good.name
    assert not path.exists()
    assert _values(PublishedStore(directory).get()[0]) == ["good"]


def test_two_builds_cannot_write_at_once(tmp_path: Path) -> None:
    directory = StoreDirectory(tmp_path)
    with (
        directory.building(),
        pytest.raises(RuntimeError, match="another build"),
        directory.building(),
    ):
        pass


def test_prune_keeps_the_current_and_the_newest_others(tmp_path: Path) -> None:
    directory = StoreDirectory(tmp_path)
    paths = [_write_version(directory, str(n)) for n in range(4)]
    directory.prune(keep=1)
    remaining = sorted(p.name for p in directory.versions.iterdir())
    assert remaining == sorted([paths[2].name, paths[3].name])
    assert directory.current_version() == paths[3].name


def test_a_missing_version_directory_is_reported_clearly(tmp_path: Path) -> None:
    directory = StoreDirectory(tmp_path)
    path = _write_version(directory, "x")
    shutil.rmtree(path)
    with pytest.raises(StoreUnavailable, match="missing"):
        PublishedStore(directory).get()


def test_a_failed_write_copy_leaves_only_the_published_version(tmp_path: Path) -> None:
    directory = StoreDirectory(tmp_path)
    good = _write_version(directory, "good")

    def fail(store: ox.Store) -> None:
        store.add(ox.Quad(SUBJECT, PREDICATE, ox.Literal("half")))
        raise ValueError("invalid data")

    try:
        with directory.building() as path:
            directory.write_copy(path, fail)
    except ValueError:
        pass
    gc.collect()  # whatever still held the store closes it now
    assert not path.exists()
    assert sorted(p.name for p in directory.versions.iterdir()) == [good.name]


def test_write_copy_starts_from_the_current_version(tmp_path: Path) -> None:
    directory = StoreDirectory(tmp_path)
    _write_version(directory, "first")
    with directory.building() as path:
        directory.write_copy(
            path, lambda store: store.add(ox.Quad(SUBJECT, PREDICATE, ox.Literal("second")))
        )
        directory.publish(path)
    assert sorted(_values(PublishedStore(directory).get()[0])) == ["first", "second"]
