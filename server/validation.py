"""Validate RDF against SHACL shapes and report the results in a readable form."""

from __future__ import annotations

from dataclasses import dataclass

import pyshacl
from rdflib import Graph, Literal, Namespace
from rdflib.term import Node

SH = Namespace("http://www.w3.org/ns/shacl#")
_SEVERITY_ORDER = {SH.Violation: 0, SH.Warning: 1, SH.Info: 2}


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
        _result(report_graph, node, language) for node in report_graph.objects(None, SH.result)
    ]
    results.sort(key=lambda r: (_SEVERITY_ORDER[SH[r.severity]], r.focus_node, r.path or ""))
    return ValidationReport(tuple(results))


def _result(report: Graph, node: Node, language: str) -> ValidationResult:
    severity = report.value(node, SH.resultSeverity)
    messages = list(report.objects(node, SH.resultMessage))
    return ValidationResult(
        severity=str(severity).rsplit("#", 1)[-1],
        focus_node=_show(report.value(node, SH.focusNode)),
        path=_show(report.value(node, SH.resultPath)),
        message=_pick_language(messages, language),
        source_shape=_show(report.value(node, SH.sourceShape)),
        value=_show(report.value(node, SH.value)),
    )


def _pick_language(messages: list[Node], language: str) -> str:
    for message in messages:
        if isinstance(message, Literal) and message.language == language:
            return str(message)
    return str(messages[0]) if messages else "(no message)"


def _show(node: Node | None) -> str | None:
    return None if node is None else node.n3()
