"""Read the named queries in queries/*.rq and turn request values into RDF terms for them.

A named query is a SELECT in grlc style: `#+ key: value` header lines carry its metadata
(summary, description, tags, defaults, enumerate, examples, pagination), and variables named
`?_name` (required) or `?__name` (optional) are its parameters. A parameter's last `_suffix`
says what it takes: `_iri`, `_integer`, `_decimal`, `_date`, `_datetime`, `_boolean`, `_en` /
`_nl` (a string in that language), `_string` / `_literal` or nothing (a plain string).

Values are bound as RDF terms with pyoxigraph `substitutions=`, never pasted into the text.
A value that does not fit its type is refused with a 400 naming the parameter.

Header values are YAML where YAML is needed (lists and mappings on the lines below the key)
and plain text otherwise, so a summary may contain ": " as prose does. `enumerate` lists
parameters whose values can be listed: `- name: [a, b]` fixes them (and the API refuses
others); `- name` lists the values the query itself yields for the parameter (grlc); and
`- name: {class: [foaf:Agent, ...]}` lists the instances of those classes in the graph (an
extension, for parameters the query only compares in a FILTER).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from urllib.parse import urljoin

import pyoxigraph as ox
import yaml

from server.errors import HttpError

XSD = "http://www.w3.org/2001/XMLSchema#"
RESERVED_NAMES = frozenset({"page", "per_page", "format"})
KNOWN_KEYS = frozenset(
    {"summary", "description", "tags", "defaults", "enumerate", "examples", "pagination", "method"}
)
MAX_VALUE_CHARS = 2000

# A variable outside comments, strings and IRIs; strings and IRIs are matched to skip them.
_CODE_TOKEN = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r"|<[^<>\"{}|^`\\\s]*>"
    r"|#[^\n]*"
    r"|[?$](?P<variable>__?[A-Za-z]\w*)",
    re.DOTALL,
)
_PREFIX_LINE = re.compile(r"PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE)
_HEADER_KEY = re.compile(r"^ ?([A-Za-z_]+):(?:\s+(.*))?$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_DECIMAL = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_DATETIME = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:Z|[+-][0-9]{2}:[0-9]{2})?$"
)
# Characters an IRI can never hold; the OpenAPI schema gives this as the pattern.
IRI_PATTERN = r"^[^\s<>\"{}|\\^`]+$"
_IRI = re.compile(IRI_PATTERN)


class QueryFileError(ValueError):
    """A .rq file that cannot be offered as a named query."""


class MissingParameter(ValueError):
    """A required parameter (?_name) was not given."""


class UnknownParameter(ValueError):
    """A value was given for a parameter the query does not have."""


# --------------------------------------------------------------------------------------------
# Parameter types
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParameterType:
    """What a parameter takes: how to check a value, turn it into a term and document it."""

    suffix: str
    expects: str  # completes "`name` expects ..."
    schema: dict[str, object]  # JSON Schema of the query-string value, for OpenAPI
    example: str  # a format example, used when nothing better is known
    language: str | None = None

    def term(self, value: str, base_iri: str) -> ox.NamedNode | ox.Literal:
        """Return `value` as an RDF term; raise ValueError if it does not fit."""
        if self.suffix == "iri":
            # Checked before resolving: urljoin drops tabs and line breaks, and a reference
            # left empty resolves to the base itself.
            if not _IRI.fullmatch(value):
                raise ValueError('not an IRI (empty, or with spaces or any of <>"{}|\\^`)')
            return _iri(value, base_iri)
        if self.language is not None:
            return ox.Literal(value, language=self.language)
        if self.suffix in ("", "string", "literal"):
            return ox.Literal(value)
        lexical = _typed_lexical(self.suffix, value)
        return ox.Literal(lexical, datatype=ox.NamedNode(XSD + _XSD_NAMES[self.suffix]))


_XSD_NAMES = {
    "integer": "integer",
    "decimal": "decimal",
    "date": "date",
    "datetime": "dateTime",
    "boolean": "boolean",
}

PARAMETER_TYPES: dict[str, ParameterType] = {
    t.suffix: t
    for t in (
        ParameterType(
            "iri",
            "an IRI: absolute, or relative to the base of this knowledge graph (id/...)",
            {"type": "string", "format": "iri-reference", "pattern": IRI_PATTERN},
            "id/document/kst-28638-188",
        ),
        ParameterType(
            "integer",
            "an integer (xsd:integer), such as 2019 or -3",
            {"type": "string", "pattern": _INTEGER.pattern},
            "2019",
        ),
        ParameterType(
            "decimal",
            "a decimal number (xsd:decimal) with a point, such as 652 or 0.5",
            {"type": "string", "pattern": _DECIMAL.pattern},
            "0.5",
        ),
        ParameterType(
            "date",
            "a date (xsd:date) as YYYY-MM-DD, such as 2021-02-19",
            {"type": "string", "format": "date", "pattern": _DATE.pattern},
            "2021-02-19",
        ),
        ParameterType(
            "datetime",
            "a date and time (xsd:dateTime) such as 2021-02-19T12:00:00Z",
            {"type": "string", "format": "date-time", "pattern": _DATETIME.pattern},
            "2021-02-19T12:00:00Z",
        ),
        ParameterType(
            "boolean",
            "true or false (xsd:boolean)",
            {"type": "string", "enum": ["true", "false", "1", "0"]},
            "true",
        ),
        ParameterType("en", "a text in English", {"type": "string"}, "human trafficking", "en"),
        ParameterType("nl", "a text in Dutch", {"type": "string"}, "mensenhandel", "nl"),
        ParameterType("string", "a text", {"type": "string"}, "mensenhandel"),
        ParameterType("literal", "a text", {"type": "string"}, "mensenhandel"),
        ParameterType("", "a text", {"type": "string"}, "mensenhandel"),
    )
}


def _iri(value: str, base_iri: str) -> ox.NamedNode:
    absolute = value if _SCHEME.match(value) else resolve(base_iri, value)
    return ox.NamedNode(absolute)  # raises ValueError unless it is a valid absolute IRI


def resolve(base_iri: str, reference: str) -> str:
    """Resolve a relative IRI reference against `base_iri`, keeping an empty fragment.

    urljoin drops a trailing "#", which namespaces such as `<def#>` end with.
    """
    resolved = urljoin(base_iri, reference)
    return resolved + "#" if reference.endswith("#") and not resolved.endswith("#") else resolved


def _typed_lexical(suffix: str, value: str) -> str:
    """Check a typed value and return its canonical lexical form."""
    if suffix == "integer":
        if not _INTEGER.fullmatch(value):
            raise ValueError("not an integer")
        return str(int(value))
    if suffix == "decimal":
        if not _DECIMAL.fullmatch(value):
            raise ValueError("not a decimal number")
        return format(Decimal(value).normalize(), "f") if Decimal(value) else "0"
    if suffix == "date":
        if not _DATE.fullmatch(value):
            raise ValueError("not a date")
        return datetime.date.fromisoformat(value).isoformat()
    if suffix == "datetime":
        if not _DATETIME.fullmatch(value):
            raise ValueError("not a date and time")
        datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        return value
    if suffix == "boolean":
        if value not in ("true", "false", "1", "0"):
            raise ValueError("not a boolean")
        return "true" if value in ("true", "1") else "false"
    raise AssertionError(f"no conversion for _{suffix}")


# --------------------------------------------------------------------------------------------
# Parameters and queries
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Parameter:
    """One parameter of a named query, as the API offers it."""

    variable: str  # the SPARQL variable without "?", e.g. "_actor_iri"
    name: str  # the API name, e.g. "actor"
    required: bool
    type: ParameterType
    default: str | None = None
    # Values fixed by `#+ enumerate: - name: [...]`; others are refused.
    allowed: tuple[str, ...] | None = None
    # Graph enumeration: the classes whose instances are listed, or () for grlc's way (the
    # values the query itself yields for this parameter); None when not enumerated.
    enumerate_classes: tuple[str, ...] | None = None
    examples: tuple[str, ...] = ()

    @property
    def enumerated_from_graph(self) -> bool:
        """Tell whether the values to suggest come from the graph."""
        return self.enumerate_classes is not None

    def term(self, value: str, base_iri: str) -> ox.NamedNode | ox.Literal:
        """Return `value` as this parameter's RDF term; 400 naming the parameter if unfit."""
        if len(value) > MAX_VALUE_CHARS:
            raise HttpError(
                400,
                f"Parameter `{self.name}` is {len(value)} characters long; at most "
                f"{MAX_VALUE_CHARS} are accepted.",
                reason="bad_parameter",
            )
        if self.allowed is not None and value not in self.allowed:
            raise HttpError(
                400,
                f"Parameter `{self.name}` must be one of: {', '.join(self.allowed)} "
                f"(got {value!r}).",
                reason="bad_parameter",
            )
        try:
            return self.type.term(value, base_iri)
        except ValueError:
            raise HttpError(
                400,
                f"Parameter `{self.name}` expects {self.type.expects}; got {value!r}.",
                reason="bad_parameter",
            ) from None


