"""Tag GET answers with the store version so clients and proxies can cache them."""

from __future__ import annotations

import hashlib

from flask import Response, request

MAX_AGE_S = 60


def etag_for(store_version: str) -> str:
    """Return the ETag of this GET request's answer from `store_version`.

    The answer depends only on the store and on what was asked: the URL and Accept (and the
    host, which the service description names).
    """
    digest = hashlib.blake2b(digest_size=16)
    parts = (store_version, request.host, request.path, request.query_string.decode("latin-1"))
    for part in parts:
        digest.update(part.encode() + b"\0")
    digest.update(request.headers.get("Accept", "").encode("latin-1"))
    return f'"{digest.hexdigest()}"'


def matches(etag: str) -> bool:
    """Tell whether the request's If-None-Match names `etag`, so a 304 will do."""
    header = request.headers.get("If-None-Match")
    if not header:
        return False
    candidates = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return "*" in candidates or etag in candidates


def not_modified(etag: str) -> Response:
    """Return a 304 carrying the cache headers."""
    return mark_cacheable(Response(status=304), etag)


def mark_cacheable(response: Response, etag: str) -> Response:
    """Set the ETag and caching headers on a GET answer."""
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE_S}"
    response.vary.add("Accept")
    return response
