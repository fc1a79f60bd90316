"""The per-worker result cache: exact keys, a byte budget, and nothing from an older version."""

from __future__ import annotations

import threading

import pyoxigraph as ox

from server.jobs import Dataset, GraphRequest, QueryRequest, Result
from server.result_cache import CachingExecutor, cache_key

QUERY = "SELECT * WHERE { ?s ?p ?o }"


class FakeStore:
    """An executor that answers with a body naming the request, and counts its calls."""

    def __init__(self, version: str = "v1", body_size: int = 100) -> None:
        self.version = version
        self.body_size = body_size
        self.calls = 0
        self._lock = threading.Lock()

    def execute(self, request: QueryRequest | GraphRequest) -> Result:
        with self._lock:
            self.calls += 1
        text = request.query if isinstance(request, QueryRequest) else str(request.graph)
        body = (text.encode() + b"!" * self.body_size)[: max(self.body_size, 1)]
        return Result(body, "solutions", self.version)

    def store_version(self) -> str | None:
        return self.version

    def start(self) -> None:
        pass

    def close(self) -> None:
        pass


def request(text: str = QUERY, **fields: object) -> QueryRequest:
    """Return a query request for JSON results."""
    return QueryRequest(text, fields.pop("results_format", "JSON"), None, **fields)


def test_a_repeated_request_is_answered_from_memory() -> None:
    store = FakeStore()
    executor = CachingExecutor(store, 1_000_000)
    first, second = executor.execute(request()), executor.execute(request())
    assert first == second
    assert store.calls == 1
    assert executor.cache.hits == 1


def test_a_new_version_empties_the_cache_at_once() -> None:
    store = FakeStore()
    executor = CachingExecutor(store, 1_000_000)
    executor.execute(request())
    store.version = "v2"
    answer = executor.execute(request())
    assert answer.store_version == "v2"
    assert store.calls == 2
    assert len(executor.cache) == 1


def test_an_answer_from_another_version_than_the_one_read_is_not_kept() -> None:
    class Racing(FakeStore):
        def execute(self, request: QueryRequest | GraphRequest) -> Result:
            answer = super().execute(request)
            self.version = "v2"  # published while the query ran
            return Result(answer.body, answer.kind, "v2")

    store = Racing()
    executor = CachingExecutor(store, 1_000_000)
    executor.execute(request())
    executor.execute(request())
    assert store.calls == 2


def test_everything_that_changes_the_answer_is_in_the_key() -> None:
    variants = [
        request(),
        request(QUERY + " LIMIT 1"),
        request(results_format="XML"),
        request(dataset=Dataset(False, ("http://a/g",), ())),
        request(substitutions=(("s", ox.Literal("1")),)),
        request(substitutions=(("s", ox.NamedNode("http://a/1")),)),
        request(substitutions=(("s", ox.Literal(1)),)),
        request(base_iri="http://a/"),
        GraphRequest("http://a/g", "TURTLE"),
        GraphRequest(None, "TURTLE"),
    ]
    keys = [cache_key(variant)[0] for variant in variants]
    assert len(set(keys)) == len(variants)
    assert cache_key(request("  " + QUERY + "\n"))[0] == cache_key(request())[0]


def test_the_least_recently_used_answers_go_first_within_the_budget() -> None:
    store = FakeStore(body_size=10_000)
    executor = CachingExecutor(store, 50_000)
    for number in range(10):
        executor.execute(request(f"{QUERY} # {number}"))
        executor.execute(request(f"{QUERY} # 0"))  # keep the first one in use
    assert executor.cache.size_bytes <= 50_000
    calls = store.calls
    executor.execute(request(f"{QUERY} # 0"))
    executor.execute(request(f"{QUERY} # 9"))
    assert store.calls == calls  # both still cached
    executor.execute(request(f"{QUERY} # 1"))
    assert store.calls == calls + 1  # long evicted


def test_an_answer_too_big_for_its_share_is_not_kept() -> None:
    store = FakeStore(body_size=40_000)
    executor = CachingExecutor(store, 100_000)
    executor.execute(request())
    executor.execute(request())
    assert store.calls == 2
    assert len(executor.cache) == 0


def test_other_capabilities_of_the_store_pass_through() -> None:
    class Writable(FakeStore):
        def write(self, update: str) -> str:
            return f"wrote {update}"

    assert CachingExecutor(Writable(), 1000).write("x") == "wrote x"  # type: ignore[attr-defined]
    assert getattr(CachingExecutor(FakeStore(), 1000), "write", None) is None


def test_threads_share_one_consistent_cache() -> None:
    store = FakeStore(body_size=1000)
    executor = CachingExecutor(store, 30_000)
    errors: list[BaseException] = []

    def hammer(offset: int) -> None:
        try:
            for number in range(300):
                answer = executor.execute(request(f"{QUERY} # {(number + offset) % 40}"))
                assert answer.body.startswith(f"{QUERY} # {(number + offset) % 40}".encode())
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=hammer, args=(offset,)) for offset in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert executor.cache.size_bytes <= 30_000
