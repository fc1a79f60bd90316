"""Validating the shapes in parts, as `mhkg build` does in parallel, misses nothing.

The build splits the shapes into groups validated at the same time (server.build.check).
Regression guard for that speed-up: the union of the parts' results must equal the results
of one validation with every shape, on data that breaks many shapes at once.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import SH

from server.validation import ValidationReport, combined, shape_partition, validate

ROOT = Path(__file__).resolve().parents[2]
BASE_IRI = "https://mensenhandel-kg.nl/"
TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
INVALID_CASES = sorted((ROOT / "tests" / "data" / "shapes" / "invalid").glob("*.ttl"))


def _parse(paths: list[Path]) -> Graph:
    graph = Graph()
    for path in paths:
        graph.parse(path, format="turtle", publicID=BASE_IRI)
    return graph


@pytest.fixture(scope="module")
def graphs() -> tuple[Graph, Graph]:
    """Data breaking many shapes (every invalid case, and the ontology), and all shapes."""
    assert INVALID_CASES, "no invalid shape cases found"
    ontology = sorted((ROOT / "ontology").glob("*.ttl"))
    shapes = sorted((ROOT / "shapes").glob("*.ttl"))
    assert ontology and shapes
    return _parse(ontology + INVALID_CASES), _parse(shapes)


@pytest.fixture(scope="module")
def whole(graphs: tuple[Graph, Graph]) -> ValidationReport:
    """The report of one validation with every shape."""
    data, shapes = graphs
    return validate(data, shapes)


@pytest.mark.parametrize("parts", [2])
def test_the_parts_give_exactly_the_results_of_the_whole(
    graphs: tuple[Graph, Graph], whole: ValidationReport, parts: int
) -> None:
    data, shapes = graphs
    partition = shape_partition(shapes, parts)
    assert partition is not None and len(partition) == parts
    reports = [validate(data, part) for part in partition]
    assert len(whole.violations) > 20  # the data does break many shapes
    assert combined(reports) == whole


def test_every_target_is_kept_in_exactly_one_part(graphs: tuple[Graph, Graph]) -> None:
    _data, shapes = graphs
    partition = shape_partition(shapes, 3)
    assert partition is not None
    targets = [triple for triple in shapes if triple[1] in TARGETS]
    assert len(targets) > 50
    for triple in targets:
        assert sum(triple in part for part in partition) == 1
    assert all(len(part) == len(shapes) - len(targets) + sum(t in part for t in targets)
               for part in partition)  # fmt: skip


def test_a_shape_that_is_a_class_is_not_split() -> None:
    shapes = Graph().parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        <http://example.org/C> a sh:NodeShape , rdfs:Class ;
           sh:property [ sh:path <http://example.org/p> ; sh:minCount 1 ] .
        """,
        format="turtle",
    )
    assert shape_partition(shapes, 2) is None


def test_blank_node_shapes_keep_their_targets_in_the_first_part() -> None:
    shapes = Graph().parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        [] a sh:NodeShape ; sh:targetClass <http://example.org/C> ;
           sh:property [ sh:path <http://example.org/p> ; sh:minCount 1 ] .
        """,
        format="turtle",
    )
    first, second = shape_partition(shapes, 2) or (Graph(), Graph())
    assert (None, SH.targetClass, None) in first
    assert (None, SH.targetClass, None) not in second


_MESSAGES_SCRIPT = """
import sys
from pathlib import Path
from rdflib import Graph
from server.validation import validate
root = Path(sys.argv[1])
data, shapes = Graph(), Graph()
for path in sorted((root / "ontology").glob("*.ttl")) + [Path(sys.argv[2])]:
    data.parse(path, format="turtle", publicID=sys.argv[3])
for path in sorted((root / "shapes").glob("*.ttl")):
    shapes.parse(path, format="turtle", publicID=sys.argv[3])
for language in ("en", "nl"):
    for result in validate(data, shapes, language).violations:
        print(language, result.message)
"""


def test_a_filled_in_message_comes_in_the_asked_language_whatever_the_hash_seed() -> None:
    # pySHACL drops the language tag of messages it fills in ({?value}), and the report
    # lists them in an order that follows Python's string hashing: run several seeds.
    case = ROOT / "tests" / "data" / "shapes" / "invalid" / "KamerstukShape-003.ttl"
    outputs = set()
    for seed in ("1", "2", "4", "8"):
        finished = subprocess.run(
            [sys.executable, "-c", _MESSAGES_SCRIPT, str(ROOT), str(case), BASE_IRI],
            env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        outputs.add(finished.stdout)
    assert len(outputs) == 1, outputs
    lines = outputs.pop().splitlines()
    english = [line for line in lines if line.startswith("en ")]
    dutch = [line for line in lines if line.startswith("nl ")]
    assert any("does not match" in line for line in english), english
    assert not any("past niet bij" in line for line in english), english
    assert any("past niet bij" in line for line in dutch), dutch
