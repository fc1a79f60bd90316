"""Nothing acknowledged is lost, nothing invalid is published, a broken store stops the start."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from server.config import PROJECT_ROOT as SOURCES_ROOT
from server.config import Settings
from server.store import StoreDirectory
from tests.http.support import build_store
from tests.live_server import (
    PROJECT_ROOT,
    SERVE_COMMAND,
    LiveServer,
    running_server,
    server_environment,
    start_server,
)
from tests.reliability.conftest import TOKEN
from tests.reliability.graphs import EX

AUTHORISED = {"Authorization": f"Bearer {TOKEN}"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
MHKG_COMMAND = (sys.executable, "-m", "server.cli")
WRITERS = 3
KILL_AFTER_S = (1.5, 2.5)
WRITES_PER_WRITER = 500  # a bound; the kill ends the stream long before
START_TIMEOUT_S = 90


def _writer(server: LiveServer, number: int, acknowledged: list[str], stop: threading.Event):
    """Write one new triple per request, alternating Update and Graph Store POST."""
    graph = f"{EX}graph/writer-{number}"
    for count in range(WRITES_PER_WRITER):
        if stop.is_set():
            return
        subject = f"{EX}written/{number}/{count}"
        try:
            if count % 2:
                update = f"INSERT DATA {{ GRAPH <{graph}> {{ <{subject}> <{EX}n> {count} }} }}"
                body = urlencode({"update": update}).encode()
                reply = server.request("POST", "/sparql", body, {**FORM, **AUTHORISED}, timeout=10)
            else:
                turtle = f"<{subject}> <{EX}n> {count} .".encode()
                path = "/store?" + urlencode({"graph": graph})
                headers = {"Content-Type": "text/turtle", **AUTHORISED}
                reply = server.request("POST", path, turtle, headers, timeout=10)
        except OSError:
            return  # the server was killed under this request: not acknowledged
        if reply.status in (200, 201, 204):
            acknowledged.append(subject)


def _present(server: LiveServer, subjects: list[str]) -> set[str]:
    values = " ".join(f"<{subject}>" for subject in subjects)
    query = f"SELECT ?s WHERE {{ VALUES ?s {{ {values} }} GRAPH ?g {{ ?s <{EX}n> ?n }} }}"
    reply = server.request(
        "POST",
        "/sparql",
        urlencode({"query": query}).encode(),
        {**FORM, "Accept": "application/sparql-results+json"},
    )
    assert reply.status == 200, reply.text[:300]
    return {row["s"]["value"] for row in json.loads(reply.data)["results"]["bindings"]}


def test_sigkill_mid_write_loses_no_acknowledged_write(tmp_path: Path) -> None:
    check_sigkill_mid_write(tmp_path, SERVE_COMMAND)


def check_sigkill_mid_write(tmp_path: Path, command: tuple[str, ...]) -> None:
    """Kill `command`'s server mid-stream; every acknowledged write must be there after."""
    store = build_store(tmp_path / "store")
    settings = {"update_token": TOKEN, "workers": 2, "query_processes": 2, "query_timeout_s": 10}
    server = start_server(store, tmp_path / "first.log", command=command, **settings)
    acknowledged: list[str] = []
    stop = threading.Event()
    threads = [
        threading.Thread(target=_writer, args=(server, n, acknowledged, stop), daemon=True)
        for n in range(WRITERS)
    ]
    try:
        for thread in threads:
            thread.start()
        time.sleep(random.uniform(*KILL_AFTER_S))
    finally:
        server.kill()  # SIGKILL to the whole process group, mid-stream
        stop.set()
        for thread in threads:
            thread.join(timeout=15)
    assert not any(thread.is_alive() for thread in threads)
    assert len(acknowledged) >= 5, "too few writes were acknowledged to test anything"

    with running_server(store, tmp_path / "second.log", **settings) as restarted:
        present = _present(restarted, acknowledged)
        assert present == set(acknowledged), f"lost: {sorted(set(acknowledged) - present)[:5]}"
        # The store is writable again: no lock or half-written version was left in the way.
        body = urlencode({"update": f"INSERT DATA {{ <{EX}after> <{EX}n> 1 }}"}).encode()
        reply = restarted.request("POST", "/sparql", body, {**FORM, **AUTHORISED})
        assert reply.status == 204, reply.text


def _copy_sources(root: Path) -> dict[str, Path]:
    """Copy the project's ontology, data and shapes under `root`; return the three dirs."""
    directories = {}
    for name in ("ontology", "data", "shapes"):
        directories[name] = shutil.copytree(SOURCES_ROOT / name, root / name)
    return directories


def _build(
    store: Path, directories: dict[str, Path], command: tuple[str, ...]
) -> subprocess.CompletedProcess[str]:
    environment = server_environment(
        store,
        0,
        ontology_dir=directories["ontology"],
        data_dir=directories["data"],
        shapes_dir=directories["shapes"],
    )
    return subprocess.run(
        [*command, "build"],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=240,
    )


