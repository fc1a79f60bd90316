"""Decide which waiting request gets the next free query process, so no client can hog them.

A server worker has a few query processes and every request that touches the store needs
one. Two rules keep a flood of long queries from starving everyone else:

- Fair hand-over. When a process comes free and requests are waiting, it goes to the
  client with the fewest queries running, then the one that used the least query time
  lately, then the one that came first. A client that keeps sending long queries waits
  behind everyone else, however many connections it opens.
- A reserve. All processes but one may run a query for the whole time limit. The last one
  goes only to clients whose recent queries were all short, and a query on it must make
  way once it has run `preempt_after_s` while other requests wait: the caller stops it and
  queues it again for a full-time process. Short queries keep being answered while every
  other process is busy for minutes, and a query that made way is late, not refused.
- A waiting room. A request waits for a process in one of the worker's request threads,
  and a request thread is what the next short query needs first. So only
  `waiting_room` requests that may not use the reserve wait at once; one more is refused
  at once (`Crowded`) rather than take a thread the reserve's users need.

Query time is what the caller measures (the server uses the CPU time of the query process,
so a query slowed down by a busy machine is not taken for a long one). A query cut short,
stopped at the time limit or made to make way on the reserve, counts as long whatever time
it got to use: on a busy machine a bomb may get less CPU in its turn on the reserve than
the preemption time, and must not be let back on the reserve for it.

The client is whatever the caller names: the server uses the peer address, or behind a
trusted proxy the address it forwarded for (server.clients). Under `mhkg
serve` the workers also share which clients ran long queries (server.long_queries), so a
client shown to send them is kept off the reserve of every worker, not only of the one
that ran them.
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from server.long_queries import LongQueryMarks

P = TypeVar("P")

# How fast a client's past query time is forgiven.
USAGE_HALF_LIFE_S = 60.0
# Clients remembered; the least active are forgotten beyond this.
MAX_CLIENTS = 4096
# A query cut short counts as this many times the preemption time: its client is kept off
# the reserve for two half-lives, whatever time the query got to use.
CUT_SHORT_WEIGHT = 4


@dataclass(eq=False)
class Lease(Generic[P]):
    """The right to use one query process until released."""

    process: P
    client: str
    # On the reserve process: must make way when others wait (see should_make_way).
    reserve: bool
    started: float = field(default_factory=time.monotonic)


class Crowded(Exception):
    """Too many requests that may not use the reserve are waiting already; try later."""


@dataclass(eq=False)
class _Waiter(Generic[P]):
    client: str
    arrival: int
    reserve_allowed: bool
    # Found no free process when it came, and was kept off the reserve (by its client's
    # history or `reserve_allowed`): it counts against the waiting room.
    off_reserve: bool = False
    lease: Lease[P] | None = None


@dataclass(frozen=True)
class _History:
    """A client's recent use of query processes; both numbers fade with USAGE_HALF_LIFE_S."""

    seconds: float  # query time used in all
    longest: float  # the longest query
    as_of: float

    def decayed(self, now: float) -> _History:
        factor = 0.5 ** ((now - self.as_of) / USAGE_HALF_LIFE_S)
        return _History(self.seconds * factor, self.longest * factor, now)


