"""Answer repeated requests from memory for as long as the store version stays the same.

Dashboards and browsers send the same few queries again and again. Each server worker keeps
the complete answers it gave, least recently used first out, within a budget of bytes. An
answer is filed under the store version it was computed from and the request exactly as the
query process would see it (query text, dataset, formats, bound parameters, base IRI), so a
hit is byte for byte what the store would answer now. The version is read on every request
(a readlink for the embedded store), and the first request that sees a new one empties the
cache: nothing computed from an older version is ever served again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

from server.executor import Executor
from server.jobs import GraphRequest, QueryRequest, Result

# Bookkeeping per entry besides its body and query text (the key tuple, the Result, links).
_ENTRY_OVERHEAD = 400
# One answer may take at most this share of the budget, so a single huge answer cannot
# push out everything else.
_MAX_ENTRY_SHARE = 4


class ResultCache:
    """Complete answers of one store version, least recently used evicted first."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._version: str | None = None
        self._entries: OrderedDict[Hashable, tuple[Result, int]] = OrderedDict()
        self._bytes = 0
        self.hits = 0
        self.misses = 0

    @property
    def size_bytes(self) -> int:
        """Return the bytes the cached answers take, by our estimate."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, version: str, key: Hashable) -> Result | None:
        """Return the answer filed under `key` for `version`; forget all on a new version."""
        with self._lock:
            self._follow(version)
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[0]

    def put(self, version: str, key: Hashable, result: Result, key_bytes: int) -> None:
        """File `result` under `key` if it belongs to `version`, the version being served."""
        size = len(result.body) + key_bytes + _ENTRY_OVERHEAD
        if result.store_version != version or size * _MAX_ENTRY_SHARE > self.max_bytes:
            return
        with self._lock:
            if version != self._version:
                return  # a newer version was seen meanwhile: this answer is already stale
            previous = self._entries.pop(key, None)
            if previous is not None:
                self._bytes -= previous[1]
            self._entries[key] = (result, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, (_, evicted) = self._entries.popitem(last=False)
                self._bytes -= evicted

    def _follow(self, version: str) -> None:
        if version != self._version:
            self._entries.clear()
            self._bytes = 0
            self._version = version


class CachingExecutor:
    """An executor that answers repeated reads from a ResultCache in front of another one.

    Capabilities of the inner executor beyond the Executor protocol (a remote store's
    `write`) are passed through unchanged.
    """

    def __init__(self, inner: Executor, max_bytes: int) -> None:
        self.inner = inner
        self.cache = ResultCache(max_bytes)

    def execute(self, request: QueryRequest | GraphRequest) -> Result:
        """Return the cached answer to `request`, or compute, cache and return it."""
        version = self.inner.store_version()
        if version is None:
            return self.inner.execute(request)
        key, key_bytes = cache_key(request)
        cached = self.cache.get(version, key)
        if cached is not None:
            return cached
        result = self.inner.execute(request)
        self.cache.put(version, key, result, key_bytes)
        return result

    def store_version(self) -> str | None:
        """Return the version the inner executor serves."""
        return self.inner.store_version()

    def start(self) -> None:
        """Start the inner executor."""
        self.inner.start()

    def close(self) -> None:
        """Stop the inner executor and drop the cached answers."""
        self.inner.close()
        self.cache = ResultCache(self.cache.max_bytes)

    def __getattr__(self, name: str) -> object:
        # Only called for names this class does not define.
        return getattr(self.inner, name)


def cache_key(request: QueryRequest | GraphRequest) -> tuple[Hashable, int]:
    """Return what identifies the answer to `request`, and roughly how many bytes it takes.

    The query text is used as sent, only stripped of surrounding white space: rewriting it
    further (dropping comments, folding spaces) could make two texts that a parser reads
    differently share an answer. Bound terms are keyed by their N-Triples form and type,
    which tells a literal "1" from the IRI <1> and from "1"^^xsd:integer.
    """
    if isinstance(request, GraphRequest):
        return ("graph", request.graph, request.graph_format), len(request.graph or "") + 64
    substitutions = tuple(
        (name, type(term).__name__, str(term)) for name, term in request.substitutions
    )
    text = request.query.strip()
    key = (
        "query",
        text,
        request.results_format,
        request.graph_format,
        request.dataset,
        substitutions,
        request.base_iri,
    )
    bound_bytes = sum(len(name) + len(value) for name, _, value in substitutions)
    return key, len(text.encode()) + bound_bytes + 64
