"""Second hostile round, inputs: every reader has a cap before it buffers, and the leftovers of
the first round give clear errors (never exit 3)."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys

import pytest
from conftest import TEMPLATES

RECORD = {
    "time": "2026-11-20T09:00:00Z",
    "operationName": "MICROSOFT.COMPUTE/VIRTUALMACHINES/DELETE",
    "resultType": "Success",
}


def _clean(result) -> None:
    assert result.code in (0, 1), result.text
    assert "Traceback" not in result.text and "internal error" not in result.text


def test_a_gzip_whose_first_line_expands_past_the_cap_is_skipped_not_held(cli, tmp_path):
    path = tmp_path / "bomb.ndjson.gz"
    with gzip.open(path, "wb") as handle:
        handle.write(b"{" + b"a" * (20 * 2**20) + b"\n")
        handle.write(json.dumps(RECORD).encode() + b"\n")
    result = cli("backtest", path)
    _clean(result)
    assert f"{path}:1: skipped: line over 16 MiB" in result.err
    assert "1 records replayed" in result.text


@pytest.mark.parametrize(
    ("size", "needle"), [(200_000, "replayed"), (17 * 2**20, "stopped reading this CSV")]
)
def test_long_csv_fields_are_read_or_refused_with_a_reason(cli, tmp_path, size, needle):
    path = tmp_path / "export.csv"
    header = "TimeGenerated,OperationNameValue,ActivityStatusValue,Properties\n"
    path.write_text(header + f'2026-11-20T09:00:00Z,X,Success,"{"p" * size}"\n')
    result = cli("backtest", path)
    _clean(result)
    assert needle in result.text


def test_a_record_nested_in_a_thousand_lists_is_a_skip(cli, tmp_path):
    path = tmp_path / "deep.ndjson"
    path.write_text("[" * 1000 + json.dumps(RECORD) + "]" * 1000 + "\n")
    result = cli("backtest", path)
    _clean(result)
    assert "skipped" in result.err


def test_a_scenario_time_out_of_range_fails_the_test_with_a_reason(cli, catalog_copy):
    path = catalog_copy / "bulk-disk-deletion.yaml"
    text = path.read_text()
    start = next(line for line in text.splitlines() if line.strip().startswith("start:"))
    path.write_text(text.replace(start, "    start: '9999-12-31T23:59:00Z'"))
    result = cli("test", "--catalog", catalog_copy)
    _clean(result)
    assert result.code == 1 and "is out of range (1900 to 9998)" in result.text


def test_a_blank_query_is_called_blank(cli, catalog_copy):
    path = catalog_copy / "vm-deleted.yaml"
    lines = path.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("query:"))
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith(" "))
    path.write_text("\n".join([*lines[:start], 'query: " "', *lines[end:]]) + "\n")
    result = cli("validate", "--catalog", catalog_copy)
    assert result.code == 1 and "the query is blank" in result.err and "parenthesis" not in result.err


def test_a_missing_included_template_is_named_with_its_includer(cli, tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    (templates / "_logs_filter.json.j2").unlink()
    result = cli("render", "--templates", templates, "--out", tmp_path / "out")
    assert result.code == 1
    assert (
        f"{templates / '_logs_filter.json.j2'}: template not found (included by alert.json.j2)" in result.err
    )


def test_one_of_errors_name_the_alternatives(cli, tmp_path):
    values = tmp_path / "v.yaml"
    values.write_text(
        "exceptions:\n  - reason: both set\n    owner: me\n    lucene: caller:x\n"
        "    match: {field: caller, values: [x]}\n"
    )
    result = cli("validate", "--values", values)
    assert result.code == 1 and "must set exactly one of: match; lucene" in result.err


@pytest.mark.parametrize(
    ("url", "needle"),
    [
        ("https:///", "has no host name"),
        ("https://api.x.test/mgmt/openapi/5?team=1", "query string"),
        ("https://api.x.test/mgmt/openapi/5#x", "query string or fragment"),
    ],
)
def test_odd_api_urls_are_clear(cli, monkeypatch, url, needle):
    monkeypatch.setenv("CORALOGIX_API_KEY", "cxtp_Url_Key_0011223344")
    result = cli("plan", "--api-url", url)
    assert result.code == 1 and needle in result.err


def test_an_error_is_not_buried_among_provenance_warnings(cli, catalog_copy):
    path = catalog_copy / "bulk-disk-deletion.yaml"
    path.write_text(path.read_text().replace("priority: P1", "priority: P9"))
    result = cli("test", "--catalog", catalog_copy)
    first = result.err.splitlines()[0]
    assert result.code == 1 and "'P9' is not allowed" in first
    assert "warning: vendor mapping" not in result.err


@pytest.mark.slow
def test_backtest_into_a_closed_pipe_says_so():
    backtest = subprocess.Popen(
        [sys.executable, "-m", "coralogix_pack", "backtest", "-", "--format", "json"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    backtest.stdout.close()  # the reader went away, as `head` does
    _, err = backtest.communicate((json.dumps(RECORD) + "\n").encode() * 2000, timeout=60)
    assert backtest.returncode == 1 and b"broken pipe" in err and b"Traceback" not in err