def _breakages() -> dict[str, tuple[str, str, int]]:
    """Return (file, text to append, expected exit status) per way to break the sources."""
    return {
        "Turtle syntax error": ("data/actors.ttl", "\n<id/kapot> a <def#Broken\n", 2),
        "SHACL violation": (
            "data/actors.ttl",
            "\n<id/organisatie/zonder-naam> a <http://www.w3.org/ns/org#Organization> .\n",
            1,
        ),
    }


@pytest.mark.parametrize("breakage", list(_breakages()))
def test_an_invalid_build_is_refused_and_the_last_good_store_keeps_serving(
    built_settings: Settings, tmp_path: Path, breakage: str
) -> None:
    check_invalid_build_refused(built_settings, tmp_path, breakage, MHKG_COMMAND)


def check_invalid_build_refused(
    built_settings: Settings, tmp_path: Path, breakage: str, command: tuple[str, ...]
) -> None:
    """Build broken sources with `command` while a server serves the store: it must refuse."""
    store = shutil.copytree(built_settings.store_dir, tmp_path / "store", symlinks=True)
    directories = _copy_sources(tmp_path / "sources")
    relative, appended, expected_exit = _breakages()[breakage]
    broken = tmp_path / "sources" / relative
    broken.write_text(broken.read_text(encoding="utf-8") + appended, encoding="utf-8")
    directory = StoreDirectory(store)
    version_before = directory.current_version()
    versions_before = sorted(path.name for path in directory.versions.iterdir())

    with running_server(store, tmp_path / "server.log") as server:
        health_before = json.loads(server.request("GET", "/healthz").data)
        answered: list[int] = []
        stop = threading.Event()

        def keep_asking() -> None:
            for _ in range(10_000):
                if stop.is_set():
                    return
                reply = server.request("GET", "/sparql?" + urlencode({"query": "ASK {}"}))
                answered.append(reply.status)
                time.sleep(0.1)

        asker = threading.Thread(target=keep_asking, daemon=True)
        asker.start()
        try:
            finished = _build(store, directories, command)
        finally:
            stop.set()
            asker.join(timeout=30)
        assert finished.returncode == expected_exit, finished.stderr[-2000:]
        assert "published store is unchanged" in finished.stderr
        assert "Traceback" not in finished.stderr
        assert answered and set(answered) == {200}, answered
        assert json.loads(server.request("GET", "/healthz").data) == health_before

    assert directory.current_version() == version_before
    assert sorted(path.name for path in directory.versions.iterdir()) == versions_before


def _corruptions() -> dict[str, object]:
    def missing(store: Path) -> None:
        shutil.rmtree(store)

    def a_file(store: Path) -> None:
        shutil.rmtree(store)
        store.write_text("not a store\n")

    def dangling_link(store: Path) -> None:
        shutil.rmtree(StoreDirectory(store).current_path())

    def empty_version(store: Path) -> None:
        current = StoreDirectory(store).current_path()
        shutil.rmtree(current)
        current.mkdir()

    def garbage_current_file(store: Path) -> None:
        (StoreDirectory(store).current_path() / "CURRENT").write_text("garbage\n")

    def truncated_manifest(store: Path) -> None:
        for manifest in StoreDirectory(store).current_path().glob("MANIFEST-*"):
            manifest.write_bytes(manifest.read_bytes()[:20])

    def link_to_elsewhere(store: Path) -> None:
        os.remove(store / "current")
        os.symlink("/proc", store / "current")

    def not_a_link(store: Path) -> None:
        os.remove(store / "current")
        (store / "current").mkdir()

    return {
        "missing directory": missing,
        "a file instead of a directory": a_file,
        "published version deleted": dangling_link,
        "empty version directory": empty_version,
        "garbage CURRENT file": garbage_current_file,
        "truncated MANIFEST": truncated_manifest,
        "link out of the store": link_to_elsewhere,
        "current is a directory, not a link": not_a_link,
    }


@pytest.mark.parametrize("corruption", list(_corruptions()))
def test_a_broken_store_stops_the_start_with_a_clear_message(
    tmp_path: Path, corruption: str
) -> None:
    store = build_store(tmp_path / "store")
    _corruptions()[corruption](store)  # type: ignore[operator]
    finished = subprocess.run(
        [sys.executable, "-m", "server.cli", "serve"],
        cwd=PROJECT_ROOT,
        env=server_environment(store, 0),
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT_S,
    )
    assert finished.returncode != 0
    assert "Traceback" not in finished.stderr, finished.stderr[-2000:]
    messages = [
        line
        for line in finished.stderr.splitlines()
        if line.startswith(("error: ", "mhkg serve: ")) and "store" in line
    ]
    assert messages, finished.stderr[-2000:]
