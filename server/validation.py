"""Validate RDF against SHACL shapes and report the results in a readable form."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pyshacl
from pyshacl.shapes_graph import ShapesGraph
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.term import Node

SH = Namespace("http://www.w3.org/ns/shacl#")
_SEVERITY_ORDER = {SH.Violation: 0, SH.Warning: 1, SH.Info: 2}
# The ways a shape names its focus nodes, besides being a class itself.
_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)


@dataclass(frozen=True)
class ValidationResult:
    """One line of a SHACL report."""

    severity: str  # "Violation", "Warning" or "Info"
    focus_node: str
    path: str | None
    message: str
    source_shape: str
    value: str | None


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of validating a data graph: conforms when no result is a Violation."""

    results: tuple[ValidationResult, ...]

    @property
    def conforms(self) -> bool:
        return not self.violations

    @property
    def violations(self) -> tuple[ValidationResult, ...]:
        return tuple(result for result in self.results if result.severity == "Violation")

    def render(self, language: str = "en") -> str:
        """Return the report as text: one block per result, most severe first."""
        if not self.results:
            return "Conforms: no violations, warnings or hints."
        lines = []
        for result in self.results:
            lines.append(f"{result.severity}: {result.focus_node}")
            if result.path:
                lines.append(f"  path:    {result.path}")
            if result.value:
                lines.append(f"  value:   {result.value}")
            lines.append(f"  message: {result.message}")
            lines.append(f"  shape:   {result.source_shape}")
        counts = {name: 0 for name in ("Violation", "Warning", "Info")}
        for result in self.results:
            counts[result.severity] += 1
        violations, warnings, hints = counts.values()
        lines.append(f"{violations} violations, {warnings} warnings, {hints} hints.")
        return "\n".join(lines)


def validate(data: Graph, shapes: Graph, language: str = "en") -> ValidationReport:
    """Validate `data` against `shapes`; messages in `language` where the shapes offer it."""
    _conforms, report_graph, _text = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", allow_warnings=True, allow_infos=True
    )
    # Only top-level results: the nested sh:detail results repeat them from helper shapes.
    results = [
        _result(report_graph, shapes, node, language)
        for node in report_graph.objects(None, SH.result)
    ]
    return combined([ValidationReport(tuple(results))])


def combined(reports: Sequence[ValidationReport]) -> ValidationReport:
    """Return one report with the results of `reports`, most severe first, in a fixed order."""
    results = sorted(
        (result for report in reports for result in report.results),
        key=lambda r: (
            _SEVERITY_ORDER[SH[r.severity]], r.focus_node, r.path or "", r.source_shape,
            r.value or "", r.message,
        ),
    )  # fmt: skip
    return ValidationReport(tuple(results))


def shape_partition(shapes: Graph, parts: int) -> list[Graph] | None:
    """Return `parts` copies of `shapes` that each keep the targets of one group of shapes.

    A validation report is the union of what each shape finds at its targets (SHACL 3.4);
    a shape without targets is still evaluated wherever another shape refers to it. So
    validating the same data against every copy gives together exactly the results of one
    validation against `shapes`. Shapes named by IRIs are dealt round-robin in sorted order,
    every blank-node shape stays in the first copy (its identifier differs from one parse
    to the next), and None is returned if a shape is targeted implicitly, as a class.
    """
    shapes_graph = ShapesGraph(shapes)
    if any(shape.implicit_class_targets() for shape in shapes_graph.shapes):
        return None
    targeted = {subject for predicate in _TARGETS for subject in shapes.subjects(predicate, None)}
    named = sorted(str(shape) for shape in targeted if isinstance(shape, URIRef))
    owner = {URIRef(name): index % parts for index, name in enumerate(named)}
    copies = []
    for part in range(parts):
        copy = Graph()
        for prefix, namespace in shapes.namespaces():
            copy.bind(prefix, namespace)
        for triple in shapes:
            subject, predicate, _ = triple
            if predicate in _TARGETS and owner.get(subject, 0) != part:
                continue
            copy.add(triple)
        copies.append(copy)
    return copies


def _result(report: Graph, shapes: Graph, node: Node, language: str) -> ValidationResult:
    severity = report.value(node, SH.resultSeverity)
    return ValidationResult(
        severity=str(severity).rsplit("#", 1)[-1],
        focus_node=_show(report.value(node, SH.focusNode)),
        path=_show(report.value(node, SH.resultPath)),
        message=_message(report, shapes, node, language),
        source_shape=_show(report.value(node, SH.sourceShape)),
        value=_show(report.value(node, SH.value)),
    )


def _message(report: Graph, shapes: Graph, node: Node, language: str) -> str:
    """Return the result's message in `language`, the same one every time.

    pySHACL gives every sh:message of the shape and of its SPARQL constraint, and drops the
    language tags of those it filled in ({?value}). An untagged message is in `language`
    if it matches a template tagged so, the constraint's (the specific one) before the
    shape's; otherwise the first in sorted order, never whichever the graph yields first.
    """
    messages = sorted(report.objects(node, SH.resultMessage), key=str)
    if not messages:
        return "(no message)"
    tagged = [m for m in messages if isinstance(m, Literal) and m.language == language]
    if tagged:
        return str(tagged[0])
    for source in (report.value(node, SH.sourceConstraint), report.value(node, SH.sourceShape)):
        if source is None:
            continue
        templates = [
            _template_pattern(str(template))
            for template in shapes.objects(source, SH.message)
            if isinstance(template, Literal) and template.language == language
        ]
        for message in messages:
            if any(pattern.fullmatch(str(message)) for pattern in templates):
                return str(message)
    return str(messages[0])


def _template_pattern(template: str) -> re.Pattern[str]:
    """Return a pattern matching `template` with each {placeholder} filled in, or not."""
    parts = re.split(r"\{[^{}]*\}", template)
    return re.compile(".*?".join(re.escape(part) for part in parts), re.DOTALL)


def _show(node: Node | None) -> str | None:
    return None if node is None else node.n3()
