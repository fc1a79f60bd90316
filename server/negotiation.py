"""Choose the response format from Accept (q-values, wildcards) or from `?format=`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from server.errors import HttpError

FORMATS_NS = "http://www.w3.org/ns/formats/"
_EXACT = 3  # the specificity of a range that names the media type itself


@dataclass(frozen=True)
class Offer:
    """One format we can answer in."""

    media_type: str  # sent as Content-Type
    pyoxigraph_name: str  # attribute of QueryResultsFormat or RdfFormat
    short_name: str  # value of ?format=
    format_iri: str  # its W3C formats IRI, for the service description
    # Other media types clients ask for when they mean this format.
    aliases: tuple[str, ...] = ()

    @property
    def media_types(self) -> tuple[str, ...]:
        """Return the media type and its aliases."""
        return (self.media_type.split(";")[0], *self.aliases)


# In order of preference: the first is what a client gets when it does not say.
RESULT_OFFERS: tuple[Offer, ...] = (
    Offer(
        "application/sparql-results+json",
        "JSON",
        "json",
        FORMATS_NS + "SPARQL_Results_JSON",
        ("application/json",),
    ),
    Offer(
        "application/sparql-results+xml",
        "XML",
        "xml",
        FORMATS_NS + "SPARQL_Results_XML",
        ("application/xml", "text/xml"),
    ),
    Offer("text/csv; charset=utf-8", "CSV", "csv", FORMATS_NS + "SPARQL_Results_CSV"),
    Offer(
        "text/tab-separated-values; charset=utf-8", "TSV", "tsv", FORMATS_NS + "SPARQL_Results_TSV"
    ),
)
GRAPH_OFFERS: tuple[Offer, ...] = (
    Offer("text/turtle", "TURTLE", "ttl", FORMATS_NS + "Turtle", ("application/x-turtle",)),
    Offer("application/n-triples", "N_TRIPLES", "nt", FORMATS_NS + "N-Triples"),
    Offer(
        "application/ld+json", "JSON_LD", "jsonld", FORMATS_NS + "JSON-LD", ("application/json",)
    ),
    Offer(
        "application/rdf+xml",
        "RDF_XML",
        "rdfxml",
        FORMATS_NS + "RDF_XML",
        ("application/xml", "text/xml"),
    ),
    Offer("application/n-quads", "N_QUADS", "nq", FORMATS_NS + "N-Quads"),
    Offer("application/trig", "TRIG", "trig", FORMATS_NS + "TriG"),
)


@dataclass(frozen=True)
class _Range:
    type: str
    subtype: str
    quality: float

    def specificity(self, media_type: str) -> int:
        """Return 3/2/1 for an exact/type-wildcard/full-wildcard match, 0 for no match."""
        wanted_type, _, wanted_subtype = media_type.partition("/")
        if self.type == "*":
            return 1
        if self.type != wanted_type:
            return 0
        if self.subtype == "*":
            return 2
        return _EXACT if self.subtype == wanted_subtype else 0


def choose(offers: tuple[Offer, ...], accept: str | None, format_param: str | None) -> Offer:
    """Return the offer the client prefers; raise HttpError (406, or 400) if there is none."""
    if format_param is not None:
        return _by_format_param(offers, format_param)
    chosen = best_offer(offers, accept)
    if chosen is None:
        raise not_acceptable(offers, f"Nothing offered matches Accept: {accept}")
    return chosen


@lru_cache(maxsize=512)  # clients send the same few Accept headers again and again
def best_offer(offers: tuple[Offer, ...], accept: str | None) -> Offer | None:
    """Return the acceptable offer with the highest q (then most specific, then ours)."""
    if not accept or not accept.strip():
        return offers[0]
    ranges = _parse_accept(accept)
    best: tuple[float, int] = (0.0, 0)
    chosen = None
    for offer in offers:
        score = _score(ranges, offer.media_types[0])
        # An alias counts only when named outright: `text/*` must not buy XML via text/xml.
        for alias in offer.aliases:
            alias_score = _score(ranges, alias)
            if alias_score[1] == _EXACT:
                score = max(score, alias_score)
        if score[0] > 0 and score > best:
            best, chosen = score, offer
    return chosen


def not_acceptable(offers: Sequence[Offer], why: str) -> HttpError:
    """Return the 406 error listing what we offer."""
    offered = ", ".join(offer.media_type.split(";")[0] for offer in offers)
    names = ", ".join(offer.short_name for offer in offers)
    return HttpError(
        406,
        f"{why}.\nOffered media types: {offered}\nor ?format= one of: {names}",
        reason="not_acceptable",
    )


def _by_format_param(offers: Sequence[Offer], value: str) -> Offer:
    value = value.strip().lower()
    for offer in offers:
        if value == offer.short_name or value in offer.media_types:
            return offer
    known = {offer.short_name for offer in RESULT_OFFERS + GRAPH_OFFERS}
    if value in known or any(value in offer.media_types for offer in RESULT_OFFERS + GRAPH_OFFERS):
        raise not_acceptable(offers, f"format={value} does not fit this kind of result")
    raise HttpError(
        400,
        f"Unknown format={value!r}; use one of: " + ", ".join(sorted(known)),
        reason="bad_format",
    )


def _score(ranges: list[_Range], media_type: str) -> tuple[float, int]:
    """Return (q, specificity) of the most specific range that matches `media_type`."""
    matches = [(r.specificity(media_type), r.quality) for r in ranges]
    specificity, quality = max(matches, default=(0, 0.0))
    return (quality, specificity) if specificity else (0.0, 0)


def _parse_accept(accept: str) -> list[_Range]:
    ranges = []
    for item in accept.split(","):
        media_range, *parameters = (part.strip() for part in item.split(";"))
        kind, slash, subtype = media_range.lower().partition("/")
        if not slash or not kind or not subtype:
            continue  # a malformed range matches nothing
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    quality = 0.0
                break  # parameters after q are accept-extensions, not part of the range
        ranges.append(_Range(kind, subtype, quality))
    return ranges
