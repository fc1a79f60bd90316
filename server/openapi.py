"""Describe the named-query API as an OpenAPI 3.1 document, built from queries/*.rq."""

from __future__ import annotations

from importlib import metadata

from server.api_store import Choice
from server.named_queries import NamedQuery, Parameter

MAX_PER_PAGE = 1000
DEFAULT_PER_PAGE = 50
# Values suggested per parameter in the document; the docs page lists them all.
MAX_EXAMPLES = 50

# (short name for ?format=, media type, what it is)
FORMATS: tuple[tuple[str, str, str], ...] = (
    ("json", "application/json", "the rows as JSON objects, IRIs with their label"),
    ("csv", "text/csv", "SPARQL 1.1 CSV results"),
    ("tsv", "text/tab-separated-values", "SPARQL 1.1 TSV results"),
    ("srj", "application/sparql-results+json", "SPARQL 1.1 JSON results"),
    ("srx", "application/sparql-results+xml", "SPARQL 1.1 XML results"),
)

_TEXT = {"text/plain": {"schema": {"type": "string"}}}
_RESPONSES = {
    "BadRequest": "A parameter is missing, unknown, given twice, or does not fit its type; "
    "the message names it.",
    "NotFound": "There is no such page: the page number is past the last page.",
    "NotAcceptable": "None of the offered formats matches the Accept header.",
    "Unavailable": "The query ran past the time limit, all query processes were busy, or no "
    "store is published; try again later.",
}


def package_version() -> str:
    """Return the installed version of this project, or "0" when it is not installed."""
    try:
        return metadata.version("mensenhandel-kg")
    except metadata.PackageNotFoundError:
        return "0"


def build_document(
    queries: dict[str, NamedQuery],
    choices: dict[tuple[str, str], list[Choice]],
    server_url: str,
    store_version: str | None,
) -> dict[str, object]:
    """Return the OpenAPI 3.1 document for `queries`, suggesting `choices` as examples."""
    tags = sorted({tag for query in queries.values() for tag in query.tags}, key=str.lower)
    schemas: dict[str, object] = {
        "Resource": {
            "type": "object",
            "description": "An IRI in the answer, with its label (Dutch first) if it has one.",
            "properties": {
                "iri": {"type": "string", "format": "iri"},
                "label": {"type": ["string", "null"]},
            },
            "required": ["iri", "label"],
            "additionalProperties": False,
        },
        "Value": {
            "description": "A value of a column: a resource, a literal as a JSON value "
            "(numbers and booleans as such, other literals as strings), or null when unbound.",
            "anyOf": [
                {"$ref": "#/components/schemas/Resource"},
                {"type": ["string", "number", "boolean", "null"]},
            ],
        },
        "SparqlResults": {
            "type": "object",
            "description": "SPARQL 1.1 Query Results JSON Format.",
            "properties": {
                "head": {
                    "type": "object",
                    "properties": {"vars": {"type": "array", "items": {"type": "string"}}},
                    "required": ["vars"],
                },
                "results": {
                    "type": "object",
                    "properties": {"bindings": {"type": "array", "items": {"type": "object"}}},
                    "required": ["bindings"],
                },
            },
            "required": ["head", "results"],
        },
    }
    paths = {}
    for query in queries.values():
        schemas[_row_schema_name(query)] = _row_schema(query)
        paths[f"/api/{query.name}"] = {"get": _operation(query, choices)}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "mensenhandel-kg: named queries",
            "version": package_version(),
            "summary": "Competency questions about Dutch policy on human trafficking, as REST.",
            "description": (
                "Every SPARQL query in the project's queries/ folder is an operation: "
                "GET /api/{name}. Parameters are bound as RDF terms, never pasted into the "
                "query. Answers come as JSON (rows of objects, IRIs with their label), CSV, "
                "TSV or SPARQL results, by Accept or ?format=; they are paged with ?page= and "
                f"?per_page= (at most {MAX_PER_PAGE}) and Link headers. The same queries run "
                "at /sparql. The data is the cabinet letter Kamerstuk 28 638, nr. 188 as "
                "linked data, published under CC0 1.0."
            ),
            "license": {"name": "CC0 1.0 (the data)", "identifier": "CC0-1.0"},
        },
        "servers": [{"url": server_url}],
        "tags": [{"name": tag} for tag in tags],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "parameters": _paging_parameters(),
            "headers": _headers(),
            "responses": {
                name: {"description": text, "content": _TEXT} for name, text in _RESPONSES.items()
            },
        },
        "x-store-version": store_version,
    }