@dataclass(frozen=True)
class NamedQuery:
    """A query of queries/, its metadata and its parameters."""

    name: str
    text: str
    summary: str
    description: str
    tags: tuple[str, ...]
    variables: tuple[str, ...]  # the projected variables, in order
    parameters: tuple[Parameter, ...]
    pagination: int | None = None  # rows per page unless the client says otherwise
    prefixes: dict[str, str] = field(default_factory=dict)  # resolved PREFIX declarations

    def parameter(self, name: str) -> Parameter | None:
        """Return the parameter with API name `name`, or None."""
        return next((p for p in self.parameters if p.name == name), None)

    def substitutions(
        self, values: Mapping[str, str], base_iri: str
    ) -> tuple[tuple[str, ox.NamedNode | ox.Literal], ...]:
        """Turn request values (by API name) into (variable, term) pairs; 400 if they are wrong.

        An absent optional parameter takes its `#+ defaults:` value, as in grlc.
        """
        unknown = sorted(set(values) - {p.name for p in self.parameters})
        if unknown:
            offered = ", ".join(p.name for p in self.parameters) or "no parameters"
            raise HttpError(
                400,
                f"Unknown parameter `{unknown[0]}` for {self.name}; it takes: {offered} "
                "(and page, per_page, format).",
                reason="bad_parameter",
            )
        pairs = []
        for parameter in self.parameters:
            value = values.get(parameter.name)
            if value == "" and not parameter.required:
                value = None  # an empty optional value counts as not given, like an empty field
            if value is None:
                value = parameter.default
            if value is None:
                if parameter.required:
                    raise HttpError(
                        400,
                        f"Parameter `{parameter.name}` is required: {parameter.type.expects}.",
                        reason="missing_parameter",
                    )
                continue
            pairs.append((parameter.variable, parameter.term(value, base_iri)))
        return tuple(pairs)

    def bind(
        self, terms: Mapping[str, ox.NamedNode | ox.Literal]
    ) -> dict[ox.Variable, ox.NamedNode | ox.Literal]:
        """Check terms given by variable name (`_actor_iri`) and return pyoxigraph substitutions.

        Defaults are not applied: the query's own COALESCE applies them.
        """
        variables = {p.variable: p for p in self.parameters}
        unknown = sorted(set(terms) - set(variables))
        if unknown:
            raise UnknownParameter(f"{self.name}: unknown parameters {unknown}")
        missing = [p.variable for p in self.parameters if p.required and p.variable not in terms]
        if missing:
            raise MissingParameter(f"{self.name}: missing required parameters {missing}")
        return {ox.Variable(name): term for name, term in terms.items()}

    def run(
        self,
        store: ox.Store,
        base_iri: str,
        terms: Mapping[str, ox.NamedNode | ox.Literal] | None = None,
    ) -> ox.QuerySolutions:
        """Run the query on `store` directly, for tests and tools without a server.

        The server runs named queries through its executor instead, within its limits.
        """
        return store.query(
            self.text,
            base_iri=base_iri,
            use_default_graph_as_union=True,
            substitutions=self.bind(terms or {}) or None,
        )


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


