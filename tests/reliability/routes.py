"""Find the routes the app registers, and make concrete paths for them.

Routes are read from the Flask url_map of create_app() when the tests run, so a route
added later is fuzzed without anyone listing it here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from server import context
from server.app import create_app
from server.config import Settings

_ARGUMENT = re.compile(r"<(?:(?P<converter>[a-zA-Z_]+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
# Values that lead somewhere real in the composed store, besides random ones.
KNOWN_VALUES = (
    "organisatie/nationaal-rapporteur",
    "document/kst-28638-188",
    "organisatie/mhkgxss-probe",
    "persoon/mhkgxss-probe",
    "begrip/uitbuitingsvorm/seksuele-uitbuiting",
    "zoek-op-label",
    "tijdlijn",
    "core",
    "nl",
    "en",
    "1",
)


@dataclass(frozen=True)
class Route:
    """One URL rule and the methods it answers."""

    rule: str
    methods: frozenset[str]
    # (converter, name) of each variable part, in order.
    arguments: tuple[tuple[str, str], ...]

    def path(self, values: list[str]) -> str:
        """Return the rule with `values` percent-encoded into its variable parts."""
        parts = iter(values)

        def fill(match: re.Match[str]) -> str:
            safe = "/" if match.group("converter") == "path" else ""
            return quote(next(parts), safe=safe)

        return _ARGUMENT.sub(fill, self.rule)


def discover_routes(store_dir: Path) -> list[Route]:
    """Return every route of a freshly built app, static files left out."""
    app = create_app(Settings(store_dir=store_dir))
    try:
        routes: dict[str, set[str]] = {}
        for rule in app.url_map.iter_rules():
            if rule.endpoint == "static":
                continue
            routes.setdefault(rule.rule, set()).update(rule.methods or ())
    finally:
        context.of(app).executor.close()
    return [
        Route(
            rule,
            frozenset(methods),
            tuple(
                (match.group("converter") or "default", match.group("name"))
                for match in _ARGUMENT.finditer(rule)
            ),
        )
        for rule, methods in sorted(routes.items())
    ]


def example_path(route: Route) -> str:
    """Return the route with a plausible value in each variable part."""
    return route.path(
        ["1" if converter == "int" else KNOWN_VALUES[0] for converter, _ in route.arguments]
    )
