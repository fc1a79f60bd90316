"""Render the site's HTML: Jinja helpers, security headers, language and caching."""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

from flask import Flask, Response, g, render_template, request

from server import caching
from server.context import current_executor
from server.web import i18n, language
from server.web.state import web_state

_FOLLOWED_SCHEMES = ("http://", "https://", "mailto:")

# No inline script or style anywhere: everything comes from /static.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
HTML = "text/html; charset=utf-8"


def init_app(app: Flask) -> None:
    """Add the template helpers and the security headers of every HTML page."""
    app.jinja_env.globals.update(t=_phrase, url=url_with_lang, switch_url=switch_url)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.after_request
    def _security_headers(response: Response) -> Response:
        if response.mimetype == "text/html":
            policy = CONTENT_SECURITY_POLICY
            nonce = g.get("style_nonce")
            if nonce is not None:
                # The editor's library writes its stylesheet into a <style> element.
                policy = policy.replace("style-src 'self'", f"style-src 'self' 'nonce-{nonce}'")
            response.headers["Content-Security-Policy"] = policy
            response.headers["X-Content-Type-Options"] = "nosniff"
            response.headers["Referrer-Policy"] = "same-origin"
        return response


def url_with_lang(path: str, lang: str | None = None, **params: str) -> str:
    """Return `path` with the page language (when not the default) and `params` added."""
    lang = lang or language.requested()
    path, hash_mark, fragment = path.partition("#")
    query = {k: v for k, v in params.items() if v is not None}
    if lang != language.DEFAULT:
        query["lang"] = lang
    if query:
        path += ("&" if "?" in path else "?") + urlencode(query)
    return path + hash_mark + fragment


def switch_url(lang: str) -> str:
    """Return this page's URL in another language."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    args.append(("lang", lang))
    return request.path + "?" + urlencode(args)


def link(iri: str, lang: str) -> str:
    """Return where a link to `iri` goes: our page for our IRIs, the IRI itself otherwise.

    Only web IRIs are followed as they are: a `javascript:` or `data:` IRI in the data
    would run in our pages, so other schemes link to a DESCRIBE of the IRI instead.
    """
    path = web_state().iris.page_path(iri)
    if path is not None:
        return url_with_lang(path, lang)
    if iri.lower().startswith(_FOLLOWED_SCHEMES):
        return iri
    return "/query?" + urlencode({"query": f"DESCRIBE <{iri}>", "lang": lang})


def html_page(template: str, status: int = 200, cache: bool = True, **context: object) -> Response:
    """Render `template` in the requested language, with the site's headers.

    A cacheable page carries an ETag of the store version and language.
    """
    lang = language.requested()
    version = current_executor().store_version() if cache and status == 200 else None
    etag, unchanged = caching.revalidate(None if version is None else f"{version}|{lang}")
    if unchanged is not None:
        return language.remember(unchanged)
    body = render_template(template, lang=lang, **context)
    response = Response(body, status=status, content_type=HTML)
    response.headers["Content-Language"] = lang
    response.vary.update(("Accept", "Cookie"))
    if etag is not None:
        caching.mark_cacheable(response, etag)
    else:
        response.headers["Cache-Control"] = "no-cache"
    return language.remember(response)


def style_nonce() -> str:
    """Return a fresh nonce that lets this page's scripts add one <style> element."""
    if g.get("style_nonce") is None:
        g.style_nonce = secrets.token_urlsafe(18)
    return g.style_nonce


def _phrase(key: str, **values: object) -> str:
    return i18n.phrase(key, language.requested(), **values)


def base_iri() -> str:
    """Return the base IRI the site maps to its root."""
    return web_state().iris.base
