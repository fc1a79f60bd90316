"""Tag GET answers with validators from the store version, so clients and proxies can cache.

Every cacheable answer carries an ETag (the store version plus what was asked), a
Last-Modified date (when that version was published) and `Cache-Control: public`. A client
that revalidates with If-None-Match, or with If-Modified-Since alone, gets a 304 while the
version is unchanged. Views call `revalidate` before doing any work (it gives the ETag, and
the 304 when the client holds the answer already) and `mark_cacheable` on the full answer.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from pathlib import Path

from flask import Response, g, request
from werkzeug.http import http_date, parse_date

from server.context import current_settings

MAX_AGE_S = 60
# Last-Modified has whole seconds. A version gets one only when it has been published for
# this long, so no later version can ever share its second (see _published_second).
_SETTLED_S = 2
_PUBLISHED_MEMO_SIZE = 64
_published: dict[tuple[str, str], int] = {}
_published_lock = threading.Lock()


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
    etag = f'"{digest.hexdigest()}"'
    g.setdefault("mhkg_etag_versions", {})[etag] = store_version
    return etag


def revalidate(version: str | None) -> tuple[str | None, Response | None]:
    """Return the ETag of this GET request's answer from `version`, and the 304 to send
    instead when the client holds that answer already; (None, None) without a version."""
    if version is None:
        return None, None
    etag = etag_for(version)
    return etag, (not_modified(etag) if matches(etag) else None)


def matches(etag: str) -> bool:
    """Tell whether the request's validators say the client holds this answer: 304 will do.

    If-None-Match decides when it is present (RFC 9110, 13.2.2); If-Modified-Since counts
    only without it, and only for GET and HEAD.
    """
    header = request.headers.get("If-None-Match")
    if header:
        candidates = {tag.strip().removeprefix("W/") for tag in header.split(",")}
        return "*" in candidates or etag in candidates
    since = request.headers.get("If-Modified-Since")
    if not since or request.method not in ("GET", "HEAD"):
        return False
    modified, client_date = _last_modified(etag), parse_date(since)
    return modified is not None and client_date is not None and modified <= client_date.timestamp()


def not_modified(etag: str) -> Response:
    """Return a 304 carrying the cache headers."""
    return mark_cacheable(Response(status=304), etag)


def mark_cacheable(response: Response, etag: str) -> Response:
    """Set the ETag, Last-Modified and caching headers on a GET answer."""
    response.headers["ETag"] = etag
    modified = _last_modified(etag)
    if modified is not None:
        response.headers["Last-Modified"] = http_date(modified)
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE_S}"
    response.vary.add("Accept")
    return response


def _last_modified(etag: str) -> int | None:
    """Return when the version behind `etag` was published, in whole seconds, if known."""
    version = g.get("mhkg_etag_versions", {}).get(etag)
    settings = current_settings()
    if version is None or settings.store_url:
        return None  # a remote store does not say when it changed
    return _published_second(Path(settings.store_dir), version)


def _published_second(store_dir: Path, version: str) -> int | None:
    """Return the second in which `version` became current in `store_dir`, once settled.

    The `current` link is replaced by an atomic rename of a link made just before, so the
    link's own mtime is the publication time. It is read between two lstat calls that must
    agree, so a publication in between cannot pair one version with another's time. A
    version counts only once it has been current for _SETTLED_S: any later version is then
    published in a later second, and a client's If-Modified-Since can never hide it.
    """
    key = (str(store_dir), version)
    known = _published.get(key)
    if known is not None:
        return known
    link = store_dir / "current"
    try:
        before = os.lstat(link)
        target = Path(os.readlink(link)).name
        after = os.lstat(link)
    except OSError:
        return None
    if target != version or (before.st_ino, before.st_mtime_ns) != (
        after.st_ino,
        after.st_mtime_ns,
    ):
        return None
    if time.time() - before.st_mtime < _SETTLED_S:
        return None
    second = int(before.st_mtime)
    with _published_lock:
        if len(_published) >= _PUBLISHED_MEMO_SIZE:
            _published.clear()
        _published[key] = second
    return second