def load_queries(directory: Path, base_iri: str) -> dict[str, NamedQuery]:
    """Read every queries/*.rq file, by name; raise QueryFileError for one that cannot serve."""
    paths = sorted(Path(directory).glob("*.rq"))
    return {path.stem: load_query(path, base_iri) for path in paths}


def load_query(path: Path, base_iri: str) -> NamedQuery:
    """Read one .rq file; raise QueryFileError naming the file if it cannot serve."""
    text = path.read_text(encoding="utf-8")
    try:
        return _parse(path.stem, text, base_iri)
    except (QueryFileError, ValueError, SyntaxError, yaml.YAMLError) as error:
        raise QueryFileError(f"{path.name}: {error}") from error


def _parse(name: str, text: str, base_iri: str) -> NamedQuery:
    headers = read_headers(text)
    unknown = sorted(set(headers) - KNOWN_KEYS)
    if unknown:
        raise QueryFileError(f"unknown header `#+ {unknown[0]}:`; known: {sorted(KNOWN_KEYS)}")
    if str(headers.get("method", "GET")).upper() != "GET":
        raise QueryFileError("only `#+ method: GET` is offered")
    solutions = ox.Store().query(text, base_iri=base_iri, use_default_graph_as_union=True)
    if not isinstance(solutions, ox.QuerySolutions):
        raise QueryFileError("only SELECT queries are offered as named queries")
    variables = tuple(variable.value for variable in solutions.variables)
    prefixes = declared_prefixes(text, base_iri)
    defaults = _name_map(headers.get("defaults"), "defaults")
    examples = _name_map(headers.get("examples"), "examples")
    enumerations = _enumerations(headers.get("enumerate"), prefixes)
    parameters = tuple(
        _parameter(variable, defaults, enumerations, examples) for variable in parameter_names(text)
    )
    names = {p.name for p in parameters}
    for given, key in ((defaults, "defaults"), (examples, "examples"), (enumerations, "enumerate")):
        stray = set(given) - names
        if stray:
            raise QueryFileError(f"`#+ {key}:` names unknown parameter {sorted(stray)[0]!r}")
    if len(names) != len(parameters):
        raise QueryFileError("two parameters share one name")
    for parameter in parameters:
        _check_parameter(parameter, parameters, variables, base_iri)
    pagination = headers.get("pagination")
    if pagination is not None and (not str(pagination).isdigit() or int(pagination) < 1):
        raise QueryFileError("`#+ pagination:` must be a positive number of rows")
    return NamedQuery(
        name=name,
        text=text,
        summary=_text(headers.get("summary"), "summary"),
        description=_text(headers.get("description"), "description"),
        tags=_tags(headers.get("tags")),
        variables=variables,
        parameters=parameters,
        pagination=int(pagination) if pagination is not None else None,
        prefixes=prefixes,
    )


