"""Tests of the tests: each reliability check FAILS against a server with its safeguard off.

The weakened servers run the same code with one protection switched off by
tests.reliability.weakened (used nowhere else). A check that still passed there would be
checking nothing.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from server import writes
from server.config import Settings
from tests.live_server import LiveServer, running_server

# The checks are used through their modules: imported by name, pytest would run them here.
from tests.reliability import test_access_control as access
from tests.reliability import test_durability as durability
from tests.reliability import test_fuzzing as fuzzing
from tests.reliability import test_injection as injection
from tests.reliability import test_no_reaching_out as reaching_out
from tests.reliability import test_query_bombs as bombs
from tests.reliability import weakened
from tests.reliability.conftest import SERVER_SETTINGS, TOKEN
from tests.reliability.listener import LoopbackListener
from tests.reliability.routes import discover_routes

SERVER_WEAKNESSES = (
    "open-guard",
    "no-token-check",
    "first-come-first-served",
    "no-drain",
    "no-nesting-limit",
    "links-as-they-are",
)


@pytest.fixture(scope="module")
def weak_store(reliability_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the composed store, free to be damaged by the weakened server."""
    return shutil.copytree(
        reliability_store, tmp_path_factory.mktemp("weak") / "store", symlinks=True
    )


@pytest.fixture(scope="module")
def weak_server(weak_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The shared server's settings, with every server-side safeguard below switched off.

    Each weakness touches one safeguard only, so each check below fails for its own reason.
    """
    log = tmp_path_factory.mktemp("weak-log") / "server.log"
    command = (*weakened.command(*SERVER_WEAKNESSES), "serve")
    with running_server(weak_store, log, command=command, **SERVER_SETTINGS) as server:
        yield server


def test_the_ssrf_check_fails_with_the_guard_open(weak_server: LiveServer) -> None:
    with LoopbackListener() as listener, pytest.raises(AssertionError):
        reaching_out.test_service_in_every_disguise_and_spelling(weak_server, listener)
    assert listener.connections, "the open guard let no SERVICE call through"


def test_the_access_check_fails_without_the_token_check(
    weak_server: LiveServer, weak_store: Path
) -> None:
    with pytest.raises(AssertionError, match="403"):
        access.test_every_write_route_refuses_a_missing_or_wrong_token(weak_server, weak_store)


def test_the_constant_time_check_fails_with_an_equality_test(
    reliability_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def compare_with_equals(settings: Settings, authorization: str | None) -> None:
        if authorization != f"Bearer {settings.update_token}":
            raise writes.HttpError(403, "Writes need the header `Authorization: Bearer ...`.")

    monkeypatch.setattr(writes, "require_write_token", compare_with_equals)
    from server import context
    from server.app import create_app

    app = create_app(Settings(store_dir=reliability_store, update_token=TOKEN))
    try:
        with pytest.raises(AssertionError):
            access.test_every_write_route_compares_the_token_in_constant_time(
                app.test_client(), monkeypatch
            )
    finally:
        context.of(app).executor.close()


def test_the_bomb_check_fails_first_come_first_served(weak_server: LiveServer) -> None:
    with pytest.raises(AssertionError, match="lookup"):
        bombs.test_lookups_stay_fast_during_a_flood_of_bombs(weak_server, bombs.BOMBERS, 1)


def test_the_one_worker_flood_check_fails_without_the_waiting_room(
    weak_store: Path, tmp_path: Path
) -> None:
    command = (*weakened.command("no-waiting-room"), "serve")
    with pytest.raises(AssertionError, match="lookup"):
        bombs.check_one_worker_flood(weak_store, tmp_path / "server.log", command)


def test_the_body_check_fails_without_draining(weak_server: LiveServer, weak_store: Path) -> None:
    routes = discover_routes(weak_store)
    with pytest.raises((AssertionError, OSError)):  # a broken pipe, or a missing answer
        fuzzing.test_a_10_mb_body_gets_a_clear_refusal_on_every_route_that_takes_a_body(
            weak_server, routes
        )


def test_the_nesting_check_fails_without_the_limit(weak_server: LiveServer) -> None:
    with pytest.raises(AssertionError):
        fuzzing.test_deeply_nested_queries_are_refused_clearly(weak_server, "nested collections")


def test_the_xss_check_fails_when_every_iri_becomes_a_link(weak_server: LiveServer) -> None:
    path = "/doc/" + quote("organisatie/mhkgxss-probe")
    page = weak_server.request("GET", path, headers={"Accept": "text/html"})
    assert page.status == 200
    with pytest.raises(AssertionError, match="script link"):
        injection.test_no_page_runs_or_links_hostile_data({path: page})


def test_the_durability_check_fails_when_writes_are_not_published(tmp_path: Path) -> None:
    command = (*weakened.command("writes-not-published"), "serve")
    with pytest.raises(AssertionError, match="lost"):
        durability.check_sigkill_mid_write(tmp_path, command)


def test_the_build_check_fails_when_everything_validates(
    built_settings: Settings, tmp_path: Path
) -> None:
    with pytest.raises(AssertionError):
        durability.check_invalid_build_refused(
            built_settings, tmp_path, "SHACL violation", weakened.command("everything-validates")
        )
