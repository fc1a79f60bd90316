"""Offer the whole dataset for download at /download/: TriG, N-Quads, Turtle and JSON-LD, gzipped.

File names carry the store version (`mensenhandel-kg-{version}.trig.gz`), so a name always
means the same bytes: the answer has a strong ETag (its SHA-256), Last-Modified (when the
version was built) and may be cached for a year. `mensenhandel-kg.trig.gz` redirects to the
current version's file.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, redirect, render_template, request, send_file, url_for

from server import caching, negotiation
from server.context import current_executor, current_settings, current_stats
from server.description import Facts, describe, gather
from server.dumps import (
    DUMP_FORMATS,
    DumpCache,
    DumpFile,
    file_name,
    latest_name,
    parse_file_name,
    version_time,
)
from server.errors import HttpError
from server.negotiation import Offer

blueprint = Blueprint("downloads", __name__)

IMMUTABLE_MAX_AGE_S = 365 * 24 * 3600
LISTING_OFFERS = (
    Offer("text/html; charset=utf-8", "", "html", ""),
    Offer("application/json", "", "json", ""),
)


def current_dumps() -> tuple[Facts, list[DumpFile]]:
    """Return the facts of the published version and its downloads, writing them if needed."""
    settings = current_settings()
    facts = gather(current_executor(), current_stats(), settings)
    # The copy of the description inside the downloads cannot give their own sizes.
    description = describe(settings, facts, request.url_root, None)
    cache = DumpCache(settings.store_dir, settings.dump_timeout_s)
    return facts, cache.ensure(facts.version, description, settings.base_iri)


@blueprint.route("/download/")
def listing() -> Response:
    """List the downloads of the current version, as a page or as JSON."""
    offer = negotiation.best_offer(LISTING_OFFERS, request.headers.get("Accept"))
    if offer is None:
        raise negotiation.not_acceptable(LISTING_OFFERS, "Nothing offered matches Accept")
    _, unchanged = caching.revalidate(current_executor().store_version())
    if unchanged is not None:
        return unchanged
    facts, files = current_dumps()
    entries = [_entry(file, facts.version) for file in files]
    if offer.short_name == "json":
        response = Response(
            json.dumps({"version": facts.version, "files": entries}, ensure_ascii=False, indent=1),
            content_type=offer.media_type,
        )
    else:
        page = render_template("downloads/index.html", version=facts.version, files=entries)
        response = Response(page, content_type=offer.media_type)
    response.headers["MHKG-Store-Version"] = facts.version
    return caching.mark_cacheable(response, caching.etag_for(facts.version))


@blueprint.route("/download/<name>")
def download(name: str) -> Response:
    """Send one dump file, or redirect a version-less name to the current version's file."""
    for dump_format in DUMP_FORMATS:
        if name == latest_name(dump_format):
            version = current_executor().store_version()
            if version is None:
                raise HttpError(503, "No store is published yet.", reason="unavailable")
            target = url_for("downloads.download", name=file_name(dump_format, version))
            response = redirect(target, code=302)
            response.headers["Cache-Control"] = f"public, max-age={caching.MAX_AGE_S}"
            return response
    parsed = parse_file_name(name)
    if parsed is None:
        offered = ", ".join(f"{latest_name(f)}" for f in DUMP_FORMATS)
        raise HttpError(404, f"There is no download {name!r}; see /download/ ({offered}).")
    dump_format, version = parsed
    settings = current_settings()
    files = DumpCache(settings.store_dir, settings.dump_timeout_s).cached(version)
    if files is None:
        if version != current_executor().store_version():
            raise HttpError(
                404,
                f"Version {version} is not offered (any more); the current downloads are "
                "listed at /download/.",
            )
        _, files = current_dumps()
    file = next(f for f in files if f.format == dump_format)
    response = send_file(
        file.path,
        mimetype="application/gzip",
        as_attachment=True,
        download_name=file.name,
        conditional=True,
        etag=file.sha256,
        last_modified=version_time(version),
        max_age=IMMUTABLE_MAX_AGE_S,
    )
    response.headers["Cache-Control"] = f"public, max-age={IMMUTABLE_MAX_AGE_S}, immutable"
    response.headers["MHKG-Store-Version"] = version
    return response


def _entry(file: DumpFile, version: str) -> dict[str, object]:
    return {
        "name": file.name,
        "url": f"{request.url_root}download/{file.name}",
        "latest_url": f"{request.url_root}download/{latest_name(file.format)}",
        "format": file.format.extension,
        "media_type": file.format.media_type,
        "compression": "gzip",
        "graphs": "kept" if file.format.keeps_graphs else "merged",
        "title": file.format.title_en,
        "size": file.size,
        "sha256": file.sha256,
        "version": version,
    }
