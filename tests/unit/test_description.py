"""The dataset description built from facts: settings, loaded graphs, and the downloads' copy."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from server.config import Settings
from server.description import ExternalGraph, Facts, describe
from server.dumps import DUMP_FORMATS, DumpFile

BASE = "https://mensenhandel-kg.nl/"
DCAT = "http://www.w3.org/ns/dcat#"
VCARD = "http://www.w3.org/2006/vcard/ns#"
PROV = "http://www.w3.org/ns/prov#"
VERSION = "20210219T120000.000000000Z-abcdef"
FACTS = Facts(
    VERSION,
    {BASE + "graph/data/actors": 421, "https://example.org/graph/tooi": 60},
    (
        ExternalGraph(
            "https://example.org/graph/tooi",
            "file:///data/tooi.ttl",
            "2021-02-20T10:00:00+00:00",
            "text/turtle",
            (BASE + "def#ExternalGraph",),
        ),
    ),
)


def objects(triples: list[ox.Triple], predicate: str) -> list[object]:
    return [t.object for t in triples if t.predicate == ox.NamedNode(predicate)]


def test_the_contact_point_has_an_email_only_when_one_is_set() -> None:
    without = describe(Settings(), FACTS, "https://example.org/", None)
    assert objects(without, VCARD + "hasEmail") == []
    assert objects(without, VCARD + "hasURL") == [ox.NamedNode("https://example.org/")]
    with_email = describe(Settings(contact_email="data@example.org"), FACTS, "https://x.nl", None)
    assert objects(with_email, VCARD + "hasEmail") == [ox.NamedNode("mailto:data@example.org")]


def test_the_copy_in_the_downloads_has_no_sizes_and_the_served_one_has(tmp_path: Path) -> None:
    settings = Settings()
    assert objects(describe(settings, FACTS, "https://x.nl/", None), DCAT + "byteSize") == []
    files = [
        DumpFile(f, tmp_path / f"x.{f.extension}.gz", 100 + i, "ab" * 32)
        for i, f in enumerate(DUMP_FORMATS)
    ]
    sizes = objects(describe(settings, FACTS, "https://x.nl/", files), DCAT + "byteSize")
    assert sorted(int(size.value) for size in sizes) == [100, 101, 102, 103]


def test_download_urls_name_the_version_under_the_server_root() -> None:
    urls = objects(describe(Settings(), FACTS, "http://127.0.0.1:8000", None), DCAT + "downloadURL")
    assert sorted(u.value for u in urls) == sorted(
        f"http://127.0.0.1:8000/download/mensenhandel-kg-{VERSION}.{f.extension}.gz"
        for f in DUMP_FORMATS
    )


def test_loaded_graphs_keep_their_origin_and_iris_follow_the_base() -> None:
    triples = describe(Settings(base_iri="http://example.org/kg/"), FACTS, "https://x.nl/", None)
    tooi = ox.NamedNode("https://example.org/graph/tooi")
    about = {(t.predicate.value, t.object) for t in triples if t.subject == tooi}
    assert (PROV + "wasDerivedFrom", ox.NamedNode("file:///data/tooi.ttl")) in about
    assert any(p == PROV + "generatedAtTime" for p, _ in about)
    subjects = {t.subject.value for t in triples if isinstance(t.subject, ox.NamedNode)}
    assert "http://example.org/kg/id/dataset/mensenhandel-kg" in subjects
    assert not any(s.startswith(BASE + "id/") for s in subjects)  # graphs are as given
