"""Check every SHACL data shape against its cases in tests/data/shapes/{valid,invalid}/.

A case file is named after the node shape it exercises, `<ShapeLocalName>-NNN.ttl`, and its
first line is a comment saying what it checks. A valid case must produce no validation
result at all (of any severity). An invalid case must produce a sh:Violation from the named
node shape or one of its property shapes (`mhsh:<Shape>-...`), and no result from any other
shape, so that each case shows exactly one thing. An invalid case whose first line starts
with `# [Warning]` expects a sh:Warning instead; every node shape still needs at least one
invalid case that is a Violation.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pyshacl
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH

ROOT = Path(__file__).resolve().parents[2]
SHAPES_DIR = ROOT / "shapes"
CASES_DIR = ROOT / "tests" / "data" / "shapes"
BASE_IRI = "https://mensenhandel-kg.nl/"
SHAPES_NS = BASE_IRI + "def/shapes#"
# Shapes files that do not check the data (ontology-lint checks the ontology itself).
NOT_DATA_SHAPES = {"ontology-lint.ttl"}
TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)

CASES = sorted(CASES_DIR.glob("valid/*.ttl")) + sorted(CASES_DIR.glob("invalid/*.ttl"))


def _parse(*paths: Path) -> Graph:
    graph = Graph()
    for path in paths:
        graph.parse(path, format="turtle", publicID=BASE_IRI)
    return graph


@lru_cache(maxsize=1)
def _shapes_graph() -> Graph:
    files = sorted(p for p in SHAPES_DIR.glob("*.ttl") if p.name not in NOT_DATA_SHAPES)
    assert files, f"no shapes files in {SHAPES_DIR}"
    return _parse(*files)


def _validate(data_graph: Graph, shapes_graph: Graph) -> tuple[bool, Graph]:
    """Validate `data_graph` against `shapes_graph` without inference; return (conforms, report)."""
    conforms, report, _text = pyshacl.validate(
        data_graph,
        shacl_graph=shapes_graph,
        inference="none",
        abort_on_first=False,
        allow_warnings=False,
    )
    return conforms, report


def _results(report: Graph) -> list[tuple[URIRef, URIRef, str, str]]:
    """Return (severity, source shape, focus node, message) for every top-level result of a report.

    Results nested under sh:detail (why an sh:node or sh:or reference failed) are left out:
    the top-level result of the referring property shape already names the problem.
    """
    rows = []
    for result in report.objects(None, SH.result):
        messages = [
            str(m)
            for m in report.objects(result, SH.resultMessage)
            if getattr(m, "language", None) != "nl"
        ]
        rows.append(
            (
                report.value(result, SH.resultSeverity),
                report.value(result, SH.sourceShape),
                str(report.value(result, SH.focusNode)),
                "; ".join(messages),
            )
        )
    return rows


def _describe(rows: list[tuple[URIRef, URIRef, str, str]]) -> str:
    return "\n".join(
        f"  {str(sev).rsplit('#', 1)[-1]} {str(shape).replace(SHAPES_NS, 'mhsh:')}"
        f" on {focus}: {msg}"
        for sev, shape, focus, msg in rows
    )


def _from_shape(source_shape: URIRef, shape_iri: str) -> bool:
    return str(source_shape) == shape_iri or str(source_shape).startswith(shape_iri + "-")


def _shape_name(case: Path) -> str:
    return case.stem.rsplit("-", 1)[0]


def _expects_warning(case: Path) -> bool:
    with case.open(encoding="utf-8") as handle:
        return handle.readline().startswith("# [Warning]")


def test_every_node_shape_has_valid_and_invalid_cases() -> None:
    """Every targeted node shape has a valid case and an invalid case that is a Violation.

    Helper shapes without a target (mhsh:Is*, mhsh:In*) are only reached through sh:node; their
    failures are reported by the referring property shape, which the cases exercise.
    """
    assert CASES, f"no shape cases found under {CASES_DIR}"
    shapes = _shapes_graph()
    targeted = {
        str(shape)
        for shape in shapes.subjects(RDF.type, SH.NodeShape)
        if any(shapes.value(shape, target) is not None for target in TARGETS)
    }
    assert targeted, "no targeted node shapes found"
    valid = {SHAPES_NS + _shape_name(c) for c in CASES if c.parent.name == "valid"}
    invalid = {
        SHAPES_NS + _shape_name(c)
        for c in CASES
        if c.parent.name == "invalid" and not _expects_warning(c)
    }
    assert not targeted - valid, f"node shapes without a valid case: {sorted(targeted - valid)}"
    assert not targeted - invalid, (
        f"node shapes without an invalid (Violation) case: {sorted(targeted - invalid)}"
    )
    unknown = {SHAPES_NS + _shape_name(c) for c in CASES} - targeted
    assert not unknown, f"cases named after no targeted node shape: {sorted(unknown)}"


def test_every_property_shape_and_sparql_constraint_is_named_and_bilingual() -> None:
    """Every property shape and SPARQL constraint is named, with sh:name/sh:message in nl and en."""
    shapes = _shapes_graph()
    checked = set(shapes.subjects(RDF.type, SH.PropertyShape)) | set(
        shapes.objects(None, SH.property)
    )
    checked |= set(shapes.objects(None, SH.sparql))
    assert checked, "no property shapes found"
    problems = []
    for node in sorted(checked, key=str):
        if not isinstance(node, URIRef):
            problems.append(f"blank node {node} (used by {shapes.value(None, SH.property, node)})")
            continue
        wanted = (
            (SH.message,)
            if (node, RDF.type, SH.SPARQLConstraint) in shapes
            else (SH.name, SH.message)
        )
        for predicate in wanted:
            languages = {
                getattr(value, "language", None) for value in shapes.objects(node, predicate)
            }
            if not {"nl", "en"} <= languages:
                problems.append(
                    f"{node}: {predicate.n3(shapes.namespace_manager)} not in nl and en"
                )
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("case", CASES, ids=lambda case: f"{case.parent.name}/{case.stem}")
def test_shape_case(case: Path) -> None:
    """A valid case passes every data shape; an invalid one fails only the shape it names."""
    assert CASES, f"no shape cases found under {CASES_DIR}"
    first_line = case.read_text(encoding="utf-8").splitlines()[0]
    assert first_line.startswith("# "), (
        f"{case.name}: the first line must be a comment saying what it checks"
    )

    conforms, report = _validate(_parse(case), _shapes_graph())
    rows = _results(report)

    if case.parent.name == "valid":
        assert conforms and not rows, f"{case.name} should pass but got:\n{_describe(rows)}"
        return

    shape_iri = SHAPES_NS + _shape_name(case)
    severity = SH.Warning if _expects_warning(case) else SH.Violation
    assert not conforms, f"{case.name} should fail {shape_iri} but conforms"
    assert any(sev == severity and _from_shape(src, shape_iri) for sev, src, _f, _m in rows), (
        f"{case.name}: no {severity.rsplit('#', 1)[-1]} from {shape_iri}; got:\n{_describe(rows)}"
    )
    others = [row for row in rows if not _from_shape(row[1], shape_iri)]
    assert not others, (
        f"{case.name}: results from other shapes (the case is not minimal):\n{_describe(others)}"
    )
