"""Write benchmarks/RESULTS.md: the targets, every measurement, and the notes that read them."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.agreement import Disagreement
from benchmarks.measure import OXIGRAPH, Cell, Summary, find, summarise
from benchmarks.profiling import Profile

NOTES = Path(__file__).resolve().parent / "notes.md"
COLD_RATIO, WARM_RATIO, RDFLIB_RATIO = 0.8, 3.0, 20.0
ADDED_LATENCY_MS, STARTUP_S, BUILD_S = 1.0, 2.0, 10.0


@dataclass
class Findings:
    """Everything one run measured."""

    command: str = ""
    started: str = ""
    machine: dict[str, str] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    load_at_start: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_at_end: tuple[float, float, float] = (0.0, 0.0, 0.0)
    # (wall, CPU) seconds per run
    build_seconds: list[tuple[float, float]] = field(default_factory=list)
    startup: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    data_sets: dict[str, tuple[int, float]] = field(default_factory=dict)
    ready_after: dict[tuple[str, str], float] = field(default_factory=dict)
    memory: dict[tuple[str, str], dict[str, list[float]]] = field(default_factory=dict)
    disagreements: dict[str, list[Disagreement]] = field(default_factory=dict)
    profiles: list[tuple[str, Profile]] = field(default_factory=list)
    cells: list[Cell] = field(default_factory=list)
    # When an interrupted run was resumed (`--resume`); each data set is measured in one go.
    resumed: list[str] = field(default_factory=list)


def write_results(findings: Findings, path: Path) -> None:
    """Write the Markdown report of `findings` to `path`."""
    summaries = summarise(findings.cells)
    parts = [
        _header(findings),
        _targets(findings, summaries),
        *(_data_set(findings, summaries, name) for name in findings.data_sets),
        _startup_build_memory(findings),
        _agreement(findings),
        *(_profile(where, profile) for where, profile in findings.profiles),
    ]
    if NOTES.exists():
        parts.append(NOTES.read_text(encoding="utf-8").strip())
    path.write_text("\n\n".join(part.strip() for part in parts if part) + "\n", encoding="utf-8")


def _header(findings: Findings) -> str:
    machine = ", ".join(f"{name} {value}" for name, value in findings.machine.items())
    versions = ", ".join(f"{name} {version}" for name, version in findings.versions.items())
    start, end = (
        ", ".join(f"{v:.2f}" for v in load)
        for load in (findings.load_at_start, findings.load_at_end)
    )
    resumed = (
        ", interrupted by other work on the machine and resumed with `--resume` at "
        + ", ".join(findings.resumed)
        + "; each data set was measured whole in one go"
        if findings.resumed
        else ""
    )
    return f"""# Benchmarks: `mhkg serve` against its peers

Written by `{findings.command}` (started {findings.started}{resumed}); run it again
to reproduce.
`pip install -e '.[bench]'` installs the peers and profilers it needs.

