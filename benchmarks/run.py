"""Benchmarks of coralogix-pack: start-up, render at scale, backtest throughput, API request counts.

    python benchmarks/run.py            # everything (generates ~1.4 GB of input under benchmarks/.data)
    python benchmarks/run.py --quick    # 100k-record backtest only, fewer repetitions

Every measured command runs in its own process (like a user runs it); peak RSS is that
process's maximum resident set size (os.wait4). Baselines run the same way in the same script.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
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


def generate_logs(records: int) -> Path:
    path = DATA / f"mixed-{records}.ndjson"  # about 5% look-alikes of detected operations
    if not path.exists():
        DATA.mkdir(exist_ok=True)
        code = (
            "import sys, orjson\n"
            f"sys.path.insert(0, {str(REPO / 'tests')!r})  # the synthetic traffic lives with the tests\n"
            "from synthetic import day_of_traffic\n"
            "out = sys.stdout.buffer\n"
            f"for r in day_of_traffic({records}, seed=5): out.write(orjson.dumps(r) + b'\\n')\n"
        )
        with path.open("wb") as handle:
            subprocess.run([PY, "-c", code], stdout=handle, check=True)
    return path


def generate_catalog(count: int, distinct: bool = False) -> Path:
    """A synthetic catalog: copies of the shipped detections under new ids and titles; with
    ``distinct``, each copy's query also excludes its own resource, so no two queries are the same
    (nothing parsed once can be reused)."""
    import yaml

    target = DATA / (f"catalog-distinct-{count}" if distinct else f"catalog-{count}")
    if target.exists():
        return target
    target.mkdir(parents=True)
    shutil.copy(REPO / "catalog" / "pack.yaml", target / "pack.yaml")
    sources = sorted(p for p in (REPO / "catalog").glob("*.yaml") if p.name != "pack.yaml")
    for index in range(count):
        raw = yaml.safe_load(sources[index % len(sources)].read_text())
        raw["id"] = f"{raw['id']}-{index:05d}"
        raw["title"] = f"{raw['title']} #{index}"
        raw.pop("tests", None)
        if distinct:
            raw["query"] = (
                f"({raw['query'].strip()}) AND NOT resourceId:(excluded{index:05d} OR EXCLUDED{index:05d})"
            )
        (target / f"{raw['id']}.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))
    return target


ORJSON_LOOP = (
    "import sys, orjson\n"
    "n = 0\n"
    "with open(sys.argv[1], 'rb') as f:\n"
    "    for line in f:\n"
    "        orjson.loads(line); n += 1\n"
)


def startup(repeat: int) -> list[Row]:
    rows = []
    bare, bare_rss = measure([PY, "-c", "pass"], repeat)
    rows.append(Row("python -c pass (baseline)", "-", bare, None, bare_rss))
    typer_s, typer_rss = measure([PY, "-c", "import typer"], repeat)
    rows.append(Row("python -c 'import typer' (baseline)", "-", typer_s, None, typer_rss))
    for label, args in (("pack --help", ["--help"]), ("pack validate", ["validate"])):
        seconds, rss = measure([*PACK, *args], repeat)
        rows.append(Row(label, "13 detections", seconds, None, rss, "import typer", seconds / typer_s))
    return rows


def mutation(repeat: int) -> list[Row]:
    """pack test --mutate on the 13 detections, one core, against pack test (same start-up)."""
    plain, plain_rss = measure(one_core([*PACK, "test"]), repeat)
    rows = [Row("pack test (baseline)", "13 detections", plain, None, plain_rss)]
    seconds, rss = measure(one_core([*PACK, "test", "--mutate"]), repeat)
    rows.append(
        Row(
            "pack test --mutate (goal < 10 s)",
            "13 detections",
            seconds,
            None,
            rss,
            "pack test",
            seconds / plain,
        )
    )
    return rows


def render_at_scale(repeat: int, count: int) -> list[Row]:
    """pack render (validation included) on one core: into a new folder each time (every file
    created), and again over its own current output (nothing to write). New folders go to tmpfs
    when there is one, to time pack rather than the machine's disk (a VM's metadata writes can vary
    tenfold from one run to the next); one row writes to the disk for comparison."""
    disk = Path(tempfile.mkdtemp())
    memory = Path(tempfile.mkdtemp(dir="/dev/shm")) if Path("/dev/shm").is_dir() else disk
    where = " (tmpfs)" if memory != disk else ""
    small, _ = measure(one_core([*PACK, "render", "--out", str(disk / "small")]), repeat)
    rows = [Row("pack render", "13 detections", small, 13, 0.0)]
    size = f"{count} detections"
    cases = (
        (f"pack render, new folder{where}", generate_catalog(count), memory / "same"),
        (
            f"pack render, new folder{where}, distinct queries",
            generate_catalog(count, True),
            memory / "distinct",
        ),
        ("pack render, new folder on disk", generate_catalog(count), disk / "same"),
    )
    for label, catalog, base in cases:
        command = [*PACK, "render", "--catalog", str(catalog), "--out"]
        seconds, rss = measure(_into_new_folder(command, base), repeat)
        rows.append(Row(label, size, seconds, count, rss, "3 s goal", seconds / 3.0))
    again = [*PACK, "render", "--catalog", str(generate_catalog(count)), "--out", str(disk / "same0")]
    seconds, rss = measure(one_core(again), repeat)
    rows.append(
        Row("pack render, output current (disk)", size, seconds, count, rss, "3 s goal", seconds / 3.0)
    )
    for folder in {disk, memory}:
        shutil.rmtree(folder, ignore_errors=True)
    return rows


def _into_new_folder(command: list[str], base: Path) -> Callable[[int], list[str]]:
    return lambda index: one_core([*command, f"{base}{index}"])


def backtest(repeat: int, sizes: list[int]) -> list[Row]:
    rows = []
    for size in sizes:
        path = generate_logs(size)
        lines = sum(1 for _ in path.open("rb"))
        base_s, base_rss = measure(one_core([PY, "-c", ORJSON_LOOP, str(path)]), repeat)
        rows.append(Row("orjson parse loop (baseline)", f"{lines:,} records", base_s, lines, base_rss))
        seconds, rss = measure(one_core([*PACK, "backtest", str(path), "--format", "json"]), repeat)
        rate, base_rate = lines / seconds, lines / base_s
        rows.append(
            Row(
                "pack backtest (1 core)",
                f"{lines:,} records",
                seconds,
                lines,
                rss,
                "orjson loop rate",
                rate / base_rate,
            )
        )
    return rows


def api_requests() -> list[Row]:
    """Requests made by apply against the emulator: no-change run and N changes."""
    sys.path.insert(0, str(REPO))
    from coralogix_pack.cli import run
    from coralogix_pack.emulator import Emulator

    key = "benchmark-key"
    os.environ["CORALOGIX_API_KEY"] = key
    rows = []
    with Emulator(key, page_size=5) as server:
        args = ["--api-url", server.base_url, "--auto-approve"]
        with _quiet():
            run(["apply", *args])
        writes = [r for r in server.requests if r.method != "GET"]
        rows.append(
            Row(
                "apply: first run (13 creates)",
                f"{len(server.requests)} requests",
                0.0,
                None,
                0.0,
                "writes per change",
                len(writes) / 13,
            )
        )
        server.requests.clear()
        with _quiet():
            run(["apply", *args])
        gets = sum(1 for r in server.requests if r.method == "GET")
        rows.append(
            Row(
                "apply: no changes",
                f"{len(server.requests)} requests",
                0.0,
                None,
                0.0,
                "list pages (3)",
                len(server.requests) / 3 if gets == len(server.requests) else float("inf"),
            )
        )
    return rows


class _quiet:
    def __enter__(self):
        self.saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = open(os.devnull, "w")

    def __exit__(self, *exc):
        sys.stdout.close()
        sys.stdout, sys.stderr = self.saved


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100k backtest only, 3 repetitions")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    repeat = 3 if args.quick else args.repeat
    os.chdir(REPO)
    print(
        f"# {platform.node()}: {platform.platform()}, Python {platform.python_version()}, "
        f"{os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}"
    )
    rows = startup(repeat) + mutation(repeat)
    rows += render_at_scale(min(repeat, 3), 5000)
    rows += backtest(min(repeat, 3), [100_000] if args.quick else [100_000, 1_000_000])
    rows += api_requests()
    print_table(rows)


if __name__ == "__main__":
    main()
