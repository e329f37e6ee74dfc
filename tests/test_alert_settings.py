"""Alert settings end to end: evaluation delay, schedules, Notification Center, payload fields and
data sets, from values files to the account, the backtest, the preview and the doctor."""

from __future__ import annotations

import json
import random

import pytest
from conftest import CONTRACT, REPO
from hypothesis import given, settings
from hypothesis import strategies as st
from synthetic import Operation, lifecycle

import coralogix_pack as cp
from coralogix_pack.core.timeutil import format_time, parse_time
from coralogix_pack.emulator import Emulator
from coralogix_pack.emulator.logs import LogStore
from coralogix_pack.offline.windows import LaggedThresholdFiring, ThresholdFiring
from coralogix_pack.values.settings import Schedule

KEY = "cxtp_Zq9LmWx7Rt4Vb2Np"
PRODUCTION = REPO / "examples" / "values.production.yaml"
CONNECTORS = [
    {"id": "slack-sec-alerts", "name": "Slack #sec-alerts", "type": "SLACK"},
    {"id": "pagerduty-security", "name": "PagerDuty security rota", "type": "PAGERDUTY"},
]
PRESETS = [{"id": "pagerduty-default", "name": "PagerDuty default"}]
BURST_START = parse_time("2026-11-21T10:00:00Z")  # a Saturday


def _burst(path, count=11, every=60.0, start=BURST_START):
    rng = random.Random(1)
    records = []
    for index in range(count):
        delete = Operation(
            "Microsoft.Compute/virtualMachines/delete", f"Microsoft.Compute/virtualMachines/vm-{index}"
        )
        records += lifecycle(delete, start + index * every, rng)
    records.sort(key=lambda r: r["time"])
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def test_production_values_render_every_setting_contract_valid():
    rendered = cp.render(cp.load_pack(values=[PRODUCTION]))
    backup = rendered.alerts["vm-backup-deleted"]["alertDefProperties"]  # P1 in these values
    destinations = backup["notificationGroup"]["destinations"]
    assert [(d["connectorId"], d.get("presetId")) for d in destinations] == [
        ("slack-sec-alerts", None),
        ("pagerduty-security", "pagerduty-default"),
    ]
    assert destinations[1]["notifyOn"] == "NOTIFY_ON_TRIGGERED_AND_RESOLVED"
    assert backup["logsImmediate"]["notificationPayloadFilter"][:2] == [
        "identity.claims.name",
        "identity.authorization.evidence.principalId",
    ]
    bulk = rendered.alerts["bulk-disk-deletion"]["alertDefProperties"]
    assert bulk["logsThreshold"]["evaluationDelayMs"] == 600_000 and "activeOn" not in bulk
    assert "evaluationDelayMs" not in backup["logsImmediate"]  # immediate alerts have none
    if not CONTRACT.exists():
        pytest.skip("the OpenAPI contract is not beside the project")
    from contract import contract_errors

    for detection, body in rendered.alerts.items():
        assert contract_errors(CONTRACT, body) == [], detection


def test_apply_then_plan_is_clean_and_a_ui_change_to_any_setting_is_drift(cli, monkeypatch):
    monkeypatch.setenv("CORALOGIX_API_KEY", KEY)
    with Emulator(KEY, connectors=CONNECTORS, presets=PRESETS) as server:
        target = ["--api-url", server.base_url, "--values", PRODUCTION]
        applied = cli("apply", "--auto-approve", *target)
        assert applied.code == 0, applied.text
        assert (
            "destination: PagerDuty security rota (pagerduty-security), preset PagerDuty default"
            in applied.out
        )
        assert "evaluation delay: 10 min" in applied.out
        assert cli("plan", *target, "--detailed-exitcode").code == 0
        alerts = {
            a["alertDefProperties"]["entityLabels"]["pack_detection"]: a for a in server.alerts.values()
        }
        edits = {
            "schedule": lambda p: p.update(
                activeOn={
                    "dayOfWeek": ["DAY_OF_WEEK_SATURDAY"],
                    "startTime": {"hours": 1},
                    "endTime": {"hours": 2},
                }
            ),
            "delay": lambda p: p["logsThreshold"].update(evaluationDelayMs=0),
            "destination": lambda p: p["notificationGroup"]["destinations"].pop(),
            "payload": lambda p: p["logsThreshold"].update(notificationPayloadFilter=[]),
            "data set": lambda p: p.update(dataSources=[{"dataSpace": "x", "dataSet": "y"}]),
        }
        for name, edit in edits.items():
            alert = alerts["bulk-vm-deletion"]
            before = json.loads(json.dumps(alert["alertDefProperties"]))
            edit(alert["alertDefProperties"])
            report = json.loads(cli("plan", *target, "--format", "json").out)
            assert [d["detection"] for d in report["drift"]] == ["bulk-vm-deletion"], name
            alert["alertDefProperties"] = before
        alert = alerts["bulk-vm-deletion"]
        alert["alertDefProperties"]["activeOn"] = {
            "dayOfWeek": ["DAY_OF_WEEK_SATURDAY"],
            "startTime": {"hours": 1},
            "endTime": {"hours": 2},
        }
        shown = cli("plan", *target).out
        assert "schedule: Sat 01:00-02:00 UTC -> always" in shown
        alert["alertDefProperties"]["logsThreshold"]["evaluationDelayMs"] = 300_000
        assert "evaluationDelayMs: 5 min -> 10 min" in cli("plan", *target).out