**Machine:** {machine}.
**Versions:** {versions}.
**Load average (1, 5, 15 min):** {start} at the start, {end} at the end. This machine is
shared with other work (other sessions' test suites ran during the measurements), so the
servers take turns in a rotating order within each round, every figure is a median over
the rounds, and every ratio is taken between measurements of the same round. The load
generator runs in a process of its own and speaks HTTP/1.1 over one kept-alive connection
per client thread; its CPU cost per request is listed with the server's.

**Workloads.** One mix of queries a site, a dashboard and API users send: IRI lookup (4 of
16), DESCRIBE (2), CONSTRUCT of a neighbourhood (1), label search (2), a join of
documents, recommendations and actors (1), aggregation (1), OPTIONAL (1), a property path
(1), ORDER BY/LIMIT paging (2) and class statistics (1); see `benchmarks/queries.py`.
*Cold*: every query text is new (a varying comment heads it), so no cache can answer.
*Warm*: three variants per kind, repeated as a dashboard refreshes them; three requests in
four revalidate with If-None-Match when the client holds an ETag, one in four comes from a
new visitor. Same clients, same requests for every server: only mhkg sends ETags, so only
mhkg can answer 304. *pyoxigraph* is the floor: the same queries evaluated and serialised
in-process, without HTTP."""


def _targets(findings: Findings, summaries: list[Summary]) -> str:
    rows = []
    for name in findings.data_sets:
        rows += _throughput_targets(summaries, name)
        rows.append(_latency_target(summaries, name))
    if findings.startup.get("mhkg"):
        wall, cpu = _medians(findings.startup["mhkg"])
        rows.append(("start-up to first answer ≤ 2 s", f"{wall:.2f} s (CPU {cpu:.2f} s)",
                     wall <= STARTUP_S))  # fmt: skip
    if findings.build_seconds:
        wall, cpu = _medians(findings.build_seconds)
        rows.append(("`mhkg build` of the curated graph ≤ 10 s",
                     f"{wall:.2f} s (CPU {cpu:.2f} s)", wall <= BUILD_S))  # fmt: skip
    workers = [
        statistics.median(memory["worker"])
        for (_set, server), memory in findings.memory.items()
        if server == "mhkg" and memory.get("worker")
    ]
    if workers:
        rows.append(
            ("memory per worker: stated", f"{min(workers):.0f}-{max(workers):.0f} MB PSS", None)
        )
    lines = ["## Targets (medians of this run)", "", "| target | measured | met |", "|---|---|---|"]
    for target, measured, met in rows:
        verdict = "stated" if met is None else ("**yes**" if met else "**no**")
        lines.append(f"| {target} | {measured} | {verdict} |")
    return "\n".join(lines)


def _throughput_targets(summaries: list[Summary], name: str) -> list[tuple[str, str, bool | None]]:
    rows: list[tuple[str, str, bool | None]] = []
    concurrencies = sorted({s.concurrency for s in summaries if s.data_set == name})
    high = concurrencies[-1] if concurrencies else 8
    cold = find(summaries, name, "mhkg", "cold", high)
    if cold is not None and cold.ratio_to_oxigraph is not None:
        rows.append(
            (
                f"{name}: cold throughput at concurrency {high} ≥ 0.8x Oxigraph",
                f"{cold.ratio_to_oxigraph:.2f}x",
                cold.ratio_to_oxigraph >= COLD_RATIO,
            )
        )
    for concurrency in concurrencies:
        warm = find(summaries, name, "mhkg", "warm", concurrency)
        if warm is not None and warm.ratio_to_oxigraph is not None:
            rows.append(
                (
                    f"{name}: warm throughput at concurrency {concurrency} ≥ 3x Oxigraph",
                    f"{warm.ratio_to_oxigraph:.2f}x",
                    warm.ratio_to_oxigraph >= WARM_RATIO,
                )
            )
    for workload in ("cold", "warm"):
        for concurrency in concurrencies:
            ours = find(summaries, name, "mhkg", workload, concurrency)
            theirs = find(summaries, name, "rdflib-endpoint", workload, concurrency)
            if ours is None or theirs is None or not theirs.throughput:
                continue
            ratio = _ratio_within_rounds(ours, theirs)
            rows.append(
                (
                    f"{name}: {workload}, concurrency {concurrency}: ≥ 20x rdflib-endpoint",
                    f"{ratio:.0f}x",
                    ratio >= RDFLIB_RATIO,
                )
            )
    return rows


def _ratio_within_rounds(ours: Summary, theirs: Summary) -> float:
    by_round = {cell.round: cell.throughput for cell in theirs.cells}
    ratios = [c.throughput / by_round[c.round] for c in ours.cells if by_round.get(c.round)]
    return statistics.median(ratios) if ratios else float("nan")


def _latency_target(summaries: list[Summary], name: str) -> tuple[str, str, bool | None]:
    ours = find(summaries, name, "mhkg", "cold", 1)
    floor = find(summaries, name, "pyoxigraph", "cold", 1)
    label = f"{name}: IRI lookup p50 over in-process pyoxigraph ≤ 1 ms (concurrency 1)"
    if ours is None or floor is None:
        return label, "not measured", None
    mine, base = ours.latency_ms(0.5, "iri_lookup"), floor.latency_ms(0.5, "iri_lookup")
    if mine is None or base is None:
        return label, "not measured", None
    added = mine - base
    return label, f"+{added:.2f} ms ({mine:.2f} vs {base:.2f} ms)", added <= ADDED_LATENCY_MS


def _data_set(findings: Findings, summaries: list[Summary], name: str) -> str:
    quads, seconds = findings.data_sets[name]
    lines = [
        f"## {name}: {quads:,} quads",
        "",
        f"Prepared in {seconds:.0f} s. "
        + ", ".join(
            f"{server} answered {ready:.1f} s after its start"
            for (data_set, server), ready in findings.ready_after.items()
            if data_set == name
        )
        + ".",
        "",
        "| workload | clients | server | req/s | x Oxigraph | p50 ms | p95 ms | p99 ms "
        "| errors / requests | 304s | server CPU ms/answer | client CPU ms/answer |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    ordered = sorted(
        (s for s in summaries if s.data_set == name),
        key=lambda s: (s.workload, s.concurrency, _TARGET_ORDER.get(s.target, 9)),
    )
    for summary in ordered:
        ratio = "" if summary.ratio_to_oxigraph is None else f"{summary.ratio_to_oxigraph:.2f}"
        errors = sum(summary.errors.values())
        partial = "" if summary.complete_cycles else " (not one whole mix per round)"
        lines.append(
            f"| {summary.workload} | {summary.concurrency} | {summary.target}{partial} "
            f"| {summary.throughput:.1f} | {ratio} "
            f"| {_ms(summary.latency_ms(0.5))} | {_ms(summary.latency_ms(0.95))} "
            f"| {_ms(summary.latency_ms(0.99))} | {errors} / {summary.requests} "
            f"| {summary.not_modified_share:.0%} | {_ms(summary.server_cpu_ms)} "
            f"| {_ms(summary.client_cpu_ms)} |"
        )
    failures = Counter()
    for summary in ordered:
        for error, count in summary.errors.items():
            failures[f"{summary.target} ({summary.workload}, {summary.concurrency}): {error}"] += (
                count
            )
    if failures:
        lines += [
            "",
            "Errors: " + "; ".join(f"{what} x {count}" for what, count in failures.items()) + ".",
        ]
    lines += ["", _per_kind(summaries, name), "", _cpu_by_process(summaries, name)]
    return "\n".join(lines)


def _cpu_by_process(summaries: list[Summary], name: str) -> str:
    """Return mhkg's CPU time per answer by kind of process: where its CPU goes."""
    rows = []
    for workload in ("cold", "warm"):
        for summary in sorted(
            (
                s
                for s in summaries
                if (s.data_set, s.target, s.workload) == (name, "mhkg", workload)
            ),
            key=lambda s: s.concurrency,
        ):
            by_kind = summary.cpu_ms_by_kind()
            if by_kind:
                cells = ", ".join(f"{kind} {_ms(ms)}" for kind, ms in sorted(by_kind.items()))
                rows.append(f"| {workload} | {summary.concurrency} | {cells} |")
    if not rows:
        return ""
    return "\n".join(
        [
            "`mhkg serve`'s CPU time per answer (ms) by kind of process:",
            "",
            "| workload | clients | CPU ms per answer |",
            "|---|---|---|",
            *rows,
        ]
    )


_TARGET_ORDER = {"mhkg": 0, OXIGRAPH: 1, "rdflib-endpoint": 2, "pyoxigraph": 3}


def _per_kind(summaries: list[Summary], name: str) -> str:
    """Return the p50 latency per kind of query, cold, one client: where each server is slow."""
    from benchmarks.queries import KINDS

    targets = [t for t in _TARGET_ORDER if find(summaries, name, t, "cold", 1) is not None]
    if not targets:
        return ""
    lines = [
        "p50 latency (ms) per kind of query, cold, one client:",
        "",
        "| query | " + " | ".join(targets) + " |",
        "|---|" + "---|" * len(targets),
    ]
    for kind in KINDS:
        values = []
        for target in targets:
            summary = find(summaries, name, target, "cold", 1)
            values.append(_ms(summary.latency_ms(0.5, kind.name) if summary else None))
        lines.append(f"| {kind.name} | " + " | ".join(values) + " |")
    return "\n".join(lines)


def _startup_build_memory(findings: Findings) -> str:
    lines = ["## Start-up, build and memory", ""]
    for server, times in findings.startup.items():
        wall, cpu = _medians(times)
        lines.append(
            f"- Start-up of `{server}` on the curated store to its first answered query: median "
            f"{wall:.2f} s over {len(times)} starts ({_runs(times)}), using {cpu:.2f} s of CPU "
            "(median) in all its processes."
        )
    if findings.build_seconds:
        wall, cpu = _medians(findings.build_seconds)
        lines.append(
            f"- `mhkg build` of the curated graph into a fresh store: median {wall:.2f} s "
            f"({_runs(findings.build_seconds)}), using {cpu:.2f} s of CPU (median)."
        )
    lines += [
        "",
        "Memory (PSS, MB, after the measurements; PSS splits shared pages, so it adds up):",
        "",
        "| data set | server | processes |",
        "|---|---|---|",
    ]
    for (data_set, server), kinds in findings.memory.items():
        described = "; ".join(
            f"{kind}: " + ", ".join(f"{size:.0f}" for size in sorted(sizes))
            for kind, sizes in sorted(kinds.items())
        )
        total = sum(sum(sizes) for sizes in kinds.values())
        lines.append(f"| {data_set} | {server} | {described} (total {total:.0f}) |")
    return "\n".join(lines)


def _agreement(findings: Findings) -> str:
    lines = ["## Same data, same answers?", ""]
    lines.append(
        "Before measuring, each server answered one query of every kind; the number of "
        "solutions (or triples) is compared with pyoxigraph's in-process answer."
    )
    for name, found in findings.disagreements.items():
        if not found:
            lines.append(f"- {name}: every server gave the same number for every query.")
        for item in found:
            lines.append(
                f"- {name}: {item.server}, {item.kind}: {item.got} where pyoxigraph has "
                f"{item.expected}."
            )
    return "\n".join(lines)


def _profile(where: str, profile: Profile) -> str:
    kinds = [kind for kind in sorted(profile.samples) if sum(profile.samples[kind].values())]
    components: Counter[str] = Counter()
    for counts in profile.samples.values():
        components.update(counts)
    lines = [
        f"## Where the time goes: {where}",
        "",
        f"Sampled with py-spy at {profile.rate_hz} Hz for {profile.seconds:.0f} s in every "
        "worker and query process of `mhkg serve`. Each sample is charged to the innermost "
        "frame of a known component (`benchmarks/profiling.py`); a column gives the shares of "
        "the time that kind of process computed (workers: while a thread held the GIL; query "
        "processes: not while waiting for work). How much each kind computes per answer is in "
        "the table of CPU time by process above.",
        "",
        "| component | " + " | ".join(kinds) + " |",
        "|---|" + "---|" * len(kinds),
    ]
    for component, _ in components.most_common():
        shares = []
        for kind in kinds:
            total = sum(profile.samples[kind].values())
            shares.append(f"{profile.samples[kind][component] / total:.0%}")
        lines.append(f"| {component} | " + " | ".join(shares) + " |")
    return "\n".join(lines)


def _medians(runs: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)


def _runs(runs: list[tuple[float, float]]) -> str:
    return ", ".join(f"{wall:.2f}" for wall, _ in runs)


def _ms(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:.2f}" if value < 10 else f"{value:.0f}"