def read_headers(text: str) -> dict[str, object]:
    """Return the `#+` header of a query: text values, or YAML for blocks below a key."""
    entries: list[tuple[str, str, list[str]]] = []
    for line in text.splitlines():
        if not line.startswith("#+"):
            continue
        body = line[2:]
        match = _HEADER_KEY.match(body)
        if match:
            entries.append((match.group(1), (match.group(2) or "").strip(), []))
        elif entries and body.strip():
            entries[-1][2].append(body)
        elif body.strip():
            raise QueryFileError(f"a `#+` line before any key: {line!r}")
    headers: dict[str, object] = {}
    for key, inline, block in entries:
        if key in headers:
            raise QueryFileError(f"`#+ {key}:` is given twice")
        headers[key] = _header_value(inline, block)
    return headers


def _header_value(inline: str, block: list[str]) -> object:
    if block and not inline:
        return yaml.safe_load("\n".join(block))
    if block:  # prose continued on the next lines
        return " ".join([inline, *(line.strip() for line in block)])
    if inline[:1] in ("[", "{", '"', "'"):
        return yaml.safe_load(inline)
    return inline


def parameter_names(text: str) -> list[str]:
    """Return the parameter variables (`_name`, `__name`) of a query in order of appearance."""
    found = [m.group("variable") for m in _CODE_TOKEN.finditer(text) if m.group("variable")]
    return list(dict.fromkeys(found))


def declared_prefixes(text: str, base_iri: str) -> dict[str, str]:
    """Return the query's PREFIX declarations, relative ones resolved against `base_iri`."""
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    return {
        prefix or "": resolve(base_iri, namespace)
        for prefix, namespace in _PREFIX_LINE.findall(code)
    }


