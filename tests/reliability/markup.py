"""Read an HTML page as a browser would and report where hostile data became markup."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

from tests.reliability.graphs import XSS_MARKER

URL_ATTRIBUTES = frozenset(
    {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcset", "ping"}
)
JSON_SCRIPT_TYPES = frozenset({"application/ld+json", "application/json", "importmap"})
_DANGEROUS_SCHEME = re.compile(r"^(javascript|vbscript|data:text/html)", re.IGNORECASE)
# Browsers drop these before reading a URL's scheme ("java\tscript:" still runs).
_IGNORED_IN_URLS = re.compile(r"[\x00-\x20\x7f]")


class PageCheck(HTMLParser):
    """Parse one page; collect links, text, and every sign of injected markup."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.links: list[str] = []
        self.text: list[str] = []
        self._script: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            value = value or ""
            if name.startswith("on") and XSS_MARKER in value:
                self.problems.append(f"<{tag} {name}=...> runs injected code: {value[:80]!r}")
            if name == "srcdoc" and XSS_MARKER in value:
                self.problems.append(f"<{tag} srcdoc> holds injected markup")
            if name in URL_ATTRIBUTES:
                bare = _IGNORED_IN_URLS.sub("", value)
                if _DANGEROUS_SCHEME.match(bare):
                    self.problems.append(f"<{tag} {name}={value[:80]!r}> is a script link")
                if tag in ("a", "link") and name == "href":
                    self.links.append(value)
        if tag in ("img", "svg", "iframe", "object", "embed") and any(
            XSS_MARKER in (value or "") for _, value in attrs
        ):
            self.problems.append(f"an injected <{tag}> element")
        if tag == "script":
            kind = dict(attrs).get("type") or ""
            self._script = (kind.split(";")[0].strip().lower(), [])

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            kind, parts = self._script
            content = "".join(parts)
            if kind in JSON_SCRIPT_TYPES:
                try:
                    json.loads(content)
                except ValueError:
                    self.problems.append(
                        f"a {kind} script that is not JSON (broken out of?): {content[-80:]!r}"
                    )
            elif XSS_MARKER in content:
                self.problems.append(f"a script that holds injected code: {content[:80]!r}")
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script[1].append(data)
        else:
            self.text.append(data)


def check_page(html: str) -> PageCheck:
    """Return the check of one HTML page."""
    check = PageCheck()
    check.feed(html)
    check.close()
    return check
