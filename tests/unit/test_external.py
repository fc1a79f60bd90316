"""External data: `mhkg load`, `unload` and `graphs` on a small store built for these tests."""

from __future__ import annotations

import gzip
import http.server
import io
import shutil
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import graph_diff, isomorphic

from server import external
from server.build import build, turtle_sources
from server.cli import main
from server.config import PROJECT_ROOT, Settings
from server.external import Progress, load
from server.store import PublishedStore, StoreDirectory

FIXTURES = PROJECT_ROOT / "tests" / "data" / "external"
TOOI_SAMPLE = PROJECT_ROOT / "data" / "external" / "tooi-organisaties.ttl"
QUERY = PROJECT_ROOT / "queries" / "tooi-organisaties-van-actoren.rq"
BASE = Settings().base_iri
EXTERNAL = f"{BASE}graph/external/tooi"
ACTORS_TTL = """\
@prefix owl:  <http://www.w3.org/2002/07/owl#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<id/organisatie/ministerie-jenv>
    skos:prefLabel "ministerie van Justitie en Veiligheid"@nl ,
        "Ministry of Justice and Security"@en ;
    owl:sameAs <https://identifier.overheid.nl/tooi/id/ministerie/mnre1058> .
<id/organisatie/gemeente-ede>
    skos:prefLabel "gemeente Ede"@nl ;
    owl:sameAs <https://identifier.overheid.nl/tooi/id/gemeente/gm0228> .
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A tiny project with one curated data file, published as a store version.

    The store is written directly, not by `build`, so these tests do not depend on the
    project's real data validating. The CLI sees the same settings through MHKG_*.
    """
    settings = Settings(
        store_dir=tmp_path / "store",
        ontology_dir=tmp_path / "ontology",
        data_dir=tmp_path / "data",
        shapes_dir=tmp_path / "shapes",
    )
    for directory in (settings.ontology_dir, settings.data_dir, settings.shapes_dir):
        directory.mkdir()
    (settings.data_dir / "actors.ttl").write_text(ACTORS_TTL, encoding="utf-8")
    for name in ("store_dir", "ontology_dir", "data_dir", "shapes_dir"):
        monkeypatch.setenv(f"MHKG_{name.upper()}", str(getattr(settings, name)))
    _publish_curated(settings)
    return settings


def _publish_curated(settings: Settings) -> None:
    directory = StoreDirectory(settings.store_dir)
    with directory.building() as path:
        store = ox.Store(str(path))
        for source in turtle_sources(settings):
            store.load(
                path=source.path,
                format=ox.RdfFormat.TURTLE,
                base_iri=settings.base_iri,
                to_graph=ox.NamedNode(source.graph_iri),
            )
        store.flush()
        del store
    directory.publish(path)


def _published(settings: Settings) -> ox.Store:
    return PublishedStore(StoreDirectory(settings.store_dir)).get()[0]


def _graph_as_rdflib(store: ox.Store, graph_iri: str) -> rdflib.Graph:
    output = io.BytesIO()
    store.dump(output, format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(graph_iri))
    return rdflib.Graph().parse(data=output.getvalue(), format="nt")


def _assert_isomorphic(actual: rdflib.Graph, expected: rdflib.Graph) -> None:
    if not isomorphic(actual, expected):
        _both, only_actual, only_expected = graph_diff(actual, expected)
        pytest.fail(
            "graphs differ\nonly loaded:\n"
            + only_actual.serialize(format="nt")
            + "only expected:\n"
            + only_expected.serialize(format="nt")
        )


def _expected() -> rdflib.Graph:
    return rdflib.Graph().parse(FIXTURES / "organisaties.ttl")


def _versions(settings: Settings) -> list[str]:
    return sorted(path.name for path in StoreDirectory(settings.store_dir).versions.iterdir())


# --- formats -----------------------------------------------------------------------------


@pytest.mark.parametrize("extension", ["ttl", "nt", "nq", "trig", "rdf", "jsonld"])
def test_every_format_loads_into_the_named_graph(project: Settings, extension: str) -> None:
    """Quad formats too: their default and named graphs all end up in the target graph."""
    assert main(["load", str(FIXTURES / f"organisaties.{extension}"), "--graph", EXTERNAL]) == 0
    store = _published(project)
    _assert_isomorphic(_graph_as_rdflib(store, EXTERNAL), _expected())
    assert not store.contains_named_graph(ox.NamedNode("https://example.org/graph/ministeries"))


