"""`--jobs N` cuts large NDJSON files across processes and reports exactly what one process does."""

from __future__ import annotations

import gzip
import json
from itertools import pairwise
from unittest import mock

from conftest import CATALOG
from synthetic import day_of_traffic

from coralogix_pack.catalog.loader import load_catalog
from coralogix_pack.offline import parallel
from coralogix_pack.offline.backtest import BacktestOptions, backtest
from coralogix_pack.values.model import Values


def _inputs(tmp_path):
    lines = [json.dumps(record, separators=(",", ":")) for record in day_of_traffic(4000, seed=13)]
    for at, junk in (
        (5, "not json"),
        (1500, '{"foo": 1}'),
        (2600, "[1, 2"),
        (3300, ""),
        (3900, '{"bar": 2}'),
    ):
        lines.insert(at, junk)
    big = tmp_path / "day.ndjson"
    big.write_text("\n".join(lines) + "\n")
    packed = tmp_path / "day.ndjson.gz"
    packed.write_bytes(gzip.compress("\n".join(lines[:500]).encode()))
    return [big, packed]


def test_jobs_give_the_same_result_as_one_process(tmp_path):
    catalog = load_catalog(CATALOG)
    paths = _inputs(tmp_path)
    one = backtest(catalog, paths, Values())
    with mock.patch.object(parallel, "MIN_PART_BYTES", 200_000):
        parts = parallel.parts_of(paths, 3)
        many = backtest(catalog, paths, Values(), BacktestOptions(jobs=3))
    assert [(p.path.name, p.end >= 0) for p in parts] == [("day.ndjson", True)] * 3 + [
        ("day.ndjson.gz", False)
    ]
    assert many.as_dict() == one.as_dict()
    assert many.skip_reasons == one.skip_reasons
    assert one.alerts and one.skipped == 5  # (the checks above compare something)
    cut_after = [str(r.where) for r in one.skip_reasons if r.reason == "unknown record shape"]
    assert cut_after == [f"{paths[0]}:3901"]  # the second unknown record, found by another worker


def test_parts_cut_at_line_starts_and_cover_the_file(tmp_path):
    path = tmp_path / "lines.ndjson"
    path.write_text("".join(f'{{"time":"2026-11-20T10:00:00Z","n":{i}}}\n' for i in range(20_000)))
    parts = parallel.parts_of([path], 4, min_bytes=50_000)
    data = path.read_bytes()
    assert len(parts) == 4 and parts[0].start == 0 and parts[-1].end == len(data)
    assert all(a.end == b.start for a, b in pairwise(parts))
    assert all(data[p.start - 1 : p.start] == b"\n" for p in parts[1:])


def test_cli_jobs_prints_the_same_report(cli, tmp_path):
    paths = _inputs(tmp_path)
    with mock.patch.object(parallel, "MIN_PART_BYTES", 200_000):
        two = cli("backtest", *paths, "--jobs", "2", "--format", "json")
    one = cli("backtest", *paths, "--format", "json")
    assert (two.code, one.code) == (0, 0)
    assert json.loads(two.out) == json.loads(one.out) and two.err == one.err
    assert cli("backtest", *paths, "--jobs", "0").code == 1


def test_stdin_with_jobs_is_read_by_the_parent(tmp_path):
    import subprocess
    import sys

    data = _inputs(tmp_path)[0].read_bytes()

    def run(*extra):
        command = [sys.executable, "-m", "coralogix_pack", "backtest", "-", "--format", "json", *extra]
        return subprocess.run(command, input=data, capture_output=True, check=False)

    two, one = run("--jobs", "2"), run()
    assert (two.returncode, one.returncode) == (0, 0)
    assert json.loads(two.stdout) == json.loads(one.stdout) and json.loads(one.stdout)["records"] > 4000


def test_a_file_given_twice_is_numbered_from_one_twice(tmp_path):
    catalog = load_catalog(CATALOG)
    big = _inputs(tmp_path)[0]
    one = backtest(catalog, [big, big], Values())
    with mock.patch.object(parallel, "MIN_PART_BYTES", 200_000):
        many = backtest(catalog, [big, big], Values(), BacktestOptions(jobs=2))
    assert many.as_dict() == one.as_dict() and many.skip_reasons == one.skip_reasons
    assert [str(r.where) for r in one.skip_reasons][:2] == [f"{big}:6", f"{big}:1501"]