class Admission(Generic[P]):
    """Hand out a fixed set of processes to requests, fairly between clients."""

    def __init__(
        self,
        processes: list[P],
        preempt_after_s: float,
        shared_marks: LongQueryMarks | None = None,
        waiting_room: int | None = None,
    ) -> None:
        """`waiting_room`: how many requests kept off the reserve may wait (None: any)."""
        self._preempt_after_s = preempt_after_s
        self._shared_marks = shared_marks
        self._waiting_room = waiting_room
        self._condition = threading.Condition()
        self._idle = list(processes)
        # With a single process there is no reserve: it must be able to run anything.
        self._full_time_slots = max(1, len(processes) - 1)
        self._full_time_busy = 0
        self._waiting: list[_Waiter[P]] = []
        self._running: dict[str, int] = {}
        self._history: dict[str, _History] = {}
        self._arrivals = itertools.count()

    def acquire(
        self, client: str, deadline: float, reserve_allowed: bool = True
    ) -> Lease[P] | None:
        """Return a lease on a process, waiting until `deadline` (monotonic); None if none.

        A request that already made way on the reserve asks with `reserve_allowed` False.
        Raise Crowded, without waiting, when the waiting room is full (see the module).
        """
        with self._condition:
            waiter: _Waiter[P] = _Waiter(client, next(self._arrivals), reserve_allowed)
            self._waiting.append(waiter)
            self._hand_over()
            if waiter.lease is None and self._waiting_room is not None:
                waiter.off_reserve = not self._may_use_reserve(waiter, time.monotonic())
                if waiter.off_reserve and self._waiting_room_full():
                    self._waiting.remove(waiter)
                    raise Crowded
            while waiter.lease is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self._waiting.remove(waiter)
                    return None
                self._condition.wait(remaining)
            return waiter.lease

    def release(self, lease: Lease[P], used_s: float, cut_short: bool = False) -> None:
        """Give the process back; charge the client `used_s`, or more if its query was `cut_short`.

        A query is cut short when it is stopped at the time limit or makes way on the reserve.
        """
        with self._condition:
            running = self._running[lease.client] - 1
            if running:
                self._running[lease.client] = running
            else:
                del self._running[lease.client]
            if not lease.reserve:
                self._full_time_busy -= 1
            if cut_short:
                used_s = max(used_s, CUT_SHORT_WEIGHT * self._preempt_after_s)
            self._record(lease.client, used_s)
            self._idle.append(lease.process)
            self._hand_over()

    def should_make_way(self, lease: Lease[P]) -> bool:
        """Tell whether the query under `lease` must leave the reserve to waiting requests."""
        return (
            lease.reserve
            and bool(self._waiting)  # read without the lock: a stale answer costs one poll
            and time.monotonic() - lease.started >= self._preempt_after_s
        )

    def _hand_over(self) -> None:
        """Give idle processes to the waiting requests that deserve them most (lock held)."""
        now = time.monotonic()
        handed = False
        for waiter in sorted(self._waiting, key=lambda w: self._priority(w, now)):
            if not self._idle:
                break
            reserve = self._full_time_busy >= self._full_time_slots
            if reserve and not self._may_use_reserve(waiter, now):
                continue  # it waits for a full-time process
            self._waiting.remove(waiter)
            if not reserve:
                self._full_time_busy += 1
            self._running[waiter.client] = self._running.get(waiter.client, 0) + 1
            waiter.lease = Lease(self._idle.pop(), waiter.client, reserve)
            handed = True
        if handed:
            self._condition.notify_all()

    def _waiting_room_full(self) -> bool:
        """Tell whether more requests kept off the reserve wait than the room holds."""
        assert self._waiting_room is not None
        return sum(waiter.off_reserve for waiter in self._waiting) > self._waiting_room

    def _may_use_reserve(self, waiter: _Waiter[P], now: float) -> bool:
        if not waiter.reserve_allowed:
            return False
        if self._history_of(waiter.client, now).longest >= self._preempt_after_s:
            return False
        shared = self._shared_marks
        return shared is None or shared.longest(waiter.client, now) < self._preempt_after_s

    def _priority(self, waiter: _Waiter[P], now: float) -> tuple[int, float, int]:
        """Return the sort key of a waiting request: lowest goes first."""
        client = waiter.client
        used = self._history_of(client, now).seconds
        return (self._running.get(client, 0), used, waiter.arrival)

    def _history_of(self, client: str, now: float) -> _History:
        history = self._history.get(client)
        return history.decayed(now) if history is not None else _History(0.0, 0.0, now)

    def _record(self, client: str, seconds: float) -> None:
        now = time.monotonic()
        past = self._history_of(client, now)
        self._history[client] = _History(past.seconds + seconds, max(past.longest, seconds), now)
        # Only long queries matter to the other workers: they keep a client off the reserve.
        if self._shared_marks is not None and seconds >= self._preempt_after_s:
            self._shared_marks.mark(client, seconds, now)
        if len(self._history) > MAX_CLIENTS:
            by_use = sorted(self._history, key=lambda name: self._history_of(name, now).seconds)
            for name in by_use[: len(by_use) // 2]:
                del self._history[name]