@pytest.mark.parametrize("name", ["organisaties.ttl.gz", "organisaties.ttl"])
def test_gzip_is_recognised_by_extension_and_by_magic_number(
    project: Settings, tmp_path: Path, name: str
) -> None:
    compressed = tmp_path / name
    compressed.write_bytes(gzip.compress((FIXTURES / "organisaties.ttl").read_bytes(), mtime=0))
    assert main(["load", str(compressed), "--graph", EXTERNAL]) == 0
    _assert_isomorphic(_graph_as_rdflib(_published(project), EXTERNAL), _expected())


@pytest.mark.parametrize("format_name", ["nt", "application/n-triples"])
def test_format_option_overrides_the_extension(
    project: Settings, tmp_path: Path, format_name: str
) -> None:
    source = tmp_path / "organisaties.data"
    shutil.copy(FIXTURES / "organisaties.nt", source)
    assert main(["load", str(source), "--graph", EXTERNAL, "--format", format_name]) == 0
    _assert_isomorphic(_graph_as_rdflib(_published(project), EXTERNAL), _expected())


def test_an_unknown_format_is_an_error(
    project: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "organisaties.data"
    shutil.copy(FIXTURES / "organisaties.nt", source)
    assert main(["load", str(source), "--graph", EXTERNAL]) == 2
    assert capsys.readouterr().err.startswith("error: ")


def test_n_triples_without_blank_nodes_load_in_several_chunks(
    project: Settings, tmp_path: Path
) -> None:
    lines = (FIXTURES / "organisaties.nt").read_text(encoding="utf-8").splitlines(keepends=True)
    source = tmp_path / "named-only.nt"
    source.write_text("".join(line for line in lines if "_:" not in line), encoding="utf-8")
    load(project, str(source), EXTERNAL, chunk_quads=2)
    expected = rdflib.Graph().parse(source)
    _assert_isomorphic(_graph_as_rdflib(_published(project), EXTERNAL), expected)


def test_blank_nodes_stay_one_node_across_chunks(project: Settings) -> None:
    """Regression: each bulk_load call renames blank nodes, so the loader parses once."""
    load(project, str(FIXTURES / "organisaties.nt"), EXTERNAL, chunk_quads=1)
    _assert_isomorphic(_graph_as_rdflib(_published(project), EXTERNAL), _expected())


@pytest.fixture
def served_gzip(tmp_path: Path) -> Iterator[str]:
    """Serve the Turtle fixture gzipped, under a name without .gz, on the loopback address."""
    (tmp_path / "web").mkdir()
    body = gzip.compress((FIXTURES / "organisaties.ttl").read_bytes(), mtime=0)
    (tmp_path / "web" / "organisaties.ttl").write_bytes(body)
    handler = partial(_QuietHandler, directory=str(tmp_path / "web"))
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{server.server_address[1]}/organisaties.ttl"
        server.shutdown()
        thread.join()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def test_a_url_is_streamed_and_recorded_as_the_source(project: Settings, served_gzip: str) -> None:
    result = load(project, served_gzip, EXTERNAL)
    assert result.source == served_gzip
    _assert_isomorphic(_graph_as_rdflib(_published(project), EXTERNAL), _expected())


# --- progress ----------------------------------------------------------------------------


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_writes_periodic_lines_with_triples_per_second_to_a_pipe() -> None:
    output, clock = io.StringIO(), _Clock()
    progress = Progress(output, "loading x.nt", total_bytes=10**7, interval=5.0, clock=clock)
    clock.now = 2.0
    progress.update(200_000, 2 * 10**6)  # within the interval: not shown
    clock.now = 5.0
    progress.update(500_000, 5 * 10**6)
    clock.now = 10.0
    progress.finish(1_000_000)
    lines = output.getvalue().splitlines()
    assert "\r" not in output.getvalue()
    assert lines == [
        "loading x.nt  [############............]  50%  500,000 triples  100,000 triples/s  "
        "5.0/10.0 MB",
        "loading x.nt: 1,000,000 triples in 10.0 s (100,000 triples/s)",
    ]


def test_progress_rewrites_one_line_on_a_terminal() -> None:
    output, clock = _Terminal(), _Clock()
    progress = Progress(output, "loading x.nt", clock=clock)
    for second in (1.0, 2.0):
        clock.now = second
        progress.update(int(second * 1000), 0)
    progress.finish(2000)
    text = output.getvalue()
    assert text.count("\r") == 3
    assert text.endswith("\rloading x.nt: 2,000 triples in 2.0 s (1,000 triples/s)\x1b[K\n")
    assert text.count("\n") == 1


def test_load_reports_progress_on_stderr(
    project: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["load", str(FIXTURES / "organisaties.nt"), "--graph", EXTERNAL]) == 0
    captured = capsys.readouterr()
    assert "loading organisaties.nt: 7 triples in" in captured.err
    assert "triples/s" in captured.err
    assert captured.out.startswith(f"loaded <{EXTERNAL}>: 7 triples")


# --- refusals and failures ---------------------------------------------------------------


@pytest.mark.parametrize(
    "graph",
    [
        f"{BASE}graph/data/actors",
        f"{BASE}graph/ontology/core",
        f"{BASE}graph/shapes/actors",
        f"{BASE}graph/data/something-new",
        f"{BASE}graph/catalogue",
        "not-an-iri",
    ],
)
def test_curated_and_catalogue_graphs_are_refused(
    project: Settings, graph: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _versions(project)
    assert main(["load", str(FIXTURES / "organisaties.ttl"), "--graph", graph]) == 2
    assert capsys.readouterr().err.startswith("error: ")
    assert _versions(project) == before


@pytest.mark.parametrize("name", ["broken.nt", "broken.ttl"])
def test_a_failed_load_leaves_the_published_store_untouched(
    project: Settings, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    """A parse error after some chunks were written publishes nothing and leaves no version."""
    directory = StoreDirectory(project.store_dir)
    current, before = directory.current_version(), _versions(project)
    with pytest.raises(SyntaxError, match="line"):
        load(project, str(FIXTURES / name), EXTERNAL, chunk_quads=1)
    assert main(["load", str(FIXTURES / name), "--graph", EXTERNAL]) == 2
    assert "error: cannot load" in capsys.readouterr().err
    assert (directory.current_version(), _versions(project)) == (current, before)
    assert not _published(project).contains_named_graph(ox.NamedNode(EXTERNAL))


def test_a_syntax_error_names_the_line_of_the_file(project: Settings) -> None:
    """Regression: N-Triples are bulk-loaded in chunks, whose parser counts from 1."""
    with pytest.raises(SyntaxError, match="counting from line 4"):
        load(project, str(FIXTURES / "broken.nt"), EXTERNAL, chunk_quads=1)


def test_a_missing_file_is_an_error(project: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["load", str(FIXTURES / "absent.ttl"), "--graph", EXTERNAL]) == 2
    assert capsys.readouterr().err.startswith("error: ")


# --- the catalogue -----------------------------------------------------------------------

CATALOGUE_RECORD = """
PREFIX void: <http://rdfs.org/ns/void#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX mh: <https://mensenhandel-kg.nl/def#>
SELECT ?graph ?source ?loadedAt ?triples ?format WHERE {
  GRAPH <https://mensenhandel-kg.nl/graph/catalogue> {
    ?graph a void:Dataset, mh:ExternalGraph ;
      prov:wasDerivedFrom ?source ;
      prov:generatedAtTime ?loadedAt ;
      void:triples ?triples ;
      dct:format ?format .
  }
}
"""


def _catalogue_records(settings: Settings) -> list[dict[str, ox.Literal | ox.NamedNode]]:
    solutions = _published(settings).query(
        CATALOGUE_RECORD, substitutions={ox.Variable("graph"): ox.NamedNode(EXTERNAL)}
    )
    return [
        {name: solution[name] for name in ("source", "loadedAt", "triples", "format")}
        for solution in solutions
    ]


def test_the_catalogue_records_source_time_size_and_format(project: Settings) -> None:
    load(project, str(FIXTURES / "organisaties.ttl"), EXTERNAL)
    [record] = _catalogue_records(project)
    assert record["source"] == ox.NamedNode((FIXTURES / "organisaties.ttl").resolve().as_uri())
    assert record["loadedAt"].datatype == ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime")
    assert record["triples"] == ox.Literal(
        "7", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
    )
    assert record["format"] == ox.Literal("text/turtle")


def test_loading_again_replaces_the_graph_and_its_record(project: Settings) -> None:
    load(project, str(FIXTURES / "organisaties.ttl"), EXTERNAL)
    result = load(project, str(FIXTURES / "organisaties.jsonld"), EXTERNAL)
    assert result.replaced
    [record] = _catalogue_records(project)
    assert record["format"] == ox.Literal("application/ld+json")
    assert len(_graph_as_rdflib(_published(project), EXTERNAL)) == 7


def test_the_recorded_size_counts_duplicate_triples_once(project: Settings, tmp_path: Path) -> None:
    lines = (FIXTURES / "organisaties.nt").read_text(encoding="utf-8").splitlines(keepends=True)
    source = tmp_path / "twice.nt"
    source.write_text("".join(lines + lines[:3]), encoding="utf-8")
    assert load(project, str(source), EXTERNAL).triples == 7
    [record] = _catalogue_records(project)
    assert record["triples"].value == "7"


def test_a_rebuild_keeps_loaded_graphs_and_the_catalogue(project: Settings) -> None:
    """Guards the contract with `mhkg build`: it replaces only the curated graphs."""
    load(project, str(FIXTURES / "organisaties.ttl"), EXTERNAL)
    build(project)
    store = _published(project)
    assert len(_graph_as_rdflib(store, EXTERNAL)) == 7
    assert len(_catalogue_records(project)) == 1
    assert store.contains_named_graph(ox.NamedNode(f"{BASE}graph/data/actors"))


def test_build_does_not_read_data_external() -> None:
    """The sample TOOI list is external data: `mhkg build` must not make it curated."""
    sources = [source.path for source in turtle_sources(Settings())]
    assert sources, "no curated sources found"
    assert not [path for path in sources if "external" in path.parts]


# --- unload and graphs -------------------------------------------------------------------


def test_unload_removes_the_graph_and_its_record(
    project: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    load(project, str(FIXTURES / "organisaties.ttl"), EXTERNAL)
    monkeypatch.setattr(external, "CHUNK_QUADS", 2)  # delete in several batches
    assert main(["unload", "--graph", EXTERNAL]) == 0
    assert not _published(project).contains_named_graph(ox.NamedNode(EXTERNAL))
    assert _catalogue_records(project) == []
    before = _versions(project)
    assert main(["unload", "--graph", EXTERNAL]) == 2
    assert capsys.readouterr().err.startswith("error: ")
    assert _versions(project) == before


def test_unload_refuses_curated_graphs(
    project: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["unload", "--graph", f"{BASE}graph/data/actors"]) == 2
    assert capsys.readouterr().err.startswith("error: ")
    assert _published(project).contains_named_graph(ox.NamedNode(f"{BASE}graph/data/actors"))


def test_graphs_lists_size_and_origin_of_every_graph(
    project: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    load(project, str(FIXTURES / "organisaties.ttl"), EXTERNAL)
    capsys.readouterr()
    assert main(["graphs"]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    assert lines[f"{BASE}graph/data/actors"].split()[1:] == ["5", "data/actors.ttl"]
    external = lines[EXTERNAL].split()
    assert external[1:4] == ["7", "loaded", "from"]
    assert external[4] == (FIXTURES / "organisaties.ttl").resolve().as_uri()
    assert external[5] == "at"
    assert lines[f"{BASE}graph/catalogue"].split()[1] == "6"


# --- the competency query across curated and external graphs -----------------------------


def test_the_tooi_query_joins_curated_actors_with_the_loaded_tooi_list(
    project: Settings,
) -> None:
    assert main(["load", str(TOOI_SAMPLE), "--graph", EXTERNAL]) == 0
    solutions = _published(project).query(QUERY.read_text(encoding="utf-8"))
    rows = [
        (row["actor"].value, row["name"].value, row["tooiName"].value, row["graph"].value)
        for row in solutions
    ]
    assert rows == [
        (
            f"{BASE}id/organisatie/gemeente-ede",
            "gemeente Ede",
            "gemeente Ede",
            EXTERNAL,
        ),
        (
            f"{BASE}id/organisatie/ministerie-jenv",
            "ministerie van Justitie en Veiligheid",
            "ministerie van Justitie en Veiligheid",
            EXTERNAL,
        ),
    ]


def test_the_tooi_sample_uses_only_verified_codes() -> None:
    """Only the TOOI codes checked in shared/reference/identifiers.md may appear."""
    verified = {
        "ministerie/mnre1058", "ministerie/mnre1073", "ministerie/mnre1025",
        "ministerie/mnre1109", "ministerie/mnre1034", "ministerie/mnre1013",
        "gemeente/gm0363", "gemeente/gm0228", "gemeente/gm0344",
        "oorg/oorg12371", "oorg/oorg10264", "oorg/oorg12374", "oorg/oorg12349",
        "oorg/oorg10222", "oorg/oorg12351", "oorg/oorg12375", "oorg/oorg10114",
        "zbo/zb000193", "zbo/zb000161", "zbo/zb100006",
    }  # fmt: skip
    graph = rdflib.Graph().parse(TOOI_SAMPLE)
    prefix = "https://identifier.overheid.nl/tooi/id/"
    used = {str(s).removeprefix(prefix) for s in graph.subjects() if str(s).startswith(prefix)}
    assert used
    assert used <= verified
