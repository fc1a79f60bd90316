"""The rules that keep one client from hogging the query processes, without a server."""

from __future__ import annotations

import threading
import time

import pytest

from server.admission import Admission, Crowded

PREEMPT_S = 0.5


def _waiting_acquire(admission: Admission[str], client: str, results: dict, wait_s: float = 2):
    def run() -> None:
        results[client] = admission.acquire(client, time.monotonic() + wait_s)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_a_free_process_goes_to_the_client_that_used_least() -> None:
    admission: Admission[str] = Admission(["a", "b", "c"], PREEMPT_S)
    heavy = admission.acquire("heavy", time.monotonic() + 1)
    other = admission.acquire("heavy-2", time.monotonic() + 1)
    reserve = admission.acquire("light", time.monotonic() + 1)
    assert heavy and other and reserve and reserve.reserve and not heavy.reserve
    admission.release(other, 10.0)  # heavy-2 has used a lot lately
    again = admission.acquire("heavy-2", time.monotonic() + 1)
    assert again is not None and not again.reserve
    results: dict = {}
    first = _waiting_acquire(admission, "heavy-2", results)
    time.sleep(0.05)
    second = _waiting_acquire(admission, "newcomer", results)
    time.sleep(0.05)
    admission.release(heavy, 0.01)
    second.join(timeout=2)
    assert results["newcomer"] is not None, "the newcomer came second but used least"
    assert "heavy-2" not in results
    admission.release(results["newcomer"], 0.01)
    first.join(timeout=2)
    assert results["heavy-2"] is not None


def test_the_reserve_is_kept_from_clients_with_long_queries() -> None:
    admission: Admission[str] = Admission(["a", "b"], PREEMPT_S)
    full = admission.acquire("bomber", time.monotonic() + 1)
    assert full is not None and not full.reserve
    admission.release(full, 0.1, cut_short=True)  # stopped at the time limit
    full = admission.acquire("bomber", time.monotonic() + 1)
    assert full is not None and not full.reserve
    assert admission.acquire("bomber", time.monotonic() + 0.2) is None  # not the reserve
    reserve = admission.acquire("lookup", time.monotonic() + 0.2)
    assert reserve is not None and reserve.reserve


def test_a_query_on_the_reserve_makes_way_only_when_others_wait() -> None:
    admission: Admission[str] = Admission(["a", "b"], PREEMPT_S)
    full = admission.acquire("x", time.monotonic() + 1)
    reserve = admission.acquire("y", time.monotonic() + 1)
    assert full is not None and reserve is not None and reserve.reserve
    reserve.started -= PREEMPT_S  # it has run the preemption time
    assert not admission.should_make_way(reserve), "nobody waits yet"
    results: dict = {}
    waiter = _waiting_acquire(admission, "z", results)
    time.sleep(0.05)
    assert admission.should_make_way(reserve)
    assert not admission.should_make_way(full), "full-time processes are never preempted"
    admission.release(reserve, 0.2)
    waiter.join(timeout=2)
    assert results["z"] is not None


def test_a_query_that_made_way_keeps_its_client_off_the_reserve() -> None:
    # On a busy machine a bomb may get little CPU in its turn on the reserve; making way
    # still shows it to be long, or its client would be back on the reserve next time.
    admission: Admission[str] = Admission(["a", "b"], PREEMPT_S)
    full = admission.acquire("x", time.monotonic() + 1)
    reserve = admission.acquire("bomber", time.monotonic() + 1)
    assert full is not None and reserve is not None and reserve.reserve
    admission.release(reserve, PREEMPT_S / 4, cut_short=True)
    assert admission.acquire("bomber", time.monotonic() + 0.2) is None
    lookup = admission.acquire("lookup", time.monotonic() + 0.2)
    assert lookup is not None and lookup.reserve


def test_a_request_that_made_way_waits_for_a_full_time_process() -> None:
    admission: Admission[str] = Admission(["a", "b"], PREEMPT_S)
    full = admission.acquire("x", time.monotonic() + 1)
    assert full is not None
    assert admission.acquire("y", time.monotonic() + 0.2, reserve_allowed=False) is None
    admission.release(full, 0.0)
    lease = admission.acquire("y", time.monotonic() + 0.2, reserve_allowed=False)
    assert lease is not None and not lease.reserve


def test_a_single_process_has_no_reserve() -> None:
    admission: Admission[str] = Admission(["a"], PREEMPT_S)
    lease = admission.acquire("bomber", time.monotonic() + 1)
    assert lease is not None and not lease.reserve
    admission.release(lease, 30.0, cut_short=True)
    assert admission.acquire("bomber", time.monotonic() + 1) is not None


def test_only_the_waiting_room_waits_off_the_reserve() -> None:
    # Each waiting request holds a request thread; past the room, the next one kept off
    # the reserve is refused at once, so threads stay free for the reserve's users.
    admission: Admission[str] = Admission(["a", "b"], PREEMPT_S, waiting_room=1)
    full = admission.acquire("bomber", time.monotonic() + 1)
    assert full is not None
    admission.release(full, 0.1, cut_short=True)
    full = admission.acquire("bomber", time.monotonic() + 1)
    assert full is not None and not full.reserve
    results: dict = {}
    waiting = _waiting_acquire(admission, "bomber", results)
    time.sleep(0.05)
    started = time.monotonic()
    with pytest.raises(Crowded):
        admission.acquire("bomber", started + 2)
    assert time.monotonic() - started < 0.5, "it waited before being refused"
    with pytest.raises(Crowded):
        admission.acquire("newcomer", time.monotonic() + 2, reserve_allowed=False)
    lookup = admission.acquire("lookup", time.monotonic() + 0.2)
    assert lookup is not None and lookup.reserve, "the reserve's users still get in"
    admission.release(full, 2.0, cut_short=True)
    waiting.join(timeout=2)
    assert results["bomber"] is not None, "the one in the room got the next process"