def _operation(query: NamedQuery, choices: dict[tuple[str, str], list[Choice]]) -> dict:
    columns = ", ".join(query.variables)
    return {
        "operationId": query.name,
        "summary": query.summary,
        "description": f"{query.description}\n\nColumns: {columns}.",
        "tags": list(query.tags),
        "parameters": [
            *(_parameter(p, choices.get((query.name, p.name), [])) for p in query.parameters),
            {"$ref": "#/components/parameters/page"},
            {"$ref": "#/components/parameters/per_page"},
            {"$ref": "#/components/parameters/format"},
        ],
        "responses": {
            "200": {
                "description": "The rows of the requested page.",
                "headers": {
                    name: {"$ref": f"#/components/headers/{name}"}
                    for name in ("Link", "MHKG-Total-Rows", "MHKG-Store-Version", "ETag")
                },
                "content": _result_content(query),
            },
            "304": {"description": "Not modified since the ETag given in If-None-Match."},
            "400": {"$ref": "#/components/responses/BadRequest"},
            "404": {"$ref": "#/components/responses/NotFound"},
            "406": {"$ref": "#/components/responses/NotAcceptable"},
            "503": {"$ref": "#/components/responses/Unavailable"},
        },
    }


def _parameter(parameter: Parameter, suggested: list[Choice]) -> dict[str, object]:
    schema = dict(parameter.type.schema)
    if parameter.allowed is not None:
        schema = {"type": "string", "enum": list(parameter.allowed)}
    if parameter.default is not None:
        schema["default"] = parameter.default
    description = f"{'Required' if parameter.required else 'Optional'}: {parameter.type.expects}."
    if parameter.default is not None:
        description += f" Default: {parameter.default}."
    if not parameter.required:
        description += " An empty value counts as not given, as an empty form field does."
    if suggested:
        description += f" The graph holds {len(suggested)} known values" + (
            f"; the first {MAX_EXAMPLES} are given as examples."
            if len(suggested) > MAX_EXAMPLES
            else "."
        )
    result: dict[str, object] = {
        "name": parameter.name,
        "in": "query",
        "required": parameter.required,
        "description": description,
        "schema": schema,
    }
    if not parameter.required:
        result["allowEmptyValue"] = True
    examples = _examples(parameter, suggested)
    if examples:
        result["examples"] = examples
    return result


def _examples(parameter: Parameter, suggested: list[Choice]) -> dict[str, dict[str, str]]:
    found: list[tuple[str, str | None]] = [(value, None) for value in parameter.examples]
    found += [(value, None) for value in parameter.allowed or ()]
    found += [(choice.value, choice.label) for choice in suggested[:MAX_EXAMPLES]]
    if not found and parameter.default is not None:
        found.append((parameter.default, "the default"))
    if not found:
        found.append((parameter.type.example, "an example of the format"))
    examples = {}
    for value, label in found:
        entry = {"value": value}
        if label:
            entry["summary"] = label
        examples.setdefault(f"example{len(examples) + 1}", entry)
    return examples


def _result_content(query: NamedQuery) -> dict[str, object]:
    content: dict[str, object] = {}
    for short, media_type, _ in FORMATS:
        if short == "json":
            schema = {
                "type": "array",
                "items": {"$ref": f"#/components/schemas/{_row_schema_name(query)}"},
            }
        elif short == "srj":
            schema = {"$ref": "#/components/schemas/SparqlResults"}
        else:
            schema = {"type": "string"}
        content[media_type] = {"schema": schema}
    return content


def _row_schema_name(query: NamedQuery) -> str:
    return "Row-" + query.name


def _row_schema(query: NamedQuery) -> dict[str, object]:
    return {
        "type": "object",
        "description": f"One row of {query.name}: a value (or null) for every column.",
        "properties": {
            variable: {"$ref": "#/components/schemas/Value"} for variable in query.variables
        },
        "required": list(query.variables),
        "additionalProperties": False,
    }


def _paging_parameters() -> dict[str, object]:
    return {
        "page": {
            "name": "page",
            "in": "query",
            "required": False,
            "description": "The page to return, counting from 1.",
            # The API refuses numbers of more than nine digits (server.api._positive).
            "schema": {"type": "integer", "minimum": 1, "maximum": 999_999_999, "default": 1},
        },
        "per_page": {
            "name": "per_page",
            "in": "query",
            "required": False,
            "description": (
                f"Rows per page, at most {MAX_PER_PAGE}; by default the query's own "
                f"`#+ pagination:` or {DEFAULT_PER_PAGE}."
            ),
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
        },
        "format": {
            "name": "format",
            "in": "query",
            "required": False,
            "description": "The answer's format, instead of the Accept header: "
            + "; ".join(f"{short} = {what}" for short, _, what in FORMATS)
            + ".",
            "schema": {"type": "string", "enum": [short for short, _, _ in FORMATS]},
        },
    }


def _headers() -> dict[str, object]:
    return {
        "Link": {
            "description": "RFC 8288 links to the first, prev, next and last pages.",
            "schema": {"type": "string"},
        },
        "MHKG-Total-Rows": {
            "description": "The number of rows of the whole answer, on all pages.",
            "schema": {"type": "integer", "minimum": 0},
        },
        "MHKG-Store-Version": {
            "description": "The version of the store that answered.",
            "schema": {"type": "string"},
        },
        "ETag": {
            "description": "Changes when the store or the request changes; send it back in "
            "If-None-Match to get a 304.",
            "schema": {"type": "string"},
        },
    }
