"""Compare `mhkg load` with `oxigraph load` on one generated N-Triples file.

Both tools load the same file into a named graph of a fresh store, interleaved (the order
alternates each round, so neither always runs on a warmer machine), N rounds. Wall time and
peak resident memory are measured per run; medians, ratios and the targets are printed as
Markdown for RESULTS.md.

    python benchmarks/load/run.py [--triples 1000000] [--rounds 3] [--workdir DIR]
    python benchmarks/load/run.py --source FILE   # any RDF file instead of the generated one

Needs the `oxigraph` command (PyPI package `oxigraph`) on PATH or beside this Python.
Not part of the test suite: it takes minutes and needs ~1 GB of disk.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import write_triples  # the generator lives beside this script

PROJECT_ROOT = Path(__file__).resolve().parents[2]
GRAPH = "https://example.org/graph/benchmark"
TIME_BINARY = Path("/usr/bin/time")
# Targets from the issue: peak memory of `mhkg load`, and its time relative to oxigraph.
MAX_PEAK_MB = 500
MAX_TIME_RATIO = 1.5


@dataclass(frozen=True)
class Run:
    tool: str
    round: int
    seconds: float
    peak_mb: float
    triples: int


def mhkg_command(source: Path, store: Path) -> list[str]:
    return [sys.executable, "-m", "server.cli", "load", str(source), "--graph", GRAPH,
            "--store", str(store)]  # fmt: skip


def oxigraph_command(source: Path, store: Path) -> list[str]:
    return [oxigraph_binary(), "load", "--location", str(store), "--file", str(source),
            "--graph", GRAPH]  # fmt: skip


def oxigraph_binary() -> str:
    beside_python = Path(sys.executable).parent / "oxigraph"
    found = shutil.which("oxigraph") or (str(beside_python) if beside_python.exists() else None)
    if found is None:
        raise SystemExit("error: no `oxigraph` command; pip install oxigraph")
    return found


def measure(command: list[str], log: Path) -> tuple[float, float]:
    """Run `command`; return its wall time in seconds and its peak RSS in MB."""
    environment = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    if TIME_BINARY.exists():
        report = log.with_suffix(".time")
        command = [str(TIME_BINARY), "-v", "-o", str(report), *command]
    started = time.perf_counter()
    with log.open("w") as output:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=environment, stdout=output, stderr=output
        )
        # wait4 gives this child's own rusage: the fallback when /usr/bin/time is missing.
        _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"error: {command} failed; see {log}")
    if TIME_BINARY.exists():
        text = report.read_text()
        peak_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)[1])
    else:
        peak_kb = usage.ru_maxrss
    return seconds, peak_kb / 1024


def stored_triples(store: Path) -> int:
    """Count the triples in the benchmark graph, to check that the load was complete."""
    location = store / "current" if (store / "current").exists() else store
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}"
    return int(next(iter(ox.Store.read_only(str(location)).query(query)))["n"].value)


def run_rounds(source: Path, workdir: Path, rounds: int) -> list[Run]:
    tools = {"mhkg load": mhkg_command, "oxigraph load": oxigraph_command}
    runs = []
    for number in range(1, rounds + 1):
        order = list(tools) if number % 2 else list(reversed(tools))
        for tool in order:
            store = workdir / f"store-{tool.split()[0]}-{number}"
            seconds, peak_mb = measure(tools[tool](source, store), workdir / f"{store.name}.log")
            runs.append(Run(tool, number, seconds, peak_mb, stored_triples(store)))
            print(f"round {number} {tool}: {seconds:.2f} s, {peak_mb:.0f} MB", file=sys.stderr)
            shutil.rmtree(store)
    return runs


def machine(load_before: tuple[float, ...]) -> list[str]:
    memory = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.strip("\n")
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor(),
    )  # fmt: skip
    version = subprocess.run(
        [oxigraph_binary(), "--version"], capture_output=True, text=True
    ).stdout.strip()
    return [
        f"- nproc: {os.cpu_count()}; CPU: {cpu}",
        f"- {platform.system()} {platform.release()}; Python {platform.python_version()}",
        f"- pyoxigraph {ox.__version__}; {version} (PyPI package `oxigraph`)",
        f"- load average (1, 5, 15 min) before: {_loads(load_before)}; "
        f"after: {_loads(os.getloadavg())}",
        "- free -h:",
        "",
        "```",
        memory,
        "```",
    ]


def _loads(averages: tuple[float, ...]) -> str:
    return ", ".join(f"{average:.2f}" for average in averages)


def report(runs: list[Run], source: Path) -> str:
    lines = [
        f"File: {source.name}, {source.stat().st_size / 1e6:.1f} MB.",
        "",
        "| round | tool | wall time (s) | peak RSS (MB) | triples stored |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {run.round} | {run.tool} | {run.seconds:.2f} | {run.peak_mb:.0f} | {run.triples:,} |"
        for run in runs
    ]
    medians = {
        tool: (
            statistics.median(run.seconds for run in runs if run.tool == tool),
            statistics.median(run.peak_mb for run in runs if run.tool == tool),
        )
        for tool in ("mhkg load", "oxigraph load")
    }
    (mhkg_s, mhkg_mb), (oxi_s, oxi_mb) = medians["mhkg load"], medians["oxigraph load"]
    ratio = mhkg_s / oxi_s
    lines += [
        "",
        "| median | wall time (s) | peak RSS (MB) |",
        "|---|---|---|",
        f"| mhkg load | {mhkg_s:.2f} | {mhkg_mb:.0f} |",
        f"| oxigraph load | {oxi_s:.2f} | {oxi_mb:.0f} |",
        f"| ratio mhkg / oxigraph | {ratio:.2f} | {mhkg_mb / oxi_mb:.2f} |",
        "",
        f"Targets: peak memory < {MAX_PEAK_MB} MB: "
        f"{'met' if mhkg_mb < MAX_PEAK_MB else 'MISSED'} ({mhkg_mb:.0f} MB); "
        f"time <= {MAX_TIME_RATIO}x oxigraph: "
        f"{'met' if ratio <= MAX_TIME_RATIO else 'MISSED'} ({ratio:.2f}x).",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workdir", type=Path, help="where the file and stores go (temp dir)")
    parser.add_argument("--source", type=Path, help="load this file instead of generating one")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="mhkg-load-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    source = args.source or workdir / f"government-{args.triples}.nt"
    if not source.exists():
        write_triples(source, args.triples)
    load_before = os.getloadavg()
    runs = run_rounds(source.resolve(), workdir, args.rounds)
    print("\n".join([report(runs, source), "", "Machine:", "", *machine(load_before)]))


if __name__ == "__main__":
    main()
