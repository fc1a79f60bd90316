"""Typed settings, from defaults overridden by environment variables and by test config."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from server.clients import trusted_networks

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENV_PREFIX = "MHKG_"


@dataclass(frozen=True)
class Settings:
    """Everything the build and the server can be told; see README for each setting."""

    # Every IRI we mint lives under this base (docs/MODEL.md).
    base_iri: str = "https://mensenhandel-kg.nl/"
    # The published store: versions/ plus a `current` link to the one being served.
    store_dir: Path = Path("var/store")
    ontology_dir: Path = PROJECT_ROOT / "ontology"
    data_dir: Path = PROJECT_ROOT / "data"
    shapes_dir: Path = PROJECT_ROOT / "shapes"
    queries_dir: Path = PROJECT_ROOT / "queries"
    # Query limits: a query is killed after this many seconds, or once its query process
    # holds more than this much memory (resident), checked every 50 ms.
    query_timeout_s: float = 30.0
    query_memory_bytes: int = 1_000_000_000
    max_request_bytes: int = 1_000_000
    max_result_rows: int = 10_000
    # Query processes kept per server worker: the number of queries it runs at once.
    query_processes: int = 4
    # A query on a worker's last free query process is stopped after this many seconds
    # while other requests wait, so short queries are answered during a flood of long ones.
    preempt_after_s: float = 0.5
    # Writes (SPARQL Update, Graph Store writes) need this bearer token; None = read-only.
    update_token: str | None = field(default=None, repr=False)
    # IRI prefixes that SERVICE may call; empty = federation refused.
    service_allowlist: tuple[str, ...] = ()
    # Addresses or networks of reverse proxies and HTTP caches in front, whose
    # X-Forwarded-For names the client for fair admission (server.clients); empty = none.
    trusted_proxies: tuple[str, ...] = ()
    cors_origin: str = "*"
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 2
    # Request threads per worker: more than query_processes, so that clients can wait for
    # a free query process while /healthz and cached answers are still served. Those that
    # wait for long-query clients are bounded (server.admission's waiting room); the rest
    # let one client's burst of heavy queries wait its turn rather than be refused.
    threads: int = 32
    # Build versions kept on disk besides the current one, for readers still on them.
    keep_versions: int = 2
    # Published in the dataset description (dcat:contactPoint) when set.
    contact_email: str | None = None
    # Writing the downloads of a store version (once per version) is stopped after this long.
    dump_timeout_s: float = 600.0
    # Complete answers kept in memory by each server worker for repeated requests (0 = none).
    result_cache_bytes: int = 64_000_000
    # An external SPARQL 1.1 store to serve instead of the embedded one (docs/SCALING.md):
    # store_url is its query and update endpoint; the specific URLs override it, and without
    # a Graph Store endpoint graphs are read and written through SPARQL.
    store_url: str | None = None
    store_query_url: str | None = None
    store_update_url: str | None = None
    store_graph_url: str | None = None
    # Credentials for the external store: HTTP basic (username + password) or a bearer token.
    store_username: str | None = None
    store_password: str | None = field(default=None, repr=False)
    store_token: str | None = field(default=None, repr=False)
    # With an external store, answers are reused for at most this long, as others may change
    # its data unseen (writes made through this server count at once).
    store_refresh_s: float = 60.0

    def with_overrides(self, **overrides: object) -> Settings:
        """Return a copy with the given fields replaced, coerced to their types."""
        return replace(
            self, **{name: _coerce(self, name, value) for name, value in overrides.items()}
        )

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> Settings:
        """Read `MHKG_*` variables (e.g. MHKG_QUERY_TIMEOUT_S=5), then apply overrides."""
        environ = os.environ if environ is None else environ
        settings = cls()
        from_env = {
            f.name: environ[ENV_PREFIX + f.name.upper()]
            for f in fields(cls)
            if ENV_PREFIX + f.name.upper() in environ
        }
        return settings.with_overrides(**from_env).with_overrides(**overrides)

    def __post_init__(self) -> None:
        if not self.base_iri.endswith(("/", "#")):
            raise ValueError(f"base_iri must end with '/' or '#': {self.base_iri!r}")
        limits = (
            self.query_timeout_s,
            self.query_memory_bytes,
            self.max_result_rows,
            self.max_request_bytes,
        )
        if min(limits) <= 0:
            raise ValueError("limits must be positive")
        trusted_networks(self.trusted_proxies)  # a typo must stop the start, not be ignored


def _coerce(settings: Settings, name: str, value: object) -> object:
    current = getattr(settings, name)
    if not isinstance(value, str) or isinstance(current, str):
        return value
    if isinstance(current, Path):
        return Path(value)
    if isinstance(current, bool):
        return value.lower() in {"1", "true", "yes", "on"}
    if isinstance(current, int):
        return int(value)
    if isinstance(current, float):
        return float(value)
    if isinstance(current, tuple):
        return tuple(item for item in value.split() if item)
    return value  # str | None fields such as update_token
