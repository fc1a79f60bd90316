"""Run `mhkg` with one protection switched off, for the tests of the tests only.

    python -m tests.reliability.weakened WEAKNESS[,WEAKNESS...] serve|build ...

Each weakness undoes one safeguard the reliability suite checks, in the process that runs
the command (and so in the server workers it forks). The meta-tests start a server this
way and assert that the matching check FAILS against it: proof that the check can fail.
Nothing outside tests/reliability/test_weakened.py uses this module.
"""

from __future__ import annotations

import sys
from collections.abc import Callable


def _open_guard() -> None:
    from server import guard

    guard._refuse_calls_out = lambda *args: None


def _no_token_check() -> None:
    from server import writes

    writes.require_write_token = lambda *args: None


def _first_come_first_served() -> None:
    from server import admission

    admission.Admission._may_use_reserve = lambda self, waiter, now: True
    admission.Admission.should_make_way = lambda self, lease: False
    admission.Admission._priority = lambda self, waiter, now: (0, 0.0, waiter.arrival)


def _no_waiting_room() -> None:
    from server import admission

    admission.Admission._waiting_room_full = lambda self: False


def _no_drain() -> None:
    from server import errors

    errors._drain_request_body = lambda: None


def _no_nesting_limit() -> None:
    from server import guard

    guard.MAX_NESTING = 10**9


def _links_followed_as_they_are() -> None:
    import server.app  # noqa: F401 - loads every module that may have imported `link`
    from server.web import render

    original = render.link

    def link(iri: str, lang: str) -> str:
        return iri if render.web_state().iris.page_path(iri) is None else original(iri, lang)

    for module in list(sys.modules.values()):
        if getattr(module, "__name__", "").startswith("server") and (
            getattr(module, "link", None) is original
        ):
            module.link = link


def _writes_not_published() -> None:
    from server import writes

    writes.StoreDirectory.publish = lambda self, version_path: None


def _everything_validates() -> None:
    from server import build

    build.check = lambda *args, **kwargs: build.CheckResult(build.ValidationReport(()), ())


WEAKNESSES: dict[str, Callable[[], None]] = {
    "open-guard": _open_guard,
    "no-token-check": _no_token_check,
    "first-come-first-served": _first_come_first_served,
    "no-waiting-room": _no_waiting_room,
    "no-drain": _no_drain,
    "no-nesting-limit": _no_nesting_limit,
    "links-as-they-are": _links_followed_as_they_are,
    "writes-not-published": _writes_not_published,
    "everything-validates": _everything_validates,
}


def command(*weaknesses: str) -> tuple[str, ...]:
    """Return the command line prefix that runs `mhkg` with `weaknesses` applied."""
    return (sys.executable, "-m", "tests.reliability.weakened", ",".join(weaknesses))


def main(argv: list[str]) -> int:
    """Apply the weaknesses named first (comma-separated), then run `mhkg` with the rest."""
    for name in argv[0].split(","):
        WEAKNESSES[name]()
    from server import cli

    return cli.main(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
