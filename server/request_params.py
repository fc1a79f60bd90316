"""Read protocol parameters strictly: UTF-8 only, and every repetition visible."""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

import pyoxigraph as ox
from flask import request

from server.errors import HttpError


class Parameters:
    """The name=value pairs of a query string or form body, in order."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.pairs = pairs

    def __contains__(self, name: str) -> bool:
        return any(key == name for key, _ in self.pairs)

    def all(self, name: str) -> list[str]:
        """Return every value given for `name`."""
        return [value for key, value in self.pairs if key == name]

    def one(self, name: str) -> str | None:
        """Return the value of `name`, None if absent; 400 if it is given more than once."""
        values = self.all(name)
        if len(values) > 1:
            raise HttpError(
                400, f"The parameter `{name}` is given {len(values)} times; give it once."
            )
        return values[0] if values else None

    def merged(self, other: Parameters) -> Parameters:
        """Return these pairs followed by `other`'s."""
        return Parameters(self.pairs + other.pairs)


def url_parameters() -> Parameters:
    """Return the parameters of the URL's query string."""
    return _parse(request.query_string, "URL")


def form_parameters() -> Parameters:
    """Return the parameters of an application/x-www-form-urlencoded body."""
    return _parse(request.get_data(cache=True), "form body")


def body_text() -> str:
    """Return the request body as text; 400 unless it is UTF-8."""
    try:
        return request.get_data(cache=True).decode("utf-8")
    except UnicodeDecodeError as error:
        raise HttpError(
            400, f"The request body is not valid UTF-8 (byte {error.start})."
        ) from error


def graph_iri(value: str, parameter: str) -> str:
    """Return `value` if it is an absolute IRI; 400 naming `parameter` otherwise."""
    try:
        ox.NamedNode(value)  # accepts absolute IRIs only
    except ValueError as error:
        raise HttpError(
            400, f"`{parameter}` is not a valid absolute IRI: {value!r} ({error})."
        ) from error
    return value


def _parse(raw: bytes, where: str) -> Parameters:
    # By hand, on bytes: urllib's parsers replace bad UTF-8 instead of reporting it.
    try:
        pairs = [
            (_unquote(name), _unquote(value))
            for name, _, value in (field.partition(b"=") for field in raw.split(b"&") if field)
        ]
    except UnicodeDecodeError as error:
        raise HttpError(
            400, f"The parameters in the {where} are not valid UTF-8 once percent-decoded."
        ) from error
    return Parameters(pairs)


def _unquote(part: bytes) -> str:
    return unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
