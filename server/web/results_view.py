"""Show SPARQL results as a table of labelled links, with a bar chart where they fit one."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from server.namespaces import STANDARD_PREFIXES as NS
from server.web.charts import BarChart, bar_chart
from server.web.labels import Labeller
from server.web.sparql_rows import Rows
from server.web.views import ValueView, term_view

MAX_CHART_ROWS = 60
NUMERIC_TYPES = {
    NS["xsd"] + name
    for name in (
        "integer", "decimal", "double", "float", "int", "long", "short", "byte",
        "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger",
        "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte",
    )
}  # fmt: skip


@dataclass(frozen=True)
class ResultsView:
    """A result table ready to render."""

    variables: tuple[str, ...]
    rows: list[list[ValueView | None]]
    chart: BarChart | None
    truncated_at: int | None


def results_view(rows: Rows, labeller: Labeller) -> ResultsView:
    """Return the table (and chart, if one fits) of a SELECT result."""
    table = [
        [term_view(row[name], labeller) if name in row else None for name in rows.variables]
        for row in rows.rows
    ]
    return ResultsView(rows.variables, table, chart_for(rows, labeller), rows.truncated_at)


def chart_for(rows: Rows, labeller: Labeller) -> BarChart | None:
    """Return a bar chart when the first column names things and a later one is numeric."""
    if not 1 <= len(rows.rows) <= MAX_CHART_ROWS or len(rows.variables) < 2:
        return None
    category = rows.variables[0]
    numeric = [
        name
        for name in rows.variables[1:]
        if all(_number(row.get(name)) is not None for row in rows.rows)
    ]
    if not numeric:
        return None
    measure = numeric[0]
    points = []
    for row in rows.rows:
        term = row.get(category)
        if isinstance(term, ox.NamedNode):
            label = labeller(term.value)
        else:
            label = "—" if term is None else term.value
        points.append((label, _number(row.get(measure)) or 0.0))
    return bar_chart(f"{measure} / {category}", points)


def _number(term: object) -> float | None:
    if isinstance(term, ox.Literal) and term.datatype.value in NUMERIC_TYPES:
        try:
            return float(term.value)
        except ValueError:
            return None
    return None
