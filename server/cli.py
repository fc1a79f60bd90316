"""The `mhkg` command: build, validate, query and serve the knowledge graph, load external data."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pyoxigraph as ox

from server.config import Settings
from server.namespaces import prefixes
from server.store import PublishedStore, StoreDirectory, StoreUnavailable

EXIT_OK, EXIT_INVALID, EXIT_ERROR = 0, 1, 2

RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
    "xml": ox.QueryResultsFormat.XML,
}
GRAPH_FORMATS = {
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "xml": ox.RdfFormat.RDF_XML,
}


def main(argv: list[str] | None = None) -> int:
    """Run the command line and return its exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    settings = Settings.from_env(**{k: v for k, v in _overrides(args).items() if v is not None})
    try:
        return args.command(settings, args)
    except StoreUnavailable as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_ERROR


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mhkg", description=__doc__)
    parser.add_argument("--base-iri", help="base of every minted IRI (MHKG_BASE_IRI)")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    def command(name: str, handler, help: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, description=help)
        sub.set_defaults(command=handler)
        return sub

    validate = command("validate", _validate, "validate ontology and data against the shapes")
    validate.add_argument("--lang", default="en", choices=["en", "nl"], help="message language")

    build_cmd = command("build", _build, "validate, load and publish a new store version")
    build_cmd.add_argument("--store", type=Path, help="store directory (MHKG_STORE_DIR)")

    query = command("query", _query, "run a SPARQL query on the built store, without a server")
    query.add_argument("query", help="the query text, or the path of a .rq file")
    query.add_argument("--store", type=Path, help="store directory (MHKG_STORE_DIR)")
    query.add_argument(
        "--format",
        choices=["table", *RESULT_FORMATS, *GRAPH_FORMATS],
        default="table",
        help="output format (default: a table, or Turtle for graph results)",
    )

    load_cmd = command("load", _load, "stream an RDF file or URL into a named graph of its own")
    load_cmd.add_argument("source", help="file path or http(s) URL; .gz or gzip data is unpacked")
    load_cmd.add_argument("--graph", required=True, help="IRI of the named graph to load into")
    load_cmd.add_argument("--store", type=Path, help="store directory (MHKG_STORE_DIR)")
    load_cmd.add_argument(
        "--format",
        help="ttl, nt, nq, trig, rdf, jsonld or a media type (default: from the extension)",
    )
    load_cmd.add_argument("--base", help="base IRI for relative IRIs (default: the source's IRI)")

    unload_cmd = command("unload", _unload, "remove a loaded graph and its catalogue record")
    unload_cmd.add_argument("--graph", required=True, help="IRI of the graph to remove")
    unload_cmd.add_argument("--store", type=Path, help="store directory (MHKG_STORE_DIR)")

    graphs = command("graphs", _graphs, "list the named graphs, their size and origin")
    graphs.add_argument("--store", type=Path, help="store directory (MHKG_STORE_DIR)")

    serve = command("serve", _serve, "serve the SPARQL endpoint and site")
    serve.add_argument("--store", type=Path, help="store directory (MHKG_STORE_DIR)")
    serve.add_argument("--host", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default 8000)")
    serve.add_argument("--workers", type=int, help="worker processes (default 2)")
    serve.add_argument(
        "--store-url",
        help="serve an external SPARQL 1.1 store at this query/update endpoint instead of "
        "--store (MHKG_STORE_URL; password or token only as MHKG_STORE_PASSWORD / "
        "MHKG_STORE_TOKEN, never on the command line)",
    )
    serve.add_argument("--store-query-url", help="its query endpoint, if another")
    serve.add_argument("--store-update-url", help="its update endpoint, if another")
    serve.add_argument("--store-graph-url", help="its Graph Store Protocol endpoint")
    serve.add_argument("--store-username", help="user name for HTTP basic authentication")
    return parser


def _overrides(args: argparse.Namespace) -> dict[str, object]:
    names = {"store": "store_dir", "base_iri": "base_iri", "host": "host", "port": "port"}
    names["workers"] = "workers"
    for remote in ("url", "query_url", "update_url", "graph_url", "username"):
        names[f"store_{remote}"] = f"store_{remote}"
    return {field: getattr(args, arg, None) for arg, field in names.items()}


def _validate(settings: Settings, args: argparse.Namespace) -> int:
    from server.build import check  # imported here: rdflib and pyshacl only where needed

    try:
        result = check(settings, language=args.lang)
    except (OSError, SyntaxError, ValueError) as error:
        print(f"error: cannot read the sources: {error}", file=sys.stderr)
        return EXIT_ERROR
    print(result.report.render(args.lang))
    for problem in result.passage_problems:
        print(f"Passage: {problem}")
    return EXIT_OK if result.ok else EXIT_INVALID


