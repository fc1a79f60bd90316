"""Queries that would run for hours are stopped at the limit; nobody else has to wait for them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.live_server import SERVE_COMMAND, LiveServer, running_server
from tests.reliability.attack import (
    BOMBS,
    LOOKUP,
    AttackOutcome,
    bomber_address,
    p99,
    query_path,
    run_attack,
)
from tests.reliability.conftest import QUERY_PROCESSES, SERVER_SETTINGS, TIMEOUT_S, WORKERS

# The lookup latency promised while bombs run (the bar).
LOOKUP_P99_S = 1.0
# A query waits for a process and runs within one deadline; this covers the reply's trip.
STOP_SLACK_S = 1.5
# More bombing clients than there are query processes in the whole server.
BOMBERS = 2 * WORKERS * QUERY_PROCESSES
ATTACK_S = 6
# Until every bombing client has shown itself to be one, a fresh client's first bomb may
# hold the reserve for the preemption time (0.5 s) while others wait; what one worker
# learns, the others know (server.long_queries), so each bomber costs this once.
WARM_UP_S = 6
# Resident memory of the whole tree after an attack, against before it.
RSS_GROWTH_LIMIT = 1.3


@pytest.mark.parametrize("name", list(BOMBS))
def test_a_bomb_is_stopped_at_the_time_limit(server: LiveServer, name: str) -> None:
    reply = server.request("GET", query_path(BOMBS[name]))
    assert reply.status == 503, reply.text
    assert f"time limit of {TIMEOUT_S} s" in reply.text
    assert reply.media_type == "text/plain"
    assert TIMEOUT_S - 0.1 <= reply.seconds <= TIMEOUT_S + STOP_SLACK_S


def assert_bombs_stopped_and_lookups_answered(outcome: AttackOutcome) -> None:
    """Check the promise: every bomb stopped with a clear 503, every lookup fast and right."""
    assert not outcome.bomb_errors, outcome.bomb_errors[:3]
    assert outcome.bomb_replies, "no bomb was answered at all"
    for name, reply in outcome.bomb_replies:
        assert reply.status == 503, (name, reply.status, reply.text[:200])
        assert reply.media_type == "text/plain"
        assert any(word in reply.text for word in ("time limit", "busy", "stopped")), reply.text
        assert reply.seconds <= TIMEOUT_S + STOP_SLACK_S, (name, reply.seconds)
    assert not outcome.lookup_errors, outcome.lookup_errors[:3]
    assert len(outcome.lookup_replies) >= 20, (
        f"only {len(outcome.lookup_replies)} lookups in {ATTACK_S} s, taking "
        f"{[round(s, 2) for s in outcome.lookup_seconds]} s"
    )
    failed = [(r.status, r.text[:120]) for r in outcome.lookup_replies if r.status != 200]
    assert not failed, (
        f"{len(failed)} of {len(outcome.lookup_replies)} lookups failed: {failed[:3]}"
    )
    assert all(b'"boolean":true' in r.data for r in outcome.lookup_replies)
    latency = p99(outcome.lookup_seconds)
    print(
        f"{len(outcome.bomb_replies)} bombs stopped; {len(outcome.lookup_replies)} lookups, "
        f"p99 {latency:.3f} s; peak RSS of the tree {outcome.peak_rss / 2**20:.0f} MiB"
    )
    assert latency < LOOKUP_P99_S, (
        f"lookup p99 {latency:.2f} s during the attack; slowest "
        f"{sorted(outcome.lookup_seconds)[-5:]}"
    )


def assert_recovered(
    server: LiveServer, before: dict[int, str], workers: set[int], rss_before: int
) -> None:
    """Check that the server came back by itself: same workers, no leaks, answering."""
    after = server.stable_tree()
    assert server.process.poll() is None, "the server died"
    assert len(after) == len(before), (before, after)
    assert "Z" not in after.values(), after
    assert workers <= after.keys(), "a worker was restarted"
    assert server.rss_bytes() <= rss_before * RSS_GROWTH_LIMIT, (rss_before, server.rss_bytes())
    reply = server.request("GET", query_path(LOOKUP))
    assert reply.status == 200 and reply.seconds < LOOKUP_P99_S


@pytest.mark.parametrize(
    ("clients", "connections"),
    [(BOMBERS, 1), (1, BOMBERS)],
    ids=["many bombing clients", "one client on many connections"],
)
def test_lookups_stay_fast_during_a_flood_of_bombs(
    server: LiveServer, clients: int, connections: int
) -> None:
    before = server.stable_tree()
    workers = server.direct_children()
    rss_before = server.rss_bytes()
    outcome = run_attack(
        server,
        clients=[bomber_address(number) for number in range(clients)],
        connections_per_client=connections,
        seconds=ATTACK_S,
        warm_up_s=WARM_UP_S,
    )
    assert_bombs_stopped_and_lookups_answered(outcome)
    assert_recovered(server, before, workers, rss_before)


def test_lookups_stay_fast_when_every_bomber_reaches_the_same_worker(
    reliability_store: Path, tmp_path: Path
) -> None:
    check_one_worker_flood(reliability_store, tmp_path / "server.log")


def check_one_worker_flood(
    store: Path, log: Path, command: tuple[str, ...] = SERVE_COMMAND
) -> None:
    """Flood a one-worker server with as many bombing clients as it has request threads.

    granian's workers accept connections whether or not a request thread is free, so two
    workers may well share bombers 8 to 0. A bomb waiting for a process holds a thread:
    with one thread per bomber, a lookup would wait in granian's queue for a bomb to end.
    Only the admission's waiting room keeps a thread free for it.
    """
    threads = 8
    settings = {**SERVER_SETTINGS, "workers": 1, "threads": threads}
    with running_server(store, log, command=command, **settings) as server:
        outcome = run_attack(
            server,
            clients=[bomber_address(number) for number in range(threads)],
            connections_per_client=1,
            seconds=ATTACK_S,
            warm_up_s=WARM_UP_S,
        )
    assert_bombs_stopped_and_lookups_answered(outcome)
    crowded = [reply for _, reply in outcome.bomb_replies if "busy with long" in reply.text]
    assert crowded, "no bomb was refused for a full waiting room"
    assert all(reply.headers["Retry-After"] == str(TIMEOUT_S) for reply in crowded)
