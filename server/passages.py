"""Find quotes in the source letter and describe them as Web Annotation passages."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rdflib import RDF, Graph, Namespace, URIRef
from rdflib.term import Node

# The letter is printed with line breaks and hyphenation ("uitbuitings-\nsituatie"),
# so a quote typed as running text must match across both.
_SOFT_BREAK = r"(?:-?\s*\n\s*|\s+)"


@dataclass(frozen=True)
class Passage:
    """A span of the source text: `exact == text[start:end]`, end exclusive."""

    start: int
    end: int
    exact: str


def locate(text: str, quote: str, occurrence: int = 1) -> Passage:
    """Return the span of `quote` in `text`, tolerant of line breaks and hyphenation.

    `occurrence` picks the n-th match (1-based) when the quote occurs more than once.
    Raises LookupError when the quote does not occur that often.
    """
    words = quote.split()
    if not words:
        raise LookupError("empty quote")
    pattern = _SOFT_BREAK.join(_word_pattern(word) for word in words)
    matches = list(re.finditer(pattern, text))
    if len(matches) < occurrence:
        raise LookupError(f"quote occurs {len(matches)} times, wanted #{occurrence}: {quote!r}")
    match = matches[occurrence - 1]
    return Passage(match.start(), match.end(), match.group(0))


def _word_pattern(word: str) -> str:
    # Allow a printed hyphenation break between any two characters of a word.
    return r"(?:-\s*\n\s*)?".join(re.escape(char) for char in word)


OA = Namespace("http://www.w3.org/ns/oa#")


def check_passages(graph: Graph, texts: dict[str, str]) -> list[str]:
    """Return a problem for every passage whose quote is not the text at its offsets.

    `texts` maps the IRI of each source text to its content. (Walking the triples is
    a hundred times faster than the equivalent SPARQL query in rdflib.)
    """
    problems = []
    for passage, source in graph.subject_objects(OA.hasSource):
        text = texts.get(str(source))
        if text is None:
            problems.append(f"{passage}: unknown source text {source}")
            continue
        quotes = [
            graph.value(s, OA.exact) for s in _selectors(graph, passage, OA.TextQuoteSelector)
        ]
        spans = [
            (graph.value(s, OA.start), graph.value(s, OA.end))
            for s in _selectors(graph, passage, OA.TextPositionSelector)
        ]
        if len(quotes) != 1 or len(spans) != 1 or None in (quotes[0], *spans[0]):
            problems.append(f"{passage}: needs one quote and one position selector")
            continue
        (exact,), ((start, end),) = quotes, spans
        found = text[int(start) : int(end)]
        if found != str(exact):
            problems.append(f"{passage}: quote {str(exact)!r} is not at {start}-{end} ({found!r})")
    return problems


def _selectors(graph: Graph, passage: Node, kind: URIRef) -> list[Node]:
    return [s for s in graph.objects(passage, OA.hasSelector) if (s, RDF.type, kind) in graph]
