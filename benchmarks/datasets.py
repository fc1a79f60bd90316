"""Prepare the data sets of the benchmark: the curated graph, alone and with generated data.

Each data set is a published store directory (versions/ + `current`), which `mhkg serve`
serves and `oxigraph serve-read-only` opens as it is, plus an N-Quads dump of the same
quads for rdflib-endpoint, which loads files into memory.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from benchmarks.generate import write_nquads
from server.build import build
from server.config import Settings
from server.store import StoreDirectory

GENERATED_GRAPH = "graph/benchmark/generated"


@dataclass(frozen=True)
class DataSet:
    """One prepared data set."""

    name: str
    generated_triples: int
    store_dir: Path  # a published store directory
    dump: Path  # the same quads as N-Quads
    quads: int

    @property
    def current(self) -> Path:
        """Return the directory of the published version (for oxigraph --location)."""
        return StoreDirectory(self.store_dir).current_path()


def size_name(triples: int) -> str:
    """Return 100000 as "1e5", other sizes as they are."""
    digits = str(triples)
    if digits.startswith("1") and set(digits[1:]) <= {"0"} and len(digits) > 1:
        return f"1e{len(digits) - 1}"
    return digits


def curated_store(settings: Settings, workdir: Path) -> Path:
    """Build the curated graph into a fresh store under `workdir`; return its directory."""
    root = workdir / "stores" / "curated"
    shutil.rmtree(root, ignore_errors=True)
    build(settings.with_overrides(store_dir=root))
    return root


def prepare(curated: Path, workdir: Path, generated_triples: int, base: str) -> DataSet:
    """Return the data set of the curated store plus `generated_triples` generated ones."""
    name = "curated" if generated_triples == 0 else f"curated+{size_name(generated_triples)}"
    root = curated
    if generated_triples:
        source = workdir / f"generated-{generated_triples}.nq"
        if not source.exists():
            write_nquads(source, generated_triples, base + GENERATED_GRAPH, base)
        root = workdir / "stores" / f"generated-{generated_triples}"
        shutil.rmtree(root, ignore_errors=True)
        directory = StoreDirectory(root)
        with directory.building() as path:
            ox.Store.read_only(str(StoreDirectory(curated).current_path())).backup(str(path))
            store = ox.Store(str(path))
            store.bulk_load(path=source, format=ox.RdfFormat.N_QUADS)
            store.optimize()
            store.flush()
            del store  # closes RocksDB before anyone opens the version
            directory.publish(path)
    store = ox.Store.read_only(str(StoreDirectory(root).current_path()))
    dump = workdir / f"{name}.nq"
    store.dump(output=str(dump), format=ox.RdfFormat.N_QUADS)
    return DataSet(name, generated_triples, root, dump, len(store))


def timed_prepare(
    curated: Path, workdir: Path, generated_triples: int, base: str
) -> tuple[DataSet, float]:
    """Prepare a data set and return it with the seconds it took."""
    started = time.perf_counter()
    data_set = prepare(curated, workdir, generated_triples, base)
    return data_set, time.perf_counter() - started
