"""Turn the outcomes of measurements into numbers: throughput, percentiles, errors, ratios."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from benchmarks.client import Outcome
from benchmarks.loadprocess import Measured

OXIGRAPH = "oxigraph"


@dataclass(frozen=True)
class Cell:
    """One measurement: a server, a workload and a concurrency, in one round."""

    data_set: str
    target: str
    workload: str  # "cold" or "warm"
    concurrency: int
    round: int
    measured: Measured
    server_cpu_s: float | None  # CPU the server's processes used meanwhile
    load_1m: float
    # The same CPU time by kind of process (worker, query process, ...), for mhkg.
    server_cpu_by_kind: dict[str, float] | None = None

    @property
    def answered(self) -> list[Outcome]:
        """Return the requests answered successfully (200, or 304 on revalidation)."""
        return [outcome for outcome in self.measured.outcomes if outcome.error is None]

    @property
    def span_s(self) -> float:
        """Return the time from the first request sent to the last answer."""
        outcomes = self.measured.outcomes
        if not outcomes:
            return self.measured.seconds
        return max(o.started + o.seconds for o in outcomes) - min(o.started for o in outcomes)

    @property
    def throughput(self) -> float:
        """Return successful answers per second."""
        return len(self.answered) / self.span_s if self.span_s > 0 else 0.0

    def latency_ms(self, quantile: float, kind: str | None = None) -> float | None:
        """Return the latency at `quantile` of the answered requests (of one kind), in ms."""
        values = sorted(o.seconds for o in self.answered if kind is None or o.kind == kind)
        if not values:
            return None
        return 1000 * values[min(len(values) - 1, int(quantile * len(values)))]

    @property
    def errors(self) -> Counter[str]:
        """Return how many requests failed, by what went wrong."""
        return Counter(o.error for o in self.measured.outcomes if o.error is not None)

    @property
    def not_modified(self) -> int:
        """Return how many answers were 304 Not Modified."""
        return sum(1 for o in self.measured.outcomes if o.status == 304)

    def cpu_ms_per_answer(self, seconds: float | None) -> float | None:
        """Return CPU milliseconds per answered request."""
        if seconds is None or not self.answered:
            return None
        return 1000 * seconds / len(self.answered)


@dataclass(frozen=True)
class Summary:
    """The medians over rounds of one server, workload and concurrency on one data set."""

    data_set: str
    target: str
    workload: str
    concurrency: int
    cells: tuple[Cell, ...]
    ratio_to_oxigraph: float | None

    @property
    def throughput(self) -> float:
        return statistics.median(cell.throughput for cell in self.cells)

    def latency_ms(self, quantile: float, kind: str | None = None) -> float | None:
        values = [v for cell in self.cells if (v := cell.latency_ms(quantile, kind)) is not None]
        return statistics.median(values) if values else None

    @property
    def requests(self) -> int:
        return sum(len(cell.measured.outcomes) for cell in self.cells)

    @property
    def errors(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for cell in self.cells:
            total.update(cell.errors)
        return total

    @property
    def not_modified_share(self) -> float:
        answered = sum(len(cell.answered) for cell in self.cells)
        return sum(cell.not_modified for cell in self.cells) / answered if answered else 0.0

    @property
    def server_cpu_ms(self) -> float | None:
        values = [
            v for cell in self.cells if (v := cell.cpu_ms_per_answer(cell.server_cpu_s)) is not None
        ]
        return statistics.median(values) if values else None

    def cpu_ms_by_kind(self) -> dict[str, float]:
        """Return the median CPU ms per answer each kind of the server's processes used."""
        kinds = {kind for cell in self.cells for kind in (cell.server_cpu_by_kind or {})}
        medians = {}
        for kind in sorted(kinds):
            values = [
                v
                for cell in self.cells
                if (v := cell.cpu_ms_per_answer((cell.server_cpu_by_kind or {}).get(kind)))
                is not None
            ]
            if values:
                medians[kind] = statistics.median(values)
        return medians

    @property
    def client_cpu_ms(self) -> float | None:
        values = [
            v
            for cell in self.cells
            if (v := cell.cpu_ms_per_answer(cell.measured.client_cpu_s)) is not None
        ]
        return statistics.median(values) if values else None

    @property
    def complete_cycles(self) -> bool:
        """Tell whether every round answered at least one whole mix cycle."""
        from benchmarks.queries import mix_order

        return all(len(cell.answered) >= len(mix_order()) for cell in self.cells)


def summarise(cells: Sequence[Cell]) -> list[Summary]:
    """Group cells by data set, server, workload and concurrency; take medians over rounds."""
    groups: dict[tuple[str, str, str, int], list[Cell]] = {}
    for cell in cells:
        groups.setdefault((cell.data_set, cell.target, cell.workload, cell.concurrency), []).append(
            cell
        )
    summaries = []
    for (data_set, target, workload, concurrency), group in groups.items():
        reference = groups.get((data_set, OXIGRAPH, workload, concurrency), [])
        summaries.append(
            Summary(
                data_set,
                target,
                workload,
                concurrency,
                tuple(group),
                _median_ratio(group, reference),
            )
        )
    return summaries


def _median_ratio(cells: Iterable[Cell], reference: Iterable[Cell]) -> float | None:
    """Return the median over rounds of throughput / Oxigraph's throughput in the same round."""
    by_round = {cell.round: cell.throughput for cell in reference}
    ratios = [
        cell.throughput / by_round[cell.round]
        for cell in cells
        if by_round.get(cell.round) not in (None, 0)
    ]
    return statistics.median(ratios) if ratios else None


def find(
    summaries: Sequence[Summary], data_set: str, target: str, workload: str, concurrency: int
) -> Summary | None:
    """Return the summary of one combination, if measured."""
    for summary in summaries:
        key = (summary.data_set, summary.target, summary.workload, summary.concurrency)
        if key == (data_set, target, workload, concurrency):
            return summary
    return None