def test_a_late_burst_fires_with_the_default_delay_and_not_without(cli, tmp_path):
    burst = _burst(tmp_path / "burst.ndjson")  # 11 VM deletes one minute apart
    nodelay = tmp_path / "nodelay.yaml"
    nodelay.write_text("evaluation_delay: 0\n")

    def alerts(*args):
        result = cli("backtest", burst, "--latency", "15m", "--format", "json", *args)
        assert result.code == 0, result.text
        return [a for a in json.loads(result.out)["alerts"] if a["detection"] == "bulk-vm-deletion"]

    delayed = alerts()
    assert len(delayed) == 1 and delayed[0]["matches"] == 11
    assert alerts("--values", nodelay) == []  # each record counts in only the last 5 minutes of a window
    on_time = cli("backtest", burst, "--values", nodelay, "--format", "json")
    assert [a["detection"] for a in json.loads(on_time.out)["alerts"]].count("bulk-vm-deletion") == 1


def test_an_arrival_field_models_each_record_on_its_own(tmp_path):
    path = _burst(tmp_path / "burst.ndjson")
    records = [json.loads(line) for line in path.read_text().splitlines()]
    for index, record in enumerate(records):  # the last 3 deletes arrive 40 minutes late, the rest on time
        late = 2400 if index >= len(records) - 9 else 0
        record["EnqueuedTimeUtc"] = format_time(parse_time(record["time"]) + late)
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    pack = cp.load_pack()
    late = cp.backtest(pack, [path], cp.BacktestOptions(arrival_field="EnqueuedTimeUtc"))
    assert late.detections["bulk-vm-deletion"].alerts == 0
    assert cp.backtest(pack, [path]).detections["bulk-vm-deletion"].alerts == 1
    with pytest.raises(cp.PackError, match="--latency"):
        cp.backtest(pack, [path], cp.BacktestOptions(arrival_field="x", latency=60.0))


def test_a_weekday_schedule_suppresses_a_saturday_match(cli, tmp_path):
    burst = _burst(tmp_path / "saturday.ndjson", count=1)
    office = tmp_path / "office.yaml"
    office.write_text(
        "schedule: {days: [Monday, Tuesday, Wednesday, Thursday, Friday], start: '08:00', end: '18:00'}\n"
    )
    result = cli("backtest", burst, "--values", office, "--format", "json")
    assert result.code == 0, result.text
    report = json.loads(result.out)
    assert report["detections"]["vm-deleted"]["matches"] == 1
    assert report["detections"]["vm-deleted"]["outside_schedule"] == 1
    assert report["detections"]["vm-deleted"]["alerts"] == 0
    plain = json.loads(cli("backtest", burst, "--format", "json").out)
    assert plain["detections"]["vm-deleted"]["alerts"] == 1
    text = cli("test", "vm-deleted", "--values", office)
    assert text.code == 0 and "vm-deleted: " not in text.out  # its test records are on a Friday morning


def test_schedules_overnight_and_whole_days():
    office = Schedule(("Monday",), "08:00", "18:00")
    assert office.active(parse_time("2026-11-23T08:00:00Z")) and not office.active(
        parse_time("2026-11-23T18:00:00Z")
    )
    night = Schedule(("Friday",), "22:00", "06:00")
    assert night.active(parse_time("2026-11-20T23:00:00Z"))  # Friday night
    assert night.active(parse_time("2026-11-21T05:59:00Z"))  # into Saturday morning
    assert not night.active(parse_time("2026-11-21T22:30:00Z"))  # Saturday night is not Friday's
    weekend = Schedule(("Saturday", "Sunday"), "00:00", "00:00")
    assert weekend.active(parse_time("2026-11-22T12:00:00Z")) and not weekend.active(
        parse_time("2026-11-23T00:00:00Z")
    )


