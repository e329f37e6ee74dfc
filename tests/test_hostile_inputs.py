"""Hostile inputs that used to crash (exit 3), hang or mislead: each gives a located error and exit 1."""

from __future__ import annotations

import gzip
import json
import os
import random
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import TEMPLATES

KEY = "cxtp_Inputs_Key_0a1b2c3d"


def _replace_query(catalog: Path, detection: str, query: str) -> None:
    path = catalog / f"{detection}.yaml"
    lines = path.read_text().splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith("query:"))
    end = next(i for i in range(start + 1, len(lines)) if lines[i][:1] not in (" ", "\n"))
    lines[start:end] = [f"query: {json.dumps(query)}\n"]
    path.write_text("".join(lines))


def _values(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "values.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: &a [*a]\n", "alias refers to a value that contains it"),
        ("? [a, b]\n: c\n", "a key must be plain text"),
        ("name_prefix: !secret x\n", "could not determine a constructor"),
        ("detections:\n  vm-deleted:\n    enabled: !!int abc\n", "cannot read 'abc'"),
        ("name_prefix: " + "9" * 5000 + "\n", "Exceeds the limit"),
        ("on: true\n", "reads as a boolean; quote it"),
        ("1: x\n", "reads as int"),
        ("a: " + "[" * 100 + "]" * 100 + "\n", "nested more than 64 levels"),
    ],
)
def test_hostile_yaml_is_a_located_error(cli, tmp_path, text, message):
    result = cli("validate", "--values", _values(tmp_path, text))
    assert result.code == 1, result.text
    assert "values.yaml:" in result.err and message in result.err and "internal error" not in result.err


def test_billion_laughs_is_refused_quickly(cli, tmp_path):
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        levels.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    started = time.monotonic()
    result = cli("validate", "--values", _values(tmp_path, "\n".join(levels) + "\n"))
    assert result.code == 1 and "aliases expand to more than" in result.err
    assert time.monotonic() - started < 10


def test_merge_keys_work_in_values_files(cli, tmp_path):
    text = (
        "x-base: &base\n  enabled: false\n  priority: P1\n"
        "detections:\n  vm-deleted:\n    <<: *base\n    priority: P2\n"
    )
    # the anchor holder is not a values key, so the schema rejects it: merged content must still be read
    result = cli("validate", "--values", _values(tmp_path, text))
    assert result.code == 1 and "x-base" in result.err and "internal error" not in result.err
    text = (
        "detections:\n  vm-deleted: &d\n    enabled: false\n  disk-deleted:\n    <<: *d\n    priority: P2\n"
    )
    out = tmp_path / "out"
    assert cli("render", "--values", _values(tmp_path, text), "--out", out).code == 0
    alert = json.loads((out / "alerts" / "disk-deleted.json").read_text())["alertDefProperties"]
    assert alert["enabled"] is False and alert["priority"] == "ALERT_DEF_PRIORITY_P2"


def test_deeply_nested_query_is_a_located_error(cli, catalog_copy):
    _replace_query(catalog_copy, "vm-deleted", "(" * 3000 + "operationName:x" + ")" * 3000)
    result = cli("validate", "--catalog", catalog_copy)
    assert result.code == 1 and "vm-deleted.yaml" in result.err and "nested 3000 deep" in result.err


@pytest.mark.parametrize("text", ["   ", "\t\t\t"])
def test_blank_title_is_rejected_before_the_api_sees_it(cli, catalog_copy, text):
    path = catalog_copy / "vm-deleted.yaml"
    lines = path.read_text().splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.startswith("title:"))
    lines[index] = f"title: {json.dumps(text)}\n"
    path.write_text("".join(lines))
    result = cli("validate", "--catalog", catalog_copy)
    assert result.code == 1 and f"vm-deleted.yaml:{index + 1}: title: text is blank" in result.err


@pytest.fixture
def templates(tmp_path):
    import shutil

    target = tmp_path / "templates"
    shutil.copytree(TEMPLATES, target)
    return target


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda t: t.replace('"name": {{ alert.name | json }}', '"name": {{ (1 / 0) | json }}'),
            "ZeroDivisionError",
        ),
        (
            lambda t: t.replace('"entityLabels": {{ alert.labels | json }},', ""),
            "has no alertDefProperties.entityLabels",
        ),
        (lambda t: t.replace("{{ alert.name | json }}", "{{ alert.name.nope() | json }}"), "template error"),
    ],
)
def test_template_errors_are_located(cli, tmp_path, templates, edit, message):
    path = templates / "alert.json.j2"
    path.write_text(edit(path.read_text()))
    result = cli("render", "--templates", templates, "--out", tmp_path / "o")
    assert result.code == 1 and "alert.json.j2" in result.err and message in result.err, result.text
    assert not (tmp_path / "o").exists()


def test_non_utf8_template(cli, tmp_path, templates):
    (templates / "description.txt.j2").write_bytes(b"caf\xe9 {{ detection.title }}\n")
    result = cli("render", "--templates", templates, "--out", tmp_path / "o")
    assert result.code == 1 and "description.txt.j2" in result.err and "not UTF-8" in result.err


# ---- backtest inputs ----

