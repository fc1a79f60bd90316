"""Inspect SPARQL text before it runs: refuse SERVICE and LOAD, and updates sent as queries.

pyoxigraph executes SERVICE (and LOAD) over HTTP and cannot be told not to, so the text is
checked before it reaches the store, by every route that runs SPARQL. The check is lexical
and fails closed: comments, string literals and <IRIs> are set aside exactly as the parser
sets them aside, and any word in the rest that a parser could read as SERVICE or LOAD counts
as that keyword. Where the parser's reading could differ from ours, the text is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from server.errors import HttpError

QUERY_FORMS = frozenset({"SELECT", "CONSTRUCT", "ASK", "DESCRIBE"})
UPDATE_OPERATIONS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
)
_FORMS_AND_OPERATIONS = QUERY_FORMS | UPDATE_OPERATIONS

_CODEPOINT = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
_STRING_ESCAPE = rf"""\\[tbnrf"'\\]|{_CODEPOINT}"""
_NAME_CHAR = r"\w.:%\u00b7\u0300-\u036f\u203f\u2040-"
# Possessive repetitions (*+) match like the parser's PEG grammar, which never backtracks
# into a repetition; a long-string opener that does not close is refused, not re-read.
_TOKEN = re.compile(
    rf"""
      (?P<space>\s+)
    | (?P<comment>\#[^\r\n]*)
    | (?P<long_string>'''(?:(?:''|')?(?:[^'\\]|{_STRING_ESCAPE}))*+'''
                     |\"\"\"(?:(?:""|")?(?:[^"\\]|{_STRING_ESCAPE}))*+\"\"\")
    | (?P<bad_string>'''|\"\"\")
    | (?P<string>'(?:[^'\\\r\n]|{_STRING_ESCAPE})*+'|"(?:[^"\\\r\n]|{_STRING_ESCAPE})*+")
    | (?P<bad_quote>['"])
    | (?P<iri><(?:[^<>"{{}}|^`\\\x00-\x20]|{_CODEPOINT})*+>)
    | (?P<variable>[?$][\w\u00b7\u0300-\u036f\u203f\u2040]*)
    | (?P<word>(?:[{_NAME_CHAR}]|\\.)+)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_KEYWORD = re.compile("service|load", re.IGNORECASE)
# A prefixed name's local part is one token with its prefix only if it starts like this;
# otherwise the parser ends the name at the colon (`ex:.SERVICE` is `ex:` `.` SERVICE).
_LOCAL_NAME_START = re.compile(r"[\w:]|%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]")
_ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_LINE_BREAK = re.compile(r"[\r\n]")
# pyoxigraph's parser recurses per bracket and its process dies of a stack overflow when
# nesting runs deep: nested collections at about 150 levels, groups at about 3,000.
MAX_NESTING = 64
_OPENING, _CLOSING = frozenset("{(["), frozenset("})]")


@dataclass(frozen=True)
class Inspection:
    """What the guard learnt about an accepted text."""

    # The first query form or update operation keyword, upper-cased; None if none was seen.
    form: str | None
    # Whether the text names its own dataset with FROM / FROM NAMED.
    has_dataset_clause: bool

    @property
    def is_update(self) -> bool:
        """Tell whether the text starts an update operation rather than a query."""
        return self.form in UPDATE_OPERATIONS


# A tuple rather than a dataclass: every query makes one per token, on every request.
class _Token(NamedTuple):
    kind: str
    text: str
    start: int


def inspect_query(text: str, allowlist: Sequence[str]) -> Inspection:
    """Check a query before it runs; raise HttpError if it must not run."""
    return _inspect(text, allowlist, expect_update=False)


def inspect_update(text: str, allowlist: Sequence[str]) -> Inspection:
    """Check an update before it runs; raise HttpError if it must not run."""
    return _inspect(text, allowlist, expect_update=True)


def _inspect(text: str, allowlist: Sequence[str], *, expect_update: bool) -> Inspection:
    tokens = list(_significant_tokens(text))
    words = [token.text.upper() for token in tokens if token.kind == "word"]
    form = next((word for word in words if word in _FORMS_AND_OPERATIONS), None)
    inspection = Inspection(form=form, has_dataset_clause="FROM" in words)
    if inspection.is_update and not expect_update:
        raise HttpError(
            400,
            f"This is a SPARQL update ({form}), not a query: send it with POST as `update=` "
            "or as application/sparql-update.",
            reason="update_as_query",
        )
    if form in QUERY_FORMS and expect_update:
        raise HttpError(
            400,
            f"This is a SPARQL query ({form}), not an update: send it as `query=`.",
            reason="query_as_update",
        )
    _refuse_deep_nesting(text, tokens)
    _refuse_calls_out(text, tokens, allowlist)
    # The grammar says codepoint escapes are decoded before parsing; pyoxigraph decodes them
    # only inside strings and IRIs. Checking both readings covers either parser.
    decoded = _decode_codepoints(text)
    if decoded != text:
        _refuse_calls_out(decoded, list(_significant_tokens(decoded)), allowlist)
    return inspection


def _significant_tokens(text: str) -> Iterator[_Token]:
    """Yield the tokens of `text` other than space and comments; refuse ambiguous text."""
    hash_line_end = 0  # where the line of the latest IRI containing '#' ends
    # `other` matches any character, so the matches follow each other without a gap.
    for match in _TOKEN.finditer(text):
        kind, value, position = match.lastgroup, match.group(), match.start()
        assert kind is not None
        if kind in ("bad_string", "bad_quote"):
            raise _unclear(text, position, "a string literal that does not close")
        if kind == "iri" and _could_be_less_than(value):
            # Read as "less than", a ' inside starts a string, and a # starts a comment
            # that a long string later on the line could outlast.
            if "'" in value:
                raise _unclear(text, position, "an IRI containing ' (write it as %27)")
            if "#" in value and position >= hash_line_end:
                line_break = _LINE_BREAK.search(text, position)
                hash_line_end = line_break.start() if line_break else len(text)
        if kind == "long_string" and position < hash_line_end:
            raise _unclear(
                text, position, "a long string on the same line after an IRI containing '#'"
            )
        if kind not in ("space", "comment"):
            yield _Token(kind, value, position)


def _refuse_deep_nesting(text: str, tokens: list[_Token]) -> None:
    """Refuse brackets nested deeper than MAX_NESTING, which would crash the parser."""
    depth = 0
    for token in tokens:
        if token.kind == "other":
            brackets = token.text
        elif token.kind == "iri" and _could_be_less_than(token.text):
            brackets = token.text  # a parser may read `<(((` as less-than and brackets
        else:
            continue
        for character in brackets:
            if character in _OPENING:
                depth += 1
                if depth > MAX_NESTING:
                    raise HttpError(
                        400,
                        f"Refused: brackets nested more than {MAX_NESTING} deep at "
                        f"{_where(text, token.start)}; write the query with less nesting.",
                        reason="too_deep",
                    )
            elif character in _CLOSING:
                depth -= 1


def _refuse_calls_out(text: str, tokens: list[_Token], allowlist: Sequence[str]) -> None:
    """Refuse SERVICE and LOAD unless their target is an allow-listed IRI written in full."""
    for index, token in enumerate(tokens):
        if token.kind != "word" or not _could_be_keyword(token.text):
            continue
        keyword = token.text.upper()
        if keyword not in ("SERVICE", "LOAD"):
            raise HttpError(
                403,
                f"Refused: {token.text!r} at {_where(text, token.start)} could be read as "
                "SERVICE or LOAD, which this endpoint does not run. Separate keywords with "
                "spaces, and do not name prefixes after them.",
                reason="federation",
            )
        target = _target_after(tokens, index + 1)
        iri = _decode_codepoints(target.text[1:-1]) if target and target.kind == "iri" else ""
        if not allowlist:
            detail = "this endpoint does not call other services or load from the web"
        elif not iri:
            detail = "its target must be an allowed IRI written in full, not a variable or name"
        elif not _ABSOLUTE_IRI.match(iri):
            detail = "its target must be an absolute IRI"
        elif iri.startswith(tuple(allowlist)):
            continue
        else:
            detail = "allowed targets start with: " + ", ".join(allowlist)
        raise HttpError(
            403,
            f"Refused: {keyword} at {_where(text, token.start)}: {detail}.",
            reason="federation",
        )


def _could_be_less_than(iri: str) -> bool:
    """Tell whether a parser could read this `<...>` as `<` followed by code.

    `//` is never valid code, so an IRI with `//` before any ' or # (every http IRI)
    cannot be misread up to the point where the two readings would part.
    """
    return "//" not in re.split("['#]", iri, maxsplit=1)[0]


def _could_be_keyword(word: str) -> bool:
    prefix, colon, local = word.partition(":")
    if colon and _LOCAL_NAME_START.match(local):
        # A parser reads the local part as part of the name, but the prefix part could
        # still hold a keyword glued to what came before (`1SERVICE:x`).
        return bool(_KEYWORD.search(prefix))
    return bool(_KEYWORD.search(word))


def _target_after(tokens: list[_Token], index: int) -> _Token | None:
    if index < len(tokens) and tokens[index].text.upper() == "SILENT":
        index += 1
    return tokens[index] if index < len(tokens) else None


def _decode_codepoints(text: str) -> str:
    def decode(match: re.Match[str]) -> str:
        try:
            return chr(int(match.group()[2:], 16))
        except ValueError:  # beyond U+10FFFF: the parser rejects it too
            return match.group()

    return re.sub(_CODEPOINT, decode, text)


def _unclear(text: str, position: int, what: str) -> HttpError:
    return HttpError(
        400,
        f"Refused: {what} at {_where(text, position)} makes the query impossible to check "
        "safely before running it.",
        reason="unclear",
    )


def _where(text: str, position: int) -> str:
    line = len(re.findall(r"\r\n|\r|\n", text[:position])) + 1
    line_start = max(text.rfind("\n", 0, position), text.rfind("\r", 0, position)) + 1
    return f"line {line}, column {position - line_start + 1}"
