"""Choose the page language (Dutch by default, English on request) and pick labels in it."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Response, request

LANGUAGES = ("nl", "en")
DEFAULT = "nl"
COOKIE = "lang"
COOKIE_MAX_AGE_S = 365 * 24 * 3600


def requested() -> str:
    """Return the language asked for by ?lang=, else the cookie, else Dutch."""
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    remembered = request.cookies.get(COOKIE)
    return remembered if remembered in LANGUAGES else DEFAULT


def remember(response: Response) -> Response:
    """Keep a language chosen with ?lang= in a cookie, so pages reached later use it too."""
    asked = request.args.get("lang")
    if asked in LANGUAGES and request.cookies.get(COOKIE) != asked:
        response.set_cookie(COOKIE, asked, max_age=COOKIE_MAX_AGE_S, samesite="Lax")
        response.headers["Cache-Control"] = "private, no-cache"
    return response


def preference(lang: str) -> tuple[str, ...]:
    """Return the language tags to try, best first; "" is a literal without a language."""
    other = tuple(code for code in LANGUAGES if code != lang)
    return (lang, "", *other)


def pick(values: Iterable[tuple[str, str]], lang: str) -> str | None:
    """Return the value in the best language from (language tag, value) pairs."""
    ranked = {}
    order = preference(lang)
    for tag, value in values:
        base = tag.lower().split("-")[0]
        rank = order.index(base) if base in order else len(order)
        if rank not in ranked:
            ranked[rank] = value
    return ranked[min(ranked)] if ranked else None
