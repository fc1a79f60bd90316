"""Rewrite a query for a remote store: bound variables as VALUES, the base as BASE, FROM read.

The embedded store binds parameters with pyoxigraph's `substitutions=`. A remote SPARQL
store has no such API, so the values are sent as data: `VALUES (?a ?b) { (<iri> "text") }`
placed first in the query's WHERE group, every term written by pyoxigraph in N-Triples
syntax (escaped, validated), never the caller's text. A base IRI becomes a BASE
declaration in front, so relative IRIs resolve as they do in the embedded store. Queries are
our own named queries; a text whose WHERE group cannot be found is refused, not guessed at.
`from_clauses` reads the graphs a query's FROM and FROM NAMED clauses name, so they can be
sent as protocol parameters to a store whose union default graph would override them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

import pyoxigraph as ox

_LEXEME = re.compile(
    r"""
      (?P<space>\s+)
    | (?P<comment>\#[^\r\n]*)
    | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
                |'(?:[^'\\\r\n]|\\.)*'|"(?:[^"\\\r\n]|\\.)*")
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<variable>[?$]\w+)
    | (?P<word>[A-Za-z_][\w.:-]*)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_FORMS = frozenset({"SELECT", "CONSTRUCT", "ASK", "DESCRIBE"})


class CannotBind(ValueError):
    """The query or a value cannot be bound safely; nothing is sent."""


def with_values(
    query: str, substitutions: Sequence[tuple[str, object]], base_iri: str | None = None
) -> str:
    """Return `query` with the substitutions as a VALUES block and `base_iri` as BASE."""
    if substitutions:
        position = _where_group_start(query)
        names = " ".join(f"?{_variable(name)}" for name, _ in substitutions)
        terms = " ".join(_term(term) for _, term in substitutions)
        query = f"{query[:position]} VALUES ({names}) {{ ({terms}) }} {query[position:]}"
    if base_iri is not None:
        query = f"BASE {_term(ox.NamedNode(base_iri))}\n{query}"
    return query


def from_clauses(query: str) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """Return the IRIs of the query's FROM and FROM NAMED clauses, before its WHERE group.

    None if any of them is not an absolute IRI written in full (a prefixed name, a relative
    IRI): those only the store itself can resolve.
    """
    defaults: list[str] = []
    named: list[str] = []
    lexemes = list(_lexemes(query))
    for index, (kind, value, _end) in enumerate(lexemes):
        if kind == "other" and value == "{":
            break
        if kind != "word" or value.upper() != "FROM":
            continue
        target = lexemes[index + 1 : index + 3]
        into = defaults
        if target and target[0][0] == "word" and target[0][1].upper() == "NAMED":
            into, target = named, target[1:]
        if not target or target[0][0] != "iri":
            return None
        try:
            into.append(ox.NamedNode(target[0][1][1:-1]).value)
        except ValueError:  # not absolute
            return None
    return tuple(defaults), tuple(named)


def _variable(name: str) -> str:
    if not _VARIABLE_NAME.fullmatch(name):
        raise CannotBind(f"{name!r} is not a variable name that can be bound")
    return name


def _term(term: object) -> str:
    """Return `term` in N-Triples syntax, which SPARQL reads as the same term."""
    if isinstance(term, ox.NamedNode | ox.Literal):
        return str(term)  # pyoxigraph escapes literals; a NamedNode is a valid IRI
    raise CannotBind(f"only IRIs and literals can be bound, not {type(term).__name__}")


def _lexemes(text: str) -> Iterator[tuple[str, str, int]]:
    position = 0
    while position < len(text):
        match = _LEXEME.match(text, position)
        assert match is not None and match.lastgroup is not None  # `other` matches anything
        if match.lastgroup not in ("space", "comment"):
            yield match.lastgroup, match.group(), match.end()
        position = match.end()


def _where_group_start(query: str) -> int:
    """Return the offset just inside the `{` that opens the query's WHERE group."""
    form = None
    after_where = False
    braces = parentheses = 0
    for kind, value, end in _lexemes(query):
        top = braces == 0 and parentheses == 0
        if kind == "word" and top:
            keyword = value.upper()
            if form is None and keyword in _FORMS:
                form = keyword
            elif form is not None and keyword == "WHERE":
                after_where = True
        elif kind == "other":
            if value == "{":
                if top and form is not None and (after_where or form != "CONSTRUCT"):
                    return end
                braces += 1
            elif value == "}":
                braces -= 1
            elif value == "(":
                parentheses += 1
            elif value == ")":
                parentheses -= 1
    raise CannotBind("the query has no WHERE group to bind its parameters in")