def _build(settings: Settings, args: argparse.Namespace) -> int:
    from server.build import BuildRefused, build

    try:
        result = build(settings)
    except BuildRefused as refused:
        print(refused.check.report.render(), file=sys.stderr)
        for problem in refused.check.passage_problems:
            print(f"Passage: {problem}", file=sys.stderr)
        print(f"error: {refused}", file=sys.stderr)
        return EXIT_INVALID
    except (OSError, SyntaxError, ValueError, RuntimeError) as error:
        print(f"error: build failed, the published store is unchanged: {error}", file=sys.stderr)
        return EXIT_ERROR
    print(
        f"built version {result.version}: {result.triples} triples in {result.graphs} graphs "
        f"in {result.seconds:.2f} s, published in {settings.store_dir}"
    )
    return EXIT_OK


def _query(settings: Settings, args: argparse.Namespace) -> int:
    text = args.query
    if text.endswith(".rq") and Path(text).is_file():
        text = Path(text).read_text(encoding="utf-8")
    store, _version = PublishedStore(StoreDirectory(settings.store_dir)).get()
    try:
        results = store.query(
            text, use_default_graph_as_union=True, prefixes=prefixes(settings.base_iri)
        )
    except SyntaxError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_ERROR
    output = sys.stdout.buffer
    if isinstance(results, ox.QueryBoolean):
        _write_boolean(results, args.format, output)
    elif isinstance(results, ox.QuerySolutions):
        if args.format == "table":
            output.write(render_table(results, prefixes(settings.base_iri)).encode())
        else:
            results.serialize(output, _choose(RESULT_FORMATS, args.format, "results"))
    else:
        graph_format = "ttl" if args.format == "table" else args.format
        ox.serialize(results, output, _choose(GRAPH_FORMATS, graph_format, "graph"))
    output.flush()
    return EXIT_OK


def _write_boolean(result: ox.QueryBoolean, name: str, output) -> None:
    if name == "table":
        output.write(f"{bool(result)}\n".encode())
    else:
        result.serialize(output, _choose(RESULT_FORMATS, name, "results"))


def _choose(formats: dict, name: str, kind: str):
    if name not in formats:
        raise SystemExit(f"error: --format {name} does not fit {kind}; use {', '.join(formats)}")
    return formats[name]


def render_table(solutions: ox.QuerySolutions, known_prefixes: dict[str, str]) -> str:
    """Return the solutions as an aligned text table, IRIs shortened with our prefixes."""
    names = [variable.value for variable in solutions.variables]
    rows = [[_short(row[name], known_prefixes) for name in names] for row in solutions]
    widths = [max([len(name), *(len(row[i]) for row in rows)]) for i, name in enumerate(names)]

    def line(cells: list[str]) -> str:
        return " | ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True))

    table = [line(names), "-+-".join("-" * width for width in widths)]
    table += [line(row) for row in rows]
    table.append(f"({len(rows)} rows)")
    return "\n".join(table) + "\n"


def _short(term: object, known_prefixes: dict[str, str]) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        for name, namespace in known_prefixes.items():
            local = term.value.removeprefix(namespace)
            if local != term.value and "/" not in local and "#" not in local:
                return f"{name}:{local}"
        return f"<{term.value}>"
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


def _load(settings: Settings, args: argparse.Namespace) -> int:
    from server.external import ExternalDataError, load

    try:
        result = load(
            settings,
            args.source,
            args.graph,
            format_name=args.format,
            base_iri=args.base,
            progress_stream=sys.stderr,
        )
    except (ExternalDataError, OSError, SyntaxError, ValueError, RuntimeError) as error:
        message = f"cannot load {args.source}, the published store is unchanged: {error}"
        print(f"error: {message}", file=sys.stderr)
        return EXIT_ERROR
    verb = "replaced" if result.replaced else "loaded"
    print(
        f"{verb} <{result.graph}>: {result.triples} triples from {result.source} "
        f"in {result.seconds:.2f} s, published version {result.version}"
    )
    return EXIT_OK


def _unload(settings: Settings, args: argparse.Namespace) -> int:
    from server.external import ExternalDataError, unload

    try:
        version = unload(settings, args.graph)
    except (ExternalDataError, OSError, ValueError, RuntimeError) as error:
        print(f"error: cannot unload {args.graph}: {error}", file=sys.stderr)
        return EXIT_ERROR
    print(f"removed <{args.graph}>, published version {version}")
    return EXIT_OK


def _graphs(settings: Settings, args: argparse.Namespace) -> int:
    from server.external import list_graphs

    store, version = PublishedStore(StoreDirectory(settings.store_dir)).get()
    infos = list_graphs(settings, store)
    rows = [("graph", "triples", "origin")]
    rows += [(info.graph, f"{info.triples:,}", info.origin) for info in infos]
    graph_width = max(len(graph) for graph, _triples, _origin in rows)
    count_width = max(len(triples) for _graph, triples, _origin in rows)
    for graph, triples, origin in rows:
        print(f"{graph.ljust(graph_width)}  {triples.rjust(count_width)}  {origin}")
    print(f"({len(infos)} graphs in version {version})")
    return EXIT_OK


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    from server.backends import uses_remote_store
    from server.serve import serve  # imported here: granian is only needed to serve

    if not uses_remote_store(settings):
        StoreDirectory(settings.store_dir).current_path()  # fail early with a clear message
    serve(settings)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
