"""Choose where store requests go: the embedded store, or an external SPARQL store.

The embedded store (query processes over the published pyoxigraph store) is the default;
`store_url` (or `store_query_url`) selects an external SPARQL 1.1 store instead. Either way
the result cache of each worker sits in front, unless `result_cache_bytes` is 0.
"""

from __future__ import annotations

from server.config import Settings
from server.executor import ChildProcessExecutor, Executor
from server.long_queries import LongQueryMarks
from server.remote_store import RemoteStore
from server.result_cache import CachingExecutor


def uses_remote_store(settings: Settings) -> bool:
    """Tell whether `settings` name an external store."""
    return bool(settings.store_url or settings.store_query_url)


def select_executor(settings: Settings, shared_marks: LongQueryMarks | None = None) -> Executor:
    """Return the executor that `settings` ask for, with the result cache in front.

    `shared_marks` are the long queries of the server's workers, for the embedded store's
    admission; an external store does its own.
    """
    store: Executor = (
        RemoteStore(settings)
        if uses_remote_store(settings)
        else ChildProcessExecutor(settings, shared_marks)
    )
    if settings.result_cache_bytes > 0:
        return CachingExecutor(store, settings.result_cache_bytes)
    return store
