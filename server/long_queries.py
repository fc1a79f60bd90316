"""The longest query each client ran lately, known to every worker process of one server.

server.admission keeps a worker's reserve query process from clients whose recent queries
were long. A worker used to know only the queries it ran itself, so a client that opens a
new connection for every query was a newcomer to each worker in turn and got each one's
reserve for the preemption time. Workers now also mark long queries here, in memory shared
by the workers that `mhkg serve` starts, and read each other's marks.

The table has a fixed size: a client's mark is looked for in a few slots picked by a hash
of its name, and a new client takes the slot whose mark has faded most. Marks fade with
the same half-life as the rest of a client's history; losing a faded one is harmless.
"""

from __future__ import annotations

import ctypes
import hashlib
import multiprocessing
from collections.abc import Iterator
from multiprocessing.context import BaseContext

_SLOTS = 4096
_PROBES = 8
# A worker that died holding the lock must not stop the others: past this wait they go
# on without the shared marks, with what they know themselves.
_LOCK_WAIT_S = 0.05


class LongQueryMarks:
    """A fixed-size table from client to its longest recent query, in shared memory.

    Make it before the worker processes start, in the multiprocessing context that starts
    them (granian uses the default one): they inherit it when forked, or get it through
    their arguments when spawned. Times are time.monotonic(), one clock for all processes
    on Linux.
    """

    def __init__(
        self, half_life_s: float, slots: int = _SLOTS, context: BaseContext | None = None
    ) -> None:
        context = context or multiprocessing.get_context()
        self._half_life_s = half_life_s
        self._slots = slots
        # A key of 0 marks an empty slot; see _key.
        self._keys = context.RawArray(ctypes.c_uint64, slots)
        self._longest = context.RawArray(ctypes.c_double, slots)
        self._as_of = context.RawArray(ctypes.c_double, slots)
        self._lock = context.Lock()

    def longest(self, client: str, now: float) -> float:
        """Return the longest query `client` ran lately, faded as of `now` (monotonic)."""
        key = _key(client)
        if not self._lock.acquire(timeout=_LOCK_WAIT_S):
            return 0.0
        try:
            for slot in self._candidates(key):
                if self._keys[slot] == key:
                    return self._faded(slot, now)
            return 0.0
        finally:
            self._lock.release()

    def mark(self, client: str, seconds: float, now: float) -> None:
        """Record that `client` ran a query of `seconds` at `now` (monotonic)."""
        key = _key(client)
        if not self._lock.acquire(timeout=_LOCK_WAIT_S):
            return
        try:
            candidates = list(self._candidates(key))
            slot = next((slot for slot in candidates if self._keys[slot] == key), None)
            if slot is None:
                # Empty slots have faded to nothing, so they are taken first.
                slot = min(candidates, key=lambda slot: self._faded(slot, now))
                self._keys[slot], self._longest[slot] = key, 0.0
            self._longest[slot] = max(self._faded(slot, now), seconds)
            self._as_of[slot] = now
        finally:
            self._lock.release()

    def _candidates(self, key: int) -> Iterator[int]:
        first = key % self._slots
        return ((first + step) % self._slots for step in range(_PROBES))

    def _faded(self, slot: int, now: float) -> float:
        if self._keys[slot] == 0:
            return 0.0
        age_s = max(0.0, now - self._as_of[slot])
        return self._longest[slot] * 0.5 ** (age_s / self._half_life_s)


def _key(client: str) -> int:
    """Return a stable 64-bit key for `client`, never 0 (Python's hash differs per process)."""
    digest = hashlib.blake2b(client.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "little") or 1