RECORD = {
    "time": "2026-11-20T10:00:00Z",
    "operationName": "MICROSOFT.COMPUTE/VIRTUALMACHINES/DELETE",
    "resultType": "Success",
    "category": "Administrative",
    "resourceId": "/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMPUTE/VIRTUALMACHINES/VM1",
}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            gzip.compress(b"not a record\n" + random.Random(0).randbytes(4000))[:200],
            "gzip stream is truncated",
        ),
        (b"\x1f\x8b" + b"x" * 40, "not a valid gzip file"),
        (b'{"time": "9999-12-31T23:59:59Z", "operationName": "x"}\n', "out of range"),
    ],
)
def test_broken_backtest_inputs_are_reported(cli, tmp_path, content, message):
    path = tmp_path / "logs.ndjson"
    path.write_bytes(content)
    result = cli("backtest", path)
    assert result.code == 1 and message in result.err and "internal error" not in result.err, result.text
    assert "no record of any input was readable" in result.err


def test_deeply_nested_record_is_skipped_not_a_crash(cli, tmp_path):
    deep = "[" * 5000 + "]" * 5000
    path = tmp_path / "logs.ndjson"
    path.write_text('{"x": ' + deep + "}\n" + json.dumps(RECORD) + "\n")
    result = cli("backtest", path, "--format", "json")
    assert result.code == 0 and "internal error" not in result.err
    assert json.loads(result.out)["records"] == 1


def test_cut_first_line_streams_the_rest(cli, tmp_path):
    path = tmp_path / "logs.ndjson"
    path.write_text('{"time": "2026-11-20T09:00:00Z", "operat\n' + (json.dumps(RECORD) + "\n") * 3)
    result = cli("backtest", path, "--format", "json")
    assert result.code == 0, result.text
    report = json.loads(result.out)
    assert report["records"] == 3 and report["skipped"] == 1 and f"{path}:1: skipped" in result.err


@pytest.mark.slow
def test_stdin_and_named_pipes_are_read(tmp_path):
    data = (json.dumps(RECORD) + "\n").encode()
    command = [sys.executable, "-m", "coralogix_pack", "backtest", "--format", "json"]
    piped = subprocess.run([*command, "-"], input=data, capture_output=True, timeout=60)
    assert piped.returncode == 0 and json.loads(piped.stdout)["records"] == 1
    fifo = tmp_path / "pipe.ndjson"
    os.mkfifo(fifo)
    process = subprocess.Popen([*command, str(fifo)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    with fifo.open("wb") as writer:
        writer.write(data)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert json.loads(out)["records"] == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", ""], "no usable time"),
        (["--from", "2026-11-21T00:00:00Z", "--to", "2026-11-20T00:00:00Z"], "is not before --to"),
        (["--reorder-window", "-1"], "--reorder-window"),
        (["--reorder-window", "nan"], "--reorder-window"),
    ],
)
def test_backtest_options_are_range_checked(cli, tmp_path, args, message):
    path = tmp_path / "logs.ndjson"
    path.write_text(json.dumps(RECORD) + "\n")
    result = cli("backtest", path, *args)
    assert result.code == 1 and message in result.err


def test_a_folder_without_log_files_as_backtest_input(cli, tmp_path):
    (tmp_path / "notes.txt").write_text("not a log", encoding="utf-8")
    result = cli("backtest", tmp_path)
    assert result.code == 1 and "a folder without log files" in result.err


# ---- deploy options ----


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--api-url", "http://127.0.0.1:99999/mgmt/openapi/5"], "invalid port"),
        (["--api-url", "http://127.0.0.1:9/x", "--timeout", "0"], "--timeout"),
        (["--api-url", "http://127.0.0.1:9/x", "--timeout", "nan"], "--timeout"),
        (["--api-url", "http://127.0.0.1:9/x", "--timeout", "-5"], "--timeout"),
    ],
)
def test_deploy_options_are_range_checked(cli, monkeypatch, args, message):
    monkeypatch.setenv("CORALOGIX_API_KEY", KEY)
    result = cli("plan", *args)
    assert result.code == 1 and message in result.err and "internal error" not in result.err


def test_negative_max_delete(cli, monkeypatch):
    monkeypatch.setenv("CORALOGIX_API_KEY", KEY)
    result = cli("apply", "--max-delete", "-1", "--region", "EU2")
    assert result.code == 1 and "--max-delete" in result.err


def test_mistyped_flag_exits_1_not_2(cli):
    result = cli("plan", "--vaules", "x")
    assert result.code == 1 and "No such option" in result.err


# ---- the emulator as a process ----


def _emulator(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "coralogix_pack", "emulator", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "CORALOGIX_API_KEY": KEY},
    )


@pytest.mark.slow
def test_emulator_on_a_busy_or_invalid_port():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        result = _emulator("--port", str(busy.getsockname()[1]))
    assert result.returncode == 1 and "cannot listen" in result.stderr and "Traceback" not in result.stderr
    result = _emulator("--port", "70000")
    assert result.returncode == 1 and "--port" in result.stderr
    result = _emulator("--behaviour", "teleport")
    assert result.returncode == 1 and "unknown behaviour 'teleport'" in result.stderr


def test_emulator_answers_malformed_requests_with_400():
    from coralogix_pack.emulator import Emulator

    with Emulator(KEY) as server:
        host, port = server.server.server_address[:2]
        for request in (
            b"POST /mgmt/openapi/5/alerts/alerts/v3 HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
            b"POST /mgmt/openapi/5/alerts/alerts/v3 HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n",
        ):
            with socket.create_connection((host, port), timeout=5) as conn:
                conn.sendall(request)
                answer = conn.recv(4096)
            assert answer.startswith(b"HTTP/1.1 400"), answer
            assert b"Traceback" not in answer


@pytest.mark.slow
def test_output_into_a_closed_pipe_is_quiet(tmp_path):
    shell = f"{sys.executable} -m coralogix_pack test --format json | head -c 10 > /dev/null"
    result = subprocess.run(
        ["bash", "-o", "pipefail", "-c", shell], capture_output=True, text=True, timeout=60
    )
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
