"""Lay out bar charts as SVG geometry for the templates: no script needed to read them."""

from __future__ import annotations

import math
from dataclasses import dataclass

WIDTH = 640
BAR_HEIGHT = 26
GAP = 10
LABEL_WIDTH = 200
VALUE_WIDTH = 80
TOP = 8


@dataclass(frozen=True)
class Bar:
    """One bar: its category, value and place in the drawing."""

    label: str
    value: float
    shown_value: str
    y: float
    width: float
    href: str | None = None


@dataclass(frozen=True)
class BarChart:
    """A horizontal bar chart: bars share one scale that starts at zero."""

    title: str
    bars: list[Bar]
    height: float
    width: float = WIDTH
    label_width: float = LABEL_WIDTH
    ticks: tuple[tuple[float, str], ...] = ()

    @property
    def text_y_offset(self) -> float:
        """Return where a bar's text baseline sits below its top."""
        return BAR_HEIGHT * 0.68


def format_number(value: float) -> str:
    """Return a number as people write it: no needless decimals, thin grouping."""
    if value == int(value):
        return f"{int(value):,}".replace(",", " ")
    return f"{value:,.2f}".rstrip("0").rstrip(".").replace(",", " ")


def bar_chart(
    title: str, points: list[tuple[str, float]], hrefs: list[str | None] | None = None
) -> BarChart:
    """Return a chart of (category, value) points, in the order given; negatives drawn as 0."""
    largest = max((value for _, value in points), default=0.0)
    scale_max = _nice_ceiling(largest)
    plot_width = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    bars = []
    for index, (label, value) in enumerate(points):
        width = 0.0 if scale_max <= 0 else max(value, 0.0) / scale_max * plot_width
        bars.append(
            Bar(
                label,
                value,
                format_number(value),
                TOP + index * (BAR_HEIGHT + GAP),
                round(width, 1),
                (hrefs or [None] * len(points))[index],
            )
        )
    ticks = tuple(
        (round(LABEL_WIDTH + plot_width * i / 4, 1), format_number(scale_max * i / 4))
        for i in range(5)
        if scale_max > 0
    )
    height = TOP + len(points) * (BAR_HEIGHT + GAP) + 24
    return BarChart(title, bars, height, ticks=ticks)


def _nice_ceiling(value: float) -> float:
    """Return a round number at least `value` (1, 2, 2.5 or 5 times a power of ten)."""
    if value <= 0:
        return 0.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude
