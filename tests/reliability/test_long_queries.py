"""The long-query marks that the workers of one server share (server.long_queries)."""

from __future__ import annotations

import multiprocessing
import time

import pytest

from server.admission import Admission
from server.long_queries import LongQueryMarks

HALF_LIFE_S = 60.0
PREEMPT_S = 0.5


def test_a_mark_is_read_back_and_fades_with_the_half_life() -> None:
    marks = LongQueryMarks(HALF_LIFE_S)
    marks.mark("bomber", 2.0, now=100.0)
    marks.mark("bomber", 0.5, now=100.0)  # a shorter query does not lower the mark
    assert marks.longest("bomber", now=100.0) == pytest.approx(2.0)
    assert marks.longest("bomber", now=100.0 + HALF_LIFE_S) == pytest.approx(1.0)
    assert marks.longest("somebody else", now=100.0) == 0.0


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_a_mark_made_in_another_process_is_seen(method: str) -> None:
    context = multiprocessing.get_context(method)
    marks = LongQueryMarks(HALF_LIFE_S, context=context)
    now = time.monotonic()
    other = context.Process(target=marks.mark, args=("127.0.1.10", 2.0, now))
    other.start()
    other.join(timeout=30)
    assert other.exitcode == 0
    assert marks.longest("127.0.1.10", now) == pytest.approx(2.0)


def test_a_full_table_gives_the_most_faded_slot_to_a_new_client() -> None:
    marks = LongQueryMarks(HALF_LIFE_S, slots=4)
    for number in range(4):
        marks.mark(f"old {number}", 1.0, now=float(number))
    marks.mark("new", 3.0, now=10.0)
    assert marks.longest("new", now=10.0) == pytest.approx(3.0)
    assert marks.longest("old 0", now=10.0) == 0.0, "the oldest mark made way"
    assert all(marks.longest(f"old {number}", now=10.0) > 0.8 for number in (1, 2, 3))


def test_a_lock_never_released_does_not_stop_the_reader() -> None:
    # As if a worker died holding it: the others go on without the shared marks.
    marks = LongQueryMarks(HALF_LIFE_S)
    marks.mark("bomber", 2.0, now=1.0)
    marks._lock.acquire()
    started = time.monotonic()
    assert marks.longest("bomber", now=1.0) == 0.0
    marks.mark("bomber", 9.0, now=1.0)
    assert time.monotonic() - started < 1.0
    marks._lock.release()
    assert marks.longest("bomber", now=1.0) == pytest.approx(2.0)


def test_a_bomber_cut_short_in_one_worker_is_kept_off_the_reserve_of_another() -> None:
    marks = LongQueryMarks(HALF_LIFE_S)
    first = Admission(["a", "b"], PREEMPT_S, marks)
    second = Admission(["c", "d"], PREEMPT_S, marks)
    bomb = first.acquire("bomber", time.monotonic() + 1)
    assert bomb is not None
    first.release(bomb, 0.1, cut_short=True)
    full = second.acquire("lookup", time.monotonic() + 1)
    assert full is not None and not full.reserve
    assert second.acquire("bomber", time.monotonic() + 0.2) is None, "not on the reserve"
    reserve = second.acquire("another lookup", time.monotonic() + 0.2)
    assert reserve is not None and reserve.reserve
