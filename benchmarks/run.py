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
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from harness import DATA, PACK, PY, REPO, Row, measure, one_core, print_table
from inputs import generate_catalog, generate_logs, generate_sigma_rules


def render_against_sigma(repeat: int, count: int) -> list[Row]:
    """pack render (validation included) of ``count`` detections, both catalog styles, against
    sigma-cli converting ``count`` comparable Sigma rules to Lucene; one core each, in one run.
    The goal: at most a third of sigma-cli's time."""
    rules = generate_sigma_rules(count)
    if rules is None:
        return [Row("sigma convert: sigma-cli not installed, skipped", f"{count} rules", 0.0, None, 0.0)]
    out = Path(tempfile.mkdtemp(dir="/dev/shm")) if Path("/dev/shm").is_dir() else Path(tempfile.mkdtemp())
    convert = ["sigma", "convert", "-t", "coralogix", "-p", "coralogix_azure_activity", str(rules), "-o"]
    sigma_s, sigma_rss = measure(lambda i: one_core([*convert, str(out / f"sigma{i}.txt")]), min(repeat, 2))
    rows = [Row("sigma convert -t coralogix (sigma-cli)", f"{count} rules", sigma_s, count, sigma_rss)]
    for style in ("pack", "dump"):
        command = [*PACK, "render", "--catalog", str(generate_catalog(count, style=style)), "--out"]
        seconds, rss = measure(_into_new_folder(command, out / style), repeat)
        label = f"pack render, {style} style (goal: 1/3 of sigma)"
        rows.append(Row(label, f"{count} detections", seconds, count, rss, "sigma-cli", seconds / sigma_s))
    shutil.rmtree(out, ignore_errors=True)
    return rows


PLAIN_READ = (  # the floor: reading the file in 1 MiB blocks and nothing else
    "import sys\nwith open(sys.argv[1], 'rb', buffering=0) as f:\n    while f.read(1 << 20): pass\n"
)
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


def backtest(repeat: int, cases: list[tuple[str, int]]) -> list[Row]:
    """Per traffic shape and size, one core: the plain read (the floor), the orjson loop (the
    baseline) and pack backtest; and that the report equals a full parse's (--strict), byte for byte."""
    start_up = backtest_start_up(repeat, generate_logs(cases[0][1], cases[0][0]))
    rows = [start_up]
    for shape, size in cases:
        path = generate_logs(size, shape)
        lines = sum(1 for _ in path.open("rb"))
        label = f"{lines:,} {shape} records"
        floor_s, floor_rss = measure(one_core([PY, "-c", PLAIN_READ, str(path)]), repeat)
        rows.append(Row("plain read, 1 MiB blocks (floor)", label, floor_s, lines, floor_rss))
        base_s, base_rss = measure(one_core([PY, "-c", ORJSON_LOOP, str(path)]), repeat)
        rows.append(Row("orjson parse loop (baseline)", label, base_s, lines, base_rss))
        seconds, rss = measure(one_core([*PACK, "backtest", str(path), "--format", "json"]), repeat)
        rows.append(
            Row("pack backtest (1 core)", label, seconds, lines, rss, "orjson loop rate", base_s / seconds)
        )
        rows.append(
            Row("  the same against the floor", label, seconds, lines, rss, "plain read", floor_s / seconds)
        )
        allowed = base_s / 2
        rows.append(
            Row(
                "  the time 2.0x the loop allows",
                label,
                allowed,
                lines,
                0.0,
                "start-up",
                allowed / start_up.seconds,
            )
        )
        rows.append(_strict_agrees(path, label))
    return rows


def backtest_start_up(repeat: int, logs: Path) -> Row:
    """pack backtest of a one-record file: the start-up every backtest pays (imports, the catalog
    loaded and its queries compiled), against which a speed goal's time budget is read."""
    one = DATA / "one-record.ndjson"
    with logs.open("rb") as source:
        one.write_bytes(source.readline())
    seconds, rss = measure(one_core([*PACK, "backtest", str(one), "--format", "json"]), repeat)
    return Row("pack backtest of one record (start-up)", "1 record", seconds, 1, rss)


def _strict_agrees(path: Path, label: str) -> Row:
    """The raw scan's report against a full parse's (--strict), byte for byte."""
    fast = subprocess.run(
        [*PACK, "backtest", str(path), "--format", "json"], capture_output=True, check=False
    )
    full = subprocess.run(
        [*PACK, "backtest", str(path), "--format", "json", "--strict"], capture_output=True, check=False
    )
    same = fast.stdout == full.stdout and bool(fast.stdout)
    return Row(f"report identical to --strict: {'yes' if same else 'NO'}", label, 0.0, None, 0.0)


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
    rows += render_against_sigma(min(repeat, 3), 5000)
    quick = [("mixed", 100_000), ("heavy", 200_000)]
    full = [("mixed", 1_000_000), ("heavy", 200_000), ("heavy", 1_000_000)]
    rows += backtest(min(repeat, 3), quick if args.quick else full)
    # last: it loads the pack into this process, and a child forked from a larger parent reports
    # the parent's peak RSS as its own
    rows += api_requests()
    print_table(rows)


if __name__ == "__main__":
    main()