def _parameter(
    variable: str,
    defaults: dict[str, object],
    enumerations: dict[str, tuple[tuple[str, ...] | None, tuple[str, ...] | None]],
    examples: dict[str, object],
) -> Parameter:
    required = not variable.startswith("__")
    stem = variable.lstrip("_")
    name, _, suffix = stem.rpartition("_")
    if not name or suffix not in PARAMETER_TYPES:
        name, suffix = stem, ""
    if name in RESERVED_NAMES:
        raise QueryFileError(f"parameter name `{name}` is reserved for the API")
    allowed, classes = enumerations.get(name, (None, None))
    default = defaults.get(name)
    example = examples.get(name)
    return Parameter(
        variable=variable,
        name=name,
        required=required,
        type=PARAMETER_TYPES[suffix],
        default=None if default is None else str(default),
        allowed=allowed,
        enumerate_classes=classes,
        examples=() if example is None else (str(example),),
    )


def _check_parameter(
    parameter: Parameter, parameters: tuple[Parameter, ...], variables: tuple[str, ...], base: str
) -> None:
    if parameter.variable not in variables:
        # pyoxigraph substitutes only variables of the SELECT projection.
        raise QueryFileError(f"parameter ?{parameter.variable} is not in the SELECT projection")
    if parameter.required and parameter.default is not None:
        raise QueryFileError(f"required parameter `{parameter.name}` cannot have a default")
    for value in (parameter.default, *(parameter.allowed or ()), *parameter.examples):
        if value is not None:
            try:
                parameter.term(value, base)
            except HttpError as error:
                raise QueryFileError(error.message) from None
    if parameter.enumerate_classes == () and any(
        other.required and other is not parameter for other in parameters
    ):
        raise QueryFileError(
            f"`{parameter.name}` is enumerated from the query's own results, which needs "
            "every other parameter to be optional"
        )


def _name_map(value: object, key: str) -> dict[str, object]:
    """Read `- name: value` lists (grlc) or a plain mapping."""
    if value is None:
        return {}
    items = value if isinstance(value, list) else [value]
    result: dict[str, object] = {}
    for item in items:
        if not isinstance(item, dict):
            raise QueryFileError(f"`#+ {key}:` entries are `- name: value`, got {item!r}")
        result.update({str(k): v for k, v in item.items()})
    return result


def _enumerations(
    value: object, prefixes: dict[str, str]
) -> dict[str, tuple[tuple[str, ...] | None, tuple[str, ...] | None]]:
    """Map each enumerated parameter to (allowed values, classes to list instances of)."""
    result: dict[str, tuple[tuple[str, ...] | None, tuple[str, ...] | None]] = {}
    for item in value if isinstance(value, list) else ([value] if value else []):
        if isinstance(item, str):
            result[item] = (None, ())
            continue
        if not isinstance(item, dict):
            raise QueryFileError(f"`#+ enumerate:` entry {item!r} is not understood")
        for name, spec in item.items():
            if isinstance(spec, list):
                result[str(name)] = (tuple(str(v) for v in spec), None)
            elif isinstance(spec, dict) and set(spec) == {"class"}:
                classes = spec["class"] if isinstance(spec["class"], list) else [spec["class"]]
                result[str(name)] = (None, tuple(_expand(str(c), prefixes) for c in classes))
            elif spec is None:
                result[str(name)] = (None, ())
            else:
                raise QueryFileError(f"`#+ enumerate:` for {name!r} is not understood")
    return result


def _expand(name: str, prefixes: dict[str, str]) -> str:
    """Return the IRI of a prefixed name or <IRI> written in a header."""
    if name.startswith("<") and name.endswith(">"):
        return ox.NamedNode(name[1:-1]).value
    prefix, colon, local = name.partition(":")
    if not colon or prefix not in prefixes:
        raise QueryFileError(f"{name!r} uses a prefix the query does not declare")
    return ox.NamedNode(prefixes[prefix] + local).value


def _text(value: object, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise QueryFileError(f"`#+ {key}:` is missing or empty")
    return value.strip()


def _tags(value: object) -> tuple[str, ...]:
    if isinstance(value, list):
        items: Iterable[object] = value
    elif isinstance(value, str):
        items = value.split(",")
    else:
        raise QueryFileError("`#+ tags:` is missing")
    tags = tuple(str(item).strip() for item in items if str(item).strip())
    if not tags:
        raise QueryFileError("`#+ tags:` is empty")
    return tags
