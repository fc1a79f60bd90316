"""Show the passages of the letter that a fact is taken from, in context, quote highlighted."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyoxigraph as ox

from server.web.describe import Description
from server.web.sparql_rows import Rows, Term, select

CONTEXT_CHARS = 500  # at most this much text on either side of a quote
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
# A word broken at the end of a printed line: "maatschap-\npelijke".
_HYPHENATION = re.compile(r"(?<=[a-zà-ÿ])-[ \t]*\n[ \t]*(?=[a-zà-ÿ])")
_LINE_BREAK = re.compile(r"[ \t]*\n[ \t]*")

OA = "http://www.w3.org/ns/oa#"
_PASSAGES = """
PREFIX mh: <def#>
PREFIX oa: <http://www.w3.org/ns/oa#>
SELECT ?this ?passage ?source ?start ?end WHERE {
  ?this mh:sourcePassage ?passage .
  ?passage oa:hasSource ?source ;
    oa:hasSelector ?selector .
  ?selector oa:start ?start ;
    oa:end ?end .
}
ORDER BY ?start ?end
"""
_TEXT = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
SELECT ?this ?text WHERE { ?this rdf:value ?text }
"""


@dataclass(frozen=True)
class PassageRef:
    """A passage: its IRI, the text it is cut from, and its offsets (end exclusive)."""

    iri: str
    source: str
    start: int
    end: int


@dataclass(frozen=True)
class PassageInContext:
    """A passage as shown: text before, the exact quote, text after (line breaks joined)."""

    ref: PassageRef
    before: str
    quote: str
    after: str


def passages_of(description: Description) -> list[PassageRef]:
    """Return the passages a resource is taken from, or the resource if it is a passage."""
    sources = description.values(OA + "hasSource")
    if sources:
        return _passage_itself(description, sources[0])
    rows: Rows = select(_PASSAGES, {"this": ox.NamedNode(description.iri)})
    found = {}
    for row in rows.rows:
        try:
            ref = PassageRef(
                row["passage"].value,
                row["source"].value,
                int(row["start"].value),
                int(row["end"].value),
            )
        except (KeyError, ValueError):
            continue  # a malformed selector in a loaded graph: show the rest
        found[ref.iri] = ref
    return list(found.values())


def _passage_itself(description: Description, source: Term) -> list[PassageRef]:
    for statement in description.outgoing.get(OA + "hasSelector", []):
        offsets = dict(statement.nested)
        start, end = offsets.get(OA + "start"), offsets.get(OA + "end")
        if isinstance(start, ox.Literal) and isinstance(end, ox.Literal):
            try:
                return [PassageRef(description.iri, source.value, int(start.value), int(end.value))]
            except ValueError:
                return []
    return []


def read_text(source_iri: str) -> tuple[str | None, str]:
    """Return the text of a source document (rdf:value) and the store version it came from."""
    rows = select(_TEXT, {"this": ox.NamedNode(source_iri)})
    texts = [row["text"].value for row in rows.rows if isinstance(row.get("text"), ox.Literal)]
    return (texts[0] if texts else None), rows.store_version


def in_context(ref: PassageRef, text: str) -> PassageInContext | None:
    """Cut the passage and its paragraph out of `text`; None if the offsets do not fit it."""
    if not 0 <= ref.start < ref.end <= len(text):
        return None
    begin = _paragraph_start(text, ref.start)
    finish = _paragraph_end(text, ref.end)
    before, after = text[begin : ref.start], text[ref.end : finish]
    if len(before) > CONTEXT_CHARS:
        before = "… " + before[-CONTEXT_CHARS:].split(" ", 1)[-1]
    if len(after) > CONTEXT_CHARS:
        after = after[:CONTEXT_CHARS].rsplit(" ", 1)[0] + " …"
    return PassageInContext(
        ref, readable(before), readable(text[ref.start : ref.end]), readable(after)
    )


def readable(text: str) -> str:
    """Join the printed line breaks and hyphenations of the letter into running text."""
    text = _HYPHENATION.sub("", text)
    return _LINE_BREAK.sub(" ", text)


def _paragraph_start(text: str, position: int) -> int:
    breaks = [m.end() for m in _PARAGRAPH_BREAK.finditer(text, 0, position)]
    return breaks[-1] if breaks else 0


def _paragraph_end(text: str, position: int) -> int:
    found = _PARAGRAPH_BREAK.search(text, position)
    return found.start() if found else len(text)
