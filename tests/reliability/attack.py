"""Run a query-bomb attack on a live server while a quiet client keeps looking things up.

Used by the bomb tests and by the test of the test, which runs the same attack on a
server whose protection is switched off and expects the lookups to suffer.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from tests.http.support import EX
from tests.live_server import LiveServer, Reply
from tests.reliability.graphs import LINK

# Each would run for hours on the composed store (about 18,000 triples).
BOMBS = {
    "cross join": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?x . ?b ?q ?y . ?c ?r ?z }",
    "unbounded property path": (
        f"SELECT (COUNT(*) AS ?n) WHERE {{ ?a (<{LINK}>|^<{LINK}>)* ?b . ?b <{LINK}>+ ?c }}"
    ),
    "huge ORDER BY": (
        "SELECT ?x ?y WHERE { ?a ?p ?x . ?b ?q ?y } ORDER BY DESC(STR(?x)) STR(?y) LIMIT 1"
    ),
    "regex over everything": (
        "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o . ?t ?q ?v "
        'FILTER(REGEX(CONCAT(STR(?o), STR(?v)), "^(a|aa)+b$", "i")) }'
    ),
    "GROUP_CONCAT of everything": (
        "SELECT (GROUP_CONCAT(CONCAT(STR(?x), STR(?y))) AS ?all) WHERE { ?a ?p ?x . ?b ?q ?y }"
    ),
    "CONSTRUCT over a cross join": (
        "CONSTRUCT { ?a ?p ?y } WHERE { ?a ?p ?x . ?b ?q ?y "
        "FILTER(STRLEN(CONCAT(STR(?x), STR(?y))) > 100000) }"
    ),
}
LOOKUP = f"ASK {{ <{EX}alice> <{EX}knows> <{EX}bob> }}"
LOOKUP_CLIENT = "127.0.0.2"
LOOKUP_PAUSE_S = 0.05


def bomber_address(number: int) -> str:
    """Return the loopback source address of bombing client `number` (distinct clients)."""
    return f"127.0.1.{10 + number}"


def query_path(text: str) -> str:
    """Return the /sparql GET path for `text`."""
    return "/sparql?" + urlencode({"query": text})


def p99(samples: list[float]) -> float:
    """Return the 99th percentile (nearest rank) of `samples`."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)]


@dataclass
class AttackOutcome:
    """What the bombs and the lookups got."""

    bomb_replies: list[tuple[str, Reply]] = field(default_factory=list)
    bomb_errors: list[str] = field(default_factory=list)
    lookup_replies: list[Reply] = field(default_factory=list)
    lookup_errors: list[str] = field(default_factory=list)
    peak_rss: int = 0

    @property
    def lookup_seconds(self) -> list[float]:
        """Return every lookup's latency; one that failed counts as its client timeout."""
        return [reply.seconds for reply in self.lookup_replies] + [15.0] * len(self.lookup_errors)


def run_attack(
    server: LiveServer,
    *,
    clients: list[str],
    connections_per_client: int,
    seconds: float,
    warm_up_s: float,
) -> AttackOutcome:
    """Bomb `server` from `clients`; after `warm_up_s`, look things up for `seconds`.

    Each connection sends the bombs in turn, one after the other, until the time is up; the
    lookups come from LOOKUP_CLIENT, one at a time.
    """
    outcome = AttackOutcome()
    lock = threading.Lock()
    stop = threading.Event()
    names = list(BOMBS)

    def bomber(address: str, first: int) -> None:
        for count in range(10_000):  # bounded; the time limit ends it much sooner
            if stop.is_set():
                return
            name = names[(first + count) % len(names)]
            try:
                reply = server.request("GET", query_path(BOMBS[name]), source=address)
            except OSError as error:
                with lock:
                    outcome.bomb_errors.append(f"{name}: {error!r}")
                continue
            with lock:
                outcome.bomb_replies.append((name, reply))

    def looker() -> None:
        for count in range(10_000):
            if stop.is_set():
                return
            # A fresh text each time: nothing can answer it from a cache.
            text = f"{LOOKUP} # lookup {count}"
            try:
                reply = server.request("GET", query_path(text), source=LOOKUP_CLIENT)
            except OSError as error:
                with lock:
                    outcome.lookup_errors.append(repr(error))
                continue
            with lock:
                outcome.lookup_replies.append(reply)
            time.sleep(LOOKUP_PAUSE_S)

    threads = [
        threading.Thread(target=bomber, args=(address, index + copy), daemon=True)
        for index, address in enumerate(clients)
        for copy in range(connections_per_client)
    ]
    for thread in threads:
        thread.start()
    # Every bombing client has sent a long query by then: before that, a fresh client's first
    # query looks as cheap as a lookup, and may hold the reserve for the preemption time.
    time.sleep(warm_up_s)
    lookups = threading.Thread(target=looker, daemon=True)
    lookups.start()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        outcome.peak_rss = max(outcome.peak_rss, server.rss_bytes())
        time.sleep(0.25)
    stop.set()
    for thread in [*threads, lookups]:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in [*threads, lookups]), "a client hung"
    return outcome
