"""The measuring side of the benchmarks: where inputs live, how a command is timed (in its own
process, median wall time and peak RSS from os.wait4), pinned to one core, and the result table."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DATA = HERE / ".data"
PY = sys.executable
PACK = [PY, "-m", "coralogix_pack"]


@dataclass
class Row:
    benchmark: str
    size: str
    seconds: float
    records: int | None
    rss_mb: float
    baseline: str = ""
    ratio: float | None = None


def measure(
    argv: list[str] | Callable[[int], list[str]],
    repeat: int,
    env: dict | None = None,
    cwd: Path | None = None,
) -> tuple[float, float]:
    """Median wall seconds and max peak RSS (MB) of running argv ``repeat`` times (a callable gives
    the argv of each repetition)."""
    times, peaks = [], []
    for index in range(repeat):
        command = argv(index) if callable(argv) else argv
        start = time.perf_counter()
        proc = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
            cwd=cwd,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        times.append(time.perf_counter() - start)
        peaks.append(usage.ru_maxrss / 1024)
        if os.waitstatus_to_exitcode(status) not in (0, 2):
            raise SystemExit(f"benchmark command failed: {' '.join(command)}")
    return statistics.median(times), max(peaks)


def one_core(argv: list[str]) -> list[str]:
    return ["taskset", "-c", "0", *argv] if shutil.which("taskset") else argv


def print_table(rows: list[Row]) -> None:
    header = ("benchmark", "input size", "median s", "records/s", "peak RSS MB", "ratio to baseline")
    table = [header]
    for r in rows:
        rate = f"{r.records / r.seconds:,.0f}" if r.records and r.seconds else "-"
        ratio = f"{r.ratio:.2f}x {r.baseline}" if r.ratio is not None else "-"
        table.append(
            (
                r.benchmark,
                r.size,
                f"{r.seconds:.3f}" if r.seconds else "-",
                rate,
                f"{r.rss_mb:.1f}" if r.rss_mb else "-",
                ratio,
            )
        )
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for index, row in enumerate(table):
        print("| " + " | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) + " |")
        if index == 0:
            print("| " + " | ".join("-" * w for w in widths) + " |")
