"""The public library API, used as a script would: load, render, test, backtest, plan, apply, export."""

from __future__ import annotations

import json
import socket

import httpx
import pytest
from conftest import DETECTION_IDS, REPO

import coralogix_pack as cp
from coralogix_pack.emulator import Emulator

KEY = "cxtp_Library_Key_1234abcd"


def test_load_and_render_the_bundled_pack():
    pack = cp.load_pack()
    rendered = cp.render(pack)
    assert sorted(rendered.alerts) == sorted(DETECTION_IDS)
    assert rendered.alerts["vm-deleted"]["alertDefProperties"]["name"] == "Azure VM deleted"
    assert "terraform/main.tf" in rendered.files and sorted(pack.deployed.ids) == sorted(DETECTION_IDS)


def test_values_write_and_check(tmp_path):
    pack = cp.load_pack(values=[REPO / "examples" / "values.production.yaml"])
    rendered = cp.render(pack)
    assert rendered.alerts["vm-deleted"]["alertDefProperties"]["name"].startswith("[SEC][Azure] ")
    assert cp.write(rendered, tmp_path / "out") == ([], [])
    assert cp.check(rendered, tmp_path / "out") == ""
    assert "fresh render" in cp.check(cp.render(cp.load_pack()), tmp_path / "out")


def test_invalid_input_raises_pack_error_with_diagnostics(tmp_path):
    values = tmp_path / "v.yaml"
    values.write_text("detections:\n  no-such-detection: {enabled: false}\n")
    with pytest.raises(cp.PackError) as info:
        cp.load_pack(values=[values])
    (diagnostic,) = info.value.diagnostics
    assert diagnostic.file == str(values) and diagnostic.line == 2 and diagnostic.is_error
    assert diagnostic.code == "CXP510"
    assert isinstance(info.value, cp.CoralogixPackError)
    result = cp.validate(values=[values])
    assert not result.ok and any("no-such-detection" in d.message for d in result.diagnostics)
    assert cp.validate().ok


def test_run_tests_and_backtest(tmp_path):
    pack = cp.load_pack()
    run = cp.run_tests(pack, ["vm-deleted"])
    assert [r.id for r in run] == ["vm-deleted"] and run.ok and run.as_dict()["detections"][0]["ok"]
    with pytest.raises(cp.PackError, match="unknown detection id 'nope'"):
        cp.run_tests(pack, ["nope"])
    logs = tmp_path / "logs.ndjson"
    record = {
        "time": "2026-11-20T10:00:00Z",
        "operationName": "MICROSOFT.COMPUTE/VIRTUALMACHINES/DELETE",
        "resultType": "Success",
    }
    logs.write_text(json.dumps(record) + "\n")
    result = cp.backtest(pack, [logs])
    assert result.records == 1 and result.detections["vm-deleted"].alerts == 1


def test_plan_apply_export_against_the_emulator(monkeypatch, tmp_path):
    monkeypatch.setenv("CORALOGIX_API_KEY", KEY)
    pack = cp.load_pack()
    with Emulator(KEY) as server, cp.connect(api_url=server.base_url, retry_base_delay=0) as client:
        plan = cp.plan(pack, client)
        assert plan.count("create") == 13
        seen = []
        result = cp.apply(plan, client, seen.append, max_delete=0)
        assert len(seen) == 13 and not result.failed
        assert cp.plan(pack, client).changes == []
        written = cp.export(pack, client, tmp_path / "export")
        assert len(written) == 13
        with pytest.raises(cp.PackError, match="unknown detection id"):
            cp.plan(pack, client, only=["nope"])


def test_errors_share_one_base(monkeypatch):
    monkeypatch.delenv("CORALOGIX_API_KEY", raising=False)
    with pytest.raises(cp.TargetError) as info:
        cp.connect(region="EU1")
    assert isinstance(info.value, cp.CoralogixPackError)
    assert issubclass(cp.ApiError, cp.CoralogixPackError) and issubclass(
        cp.TooManyDeletes, cp.CoralogixPackError
    )
    with pytest.raises(AttributeError):
        _ = cp.no_such_name


# ---- the emulator's own error paths ----


def test_emulator_command_errors_in_process(cli, monkeypatch):
    monkeypatch.setenv("CORALOGIX_API_KEY", KEY)
    assert cli("emulator", "--port", "70000").code == 1
    assert "unknown behaviour" in cli("emulator", "--port", "0", "--behaviour", "teleport").err
    assert "loopback" in cli("emulator", "--host", "0.0.0.0", "--port", "0").err
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        result = cli("emulator", "--port", str(busy.getsockname()[1]))
    assert result.code == 1 and "cannot listen" in result.err


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"alertDefProperties": {"name": "x", "logsImmediate": {}, "colour": 1}}, "colour: unknown field"),
        ({"alertDefProperties": {"name": "x", "priority": "P1", "logsImmediate": {}}}, "priority"),
        ({"alertDefProperties": {"name": "x"}}, "alertDefProperties"),
        ({"alertDefProperties": {"name": "   ", "logsImmediate": {}}}, "name"),
        ({"alertDefProperties": {"name": "x", "logsImmediate": {}}, "extra": 1}, "extra: unknown field"),
        ([1, 2], "body must be a JSON object"),
    ],
)
def test_emulator_rejects_bad_bodies(body, message):
    with Emulator(KEY) as server:
        answer = httpx.post(
            server.base_url + "/alerts/alerts/v3", json=body, headers={"Authorization": f"Bearer {KEY}"}
        )
    assert answer.status_code == 400 and message in answer.json()["message"]
