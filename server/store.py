"""Own the on-disk pyoxigraph store: versioned builds, atomic publication, read-only opening.

Layout of the store directory:

    versions/<version>/   one complete store per build, never written after publication
    current              symlink to the version being served
    build.lock           held by the one process that may be building

A build writes a fresh version directory and then swaps `current` with an atomic rename,
so a reader sees either the old or the new store, never a half-built one, and two
processes never write the same store.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import pyoxigraph as ox

T = TypeVar("T")


class StoreUnavailable(RuntimeError):
    """The store directory holds no usable published store."""


class StoreDirectory:
    """The versions of the store under one directory, and which of them is current."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.versions = self.root / "versions"
        self.current_link = self.root / "current"

    def current_version(self) -> str | None:
        """Return the name of the published version, or None when nothing is published."""
        try:
            # Read on every request: a string split is a fraction of what Path costs.
            return os.readlink(self.current_link).rpartition("/")[2]
        except (FileNotFoundError, NotADirectoryError):  # no store, or the root is a file
            return None
        except OSError as error:  # e.g. `current` is not a link
            raise StoreUnavailable(f"{self.current_link} is not a link to a version") from error

    def current_path(self) -> Path:
        """Return the directory of the published version; raise StoreUnavailable if none."""
        version = self.current_version()
        if version is None:
            raise StoreUnavailable(f"no store has been built in {self.root} (run `mhkg build`)")
        path = self.versions / version
        if not path.is_dir():
            raise StoreUnavailable(f"the published store {path} is missing")
        return path

    @contextmanager
    def building(self) -> Iterator[Path]:
        """Yield a fresh version directory to write, holding the build lock.

        The directory is removed again if the block raises, so a failed build leaves
        nothing behind and the published version untouched.
        """
        self.versions.mkdir(parents=True, exist_ok=True)
        with open(self.root / "build.lock", "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as error:
                raise RuntimeError(f"another build is running in {self.root}") from error
            # Names sort in build order: prune() and humans rely on it.
            now = time.time_ns()
            stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now // 1_000_000_000))
            path = self.versions / f"{stamp}.{now % 1_000_000_000:09d}Z-{uuid.uuid4().hex[:6]}"
            try:
                yield path
            except BaseException:
                shutil.rmtree(path, ignore_errors=True)
                raise

    def write_copy(self, path: Path, write: Callable[[ox.Store], T]) -> T:
        """Run `write` on a writable copy of the current version at `path`, then close it.

        The copy is a checkpoint (hard links to immutable files, so it costs little); with
        nothing published yet, `write` gets an empty store. RocksDB writes files when the
        store closes, which is when the last reference goes, and an exception's traceback
        keeps its frames' locals alive: the store would close after `building()` removed a
        failed version and recreate files in it. So the frames are cleared before the
        exception leaves; `write` must not hand the store to anything that outlives it.
        """
        if self.current_version() is not None:
            ox.Store.read_only(str(self.current_path())).backup(str(path))
        store = ox.Store(str(path))
        try:
            result = write(store)
            store.flush()
        except BaseException as error:
            traceback.clear_frames(error.__traceback__)
            raise
        finally:
            del store
        return result

    def publish(self, version_path: Path) -> None:
        """Make `version_path` the current version with one atomic rename."""
        temporary = self.root / f".current-{uuid.uuid4().hex}"
        os.symlink(Path("versions") / version_path.name, temporary)
        os.replace(temporary, self.current_link)

    def prune(self, keep: int) -> None:
        """Delete old versions, keeping the current one and the `keep` newest others.

        Old versions are kept a while because workers that opened them may still be
        answering a query; they reopen on their next request.
        """
        current = self.current_version()
        others = sorted(
            (p for p in self.versions.iterdir() if p.is_dir() and p.name != current),
            reverse=True,
        )
        for stale in others[keep:]:
            shutil.rmtree(stale, ignore_errors=True)


class PublishedStore:
    """A read-only view on the current version that follows new publications.

    Checking the `current` link costs one readlink per request, so a rebuild is picked
    up by the next request without restarting anything.
    """

    def __init__(self, directory: StoreDirectory) -> None:
        self.directory = directory
        self._version: str | None = None
        self._store: ox.Store | None = None

    def get(self) -> tuple[ox.Store, str]:
        """Return the current store and its version, reopening after a new publication."""
        version = self.directory.current_version()
        if self._store is None or version != self._version:
            path = self.directory.current_path()
            try:
                store = ox.Store.read_only(str(path))
            except (OSError, RuntimeError) as error:  # RocksDB reports corruption as either
                raise StoreUnavailable(f"cannot open the store in {path}: {error}") from error
            self._store, self._version = store, path.name
        return self._store, self._version