def test_preview_suppresses_alerts_outside_the_schedule(cli, monkeypatch, tmp_path):
    burst = _burst(tmp_path / "saturday.ndjson", count=2, every=3600.0)
    office = tmp_path / "office.yaml"
    office.write_text("schedule: {days: [Saturday], start: '10:30', end: '23:00'}\n")
    monkeypatch.setenv("CORALOGIX_API_KEY", KEY)
    until = format_time(BURST_START + 86400)
    with Emulator(KEY, logs=LogStore.from_files([burst])) as server:
        args = [
            "--since",
            "2d",
            "--until",
            until,
            "--query-interval",
            "0",
            "--format",
            "json",
            "--only",
            "vm-deleted",
        ]
        result = cli("preview", *args, "--values", office, "--api-url", server.base_url)
    assert result.code == 0, result.text
    (detection,) = json.loads(result.out)["detections"]
    assert detection["matches"] == 2 and detection["alerts"] == 1 and detection["outside_schedule"] == 1


def test_doctor_names_a_connector_the_account_does_not_have(cli, monkeypatch, tmp_path):
    monkeypatch.setenv("CORALOGIX_API_KEY", KEY)
    burst = _burst(tmp_path / "logs.ndjson", count=2)
    window = ["--since", "2d", "--until", format_time(BURST_START + 86400), "--query-interval", "0"]
    with Emulator(
        KEY, connectors=CONNECTORS[:1], presets=PRESETS, logs=LogStore.from_files([burst])
    ) as server:
        result = cli(
            "doctor", *window, "--values", PRODUCTION, "--api-url", server.base_url, "--format", "json"
        )
        fine = Emulator(KEY, connectors=CONNECTORS, presets=PRESETS, logs=LogStore.from_files([burst]))
    assert result.code == 1
    check = {c["name"]: c for c in json.loads(result.out)["checks"]}["notification center"]
    assert check["status"] == "fail" and "connector 'pagerduty-security'" in check["message"]
    assert [c["id"] for c in check["connectors"]] == ["slack-sec-alerts"]
    with fine:
        good = cli("doctor", *window, "--values", PRODUCTION, "--api-url", fine.base_url, "--format", "json")
    ok = {c["name"]: c for c in json.loads(good.out)["checks"]}["notification center"]
    assert ok["status"] == "ok" and "2 connectors and 1 presets visible" in ok["message"]


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("evaluation_delay: 4h\n", 1, "longer than the 3 hours the API allows"),
        (
            "detections:\n  vm-deleted:\n    evaluation_delay: 5m\n",
            3,
            "only threshold alerts have an evaluation delay",
        ),
        ("payload_fields:\n  - resourceId\n  - caller.name\n", 3, "unknown field 'caller.name'"),
        (
            "notifications:\n  router: {}\n  destinations: [{connector_id: a}]\n",
            2,
            "both a router and destinations",
        ),
        ("schedule: {days: [Funday], start: '08:00', end: '18:00'}\n", 1, "'Funday' is not allowed"),
        ("schedule: {days: [Monday], start: '8:00', end: '18:00'}\n", 1, "'8:00' does not match"),
    ],
    ids=["delay-range", "delay-kind", "payload-field", "router-and-destinations", "day", "time"],
)
def test_bad_settings_are_refused_with_file_and_line(cli, tmp_path, text, where, message):
    values = tmp_path / "values.yaml"
    values.write_text(text)
    result = cli("validate", "--values", values)
    assert result.code == 1
    assert f"{values}:{where}" in result.err and message in result.err, result.err


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=7200), max_size=40), st.integers(min_value=0, max_value=4))
def test_a_lagged_threshold_without_lag_is_the_plain_threshold(seconds, count):
    times = sorted(float(s) for s in seconds)
    plain = ThresholdFiring("d", count, 600.0)
    lagged = LaggedThresholdFiring("d", count, 600.0)
    expected = [(a.time, a.records) for t in times if (a := plain.feed(t, t)) is not None]
    got = [(a.time, a.records) for t in times for a in lagged.feed(t, 0.0, t)] + [
        (a.time, a.records) for a in lagged.finish()
    ]
    assert got == expected
