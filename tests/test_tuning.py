"""Tuning without forking: exceptions with owner and expiry, routing, canary mode, group-by, coverage."""

from __future__ import annotations

import json

import pytest

from coralogix_pack.catalog.attack import attack_table
from coralogix_pack.emulator import Emulator
from coralogix_pack.emulator.logs import LogStore
from coralogix_pack.offline.coverage import shortname

KEY = "cxtp_Tuning_Key_33cc44dd"
AUTOMATION = "1b2c3d4e-0000-4000-8000-00000000abcd"
DEALLOCATE = "MICROSOFT.COMPUTE/VIRTUALMACHINES/DEALLOCATE/ACTION"
EXCEPTION_VALUES = f"""\
detections:
  resource-deallocated:
    exceptions:
      - match: {{field: identity.claims.appid, values: ["{AUTOMATION}"]}}
        reason: nightly cost-saving automation
        owner: platform-team
        expires: "2099-12-31"
"""
CLAUSE = f'AND NOT (identity.claims.appid:("{AUTOMATION}"))'


def _record(minute: int, appid: str, operation: str = DEALLOCATE) -> dict:
    return {
        "time": f"2026-11-20T10:{minute:02d}:00Z",
        "operationName": operation,
        "resultType": "Success",
        "resourceId": f"/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMPUTE/DISKS/{minute}",
        "identity": {"claims": {"appid": appid}},
    }


@pytest.fixture
def values(tmp_path):
    path = tmp_path / "values.yaml"
    path.write_text(EXCEPTION_VALUES)
    return path


@pytest.fixture
def logs(tmp_path):
    path = tmp_path / "deallocations.ndjson"
    records = [_record(i, AUTOMATION) for i in range(50)] + [_record(55, "someone-else")]
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def test_an_exception_is_the_same_clause_in_json_and_lucene(cli, values, tmp_path):
    out = tmp_path / "out"
    assert cli("render", "--values", values, "--out", out).code == 0
    lucene = (out / "queries" / "resource-deallocated.lucene").read_text().strip()
    body = json.loads((out / "alerts" / "resource-deallocated.json").read_text())
    query = body["alertDefProperties"]["logsImmediate"]["logsFilter"]["simpleFilter"]["luceneQuery"]
    assert lucene == query and lucene.endswith(CLAUSE) and lucene.startswith("(operationName:(")
    untouched = (out / "queries" / "resource-deleted.lucene").read_text()
    assert "identity.claims.appid" not in untouched
    tfvars = json.loads((out / "terraform" / "terraform.tfvars.json").read_text())
    assert tfvars["detections"]["resource-deallocated"]["exceptions"][0]["owner"] == "platform-team"


def test_backtest_counts_what_each_exception_suppressed(cli, values, logs):
    result = cli("backtest", logs, "--values", values, "--format", "json")
    assert result.code == 0, result.text
    tally = json.loads(result.out)["detections"]["resource-deallocated"]
    assert tally["matches"] == 1 and tally["alerts"] == 1  # only the other identity still alerts
    (exception,) = tally["exceptions"]
    assert exception["suppressed"] == 50 and "platform-team" in exception["exception"]
    assert (
        json.loads(cli("backtest", logs, "--format", "json").out)["detections"]["resource-deallocated"][
            "alerts"
        ]
        == 51
    )
    text = cli("backtest", logs, "--values", values)
    assert "suppressed 50 match(es)" in text.out


def test_a_dead_exception_shows(cli, tmp_path, logs):
    dead = tmp_path / "dead.yaml"
    dead.write_text(EXCEPTION_VALUES.replace(AUTOMATION, "nobody-at-all"))
    text = cli("backtest", logs, "--values", dead)
    assert "suppressed 0 match(es)  (dead" in text.out


@pytest.mark.parametrize(
    ("today", "code", "message"),
    [
        ("2100-01-05", 1, "exception expired on 2099-12-31 (owner platform-team)"),
        ("2099-12-20", 0, "warning: exception expires on 2099-12-31 (owner platform-team)"),
        ("2099-11-01", 0, None),
    ],
)
def test_expiry_against_a_fixed_clock(cli, values, monkeypatch, today, code, message):
    monkeypatch.setenv("PACK_TODAY", today)
    result = cli("validate", "--values", values)
    assert result.code == code, result.text
    if message:
        assert (
            f"{values}:4: detections.resource-deallocated.exceptions:" in result.err and message in result.err
        )
    else:
        assert "exception" not in result.err
    if code:
        allowed = cli("validate", "--values", values, "--allow-expired")
        assert allowed.code == 0 and "warning: exception expired" in allowed.err
    quiet = cli("validate", "--values", values, "--expiry-warning-days", "3", "--allow-expired")
    assert "expires on" not in quiet.err  # 11 days ahead is outside a 3-day warning period


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (
            "detections:\n  vm-deleted:\n    group_by: [identity.claims.appid]\n",
            3,
            "immediate detection",
        ),
        (
            "exceptions:\n  - lucene: 'operationName:(a OR'\n    reason: broken\n    owner: me\n",
            2,
            "invalid Lucene",
        ),
        (
            "exceptions:\n  - reason: nothing to match\n    owner: me\n",
            2,
            "exactly one",
        ),
        (
            "exceptions:\n  - match: {field: identity.claims.appid, values: ['<script>']}\n"
            "    reason: x y\n    owner: me\n",
            2,
            "does not match the expected form",
        ),
    ],
)
def test_tuning_errors_are_located(cli, tmp_path, text, line, message):
    path = tmp_path / "v.yaml"
    path.write_text(text)
    result = cli("validate", "--values", path)
    assert result.code == 1 and f"v.yaml:{line}:" in result.err and message in result.err, result.err


def test_pack_test_applies_exceptions(cli, tmp_path):
    path = tmp_path / "v.yaml"
    path.write_text(
        "detections:\n  vm-deleted:\n    exceptions:\n      - match: {field: resultType, values: [Success]}\n"
        "        reason: hides every completed delete\n        owner: me\n"
    )
    result = cli("test", "vm-deleted", "--values", path, "--format", "json")
    assert result.code == 1  # the exception removes records the detection must match: visible, not silent
    assert json.loads(result.out)["detections"][0]["failures"]


def test_group_by_counts_per_identity(cli, tmp_path):
    records = [
        _record(i, f"identity-{i % 2}", "MICROSOFT.COMPUTE/VIRTUALMACHINES/DELETE") for i in range(12)
    ]  # 12 deletes in 12 minutes: over the threshold of 10, but 6 per identity
    logs = tmp_path / "deletes.ndjson"
    logs.write_text("".join(json.dumps(r) + "\n" for r in records))
    grouped = tmp_path / "grouped.yaml"
    grouped.write_text("detections:\n  bulk-vm-deletion:\n    group_by: [identity.claims.appid]\n")
    alone = json.loads(cli("backtest", logs, "--format", "json").out)
    split = json.loads(cli("backtest", logs, "--values", grouped, "--format", "json").out)
    assert alone["detections"]["bulk-vm-deletion"]["alerts"] == 1
    assert split["detections"]["bulk-vm-deletion"]["alerts"] == 0
    out = tmp_path / "out"
    assert cli("render", "--values", grouped, "--out", out).code == 0
    body = json.loads((out / "alerts" / "bulk-vm-deletion.json").read_text())["alertDefProperties"]
    assert body["groupByKeys"] == ["identity.claims.appid"]


TUNED = """\
phantom: false
notifications:
  webhooks: [{integration_id: 11}]
  by_priority:
    P1: {webhooks: [{integration_id: 99}]}
detections:
  resource-deallocated:
    phantom: true
    notifications: {webhooks: [{recipients: [night-shift@example.com]}]}
    incidents: {notify_on: triggered_and_resolved, retrigger_minutes: 120}
  bulk-vm-deletion:
    group_by: [identity.claims.appid]
"""


@pytest.mark.parametrize("behaviour", [[], ["fill-defaults", "float-numbers", "emit-unpopulated"]])
def test_canary_routing_and_group_by_survive_apply_then_plan(cli, tmp_path, monkeypatch, behaviour):
    from coralogix_pack.emulator import Behaviour

    monkeypatch.setenv("CORALOGIX_API_KEY", KEY)
    path = tmp_path / "tuned.yaml"
    path.write_text(TUNED)
    with Emulator(KEY, behaviour=Behaviour.from_names(behaviour)) as server:
        args = ["--values", path, "--api-url", server.base_url, "--retry-base-delay", "0"]
        assert cli("apply", "--auto-approve", *args).code == 0
        assert cli("plan", "--detailed-exitcode", *args).code == 0
        stored = {
            a["alertDefProperties"]["entityLabels"]["pack_detection"]: a["alertDefProperties"]
            for a in server.alerts.values()
        }
    assert stored["resource-deallocated"]["phantomMode"] is True
    hooks = stored["resource-deallocated"]["notificationGroup"]["webhooks"]
    assert {json.dumps(h["integration"], sort_keys=True) for h in hooks} == {
        '{"integrationId": 11}',
        '{"recipients": {"emails": ["night-shift@example.com"]}}',
    }
    assert all(h["minutes"] == 120 for h in hooks)
    assert stored["bulk-vm-deletion"]["groupByKeys"] == ["identity.claims.appid"]
    p1 = stored["vm-backup-deleted"]["notificationGroup"]["webhooks"]
    assert {h["integration"].get("integrationId") for h in p1} == {11, 99}


def test_the_plan_shows_canary_mode(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("CORALOGIX_API_KEY", KEY)
    path = tmp_path / "canary.yaml"
    path.write_text("detections:\n  vm-deleted: {phantom: true}\n")
    with Emulator(KEY) as server:
        args = ["--api-url", server.base_url, "--retry-base-delay", "0"]
        assert cli("apply", "--auto-approve", *args).code == 0
        plan = cli("plan", "--values", path, *args)
    assert "phantomMode: false -> true" in plan.out


def test_coverage_layer(cli, tmp_path):
    values = tmp_path / "v.yaml"
    values.write_text("detections:\n  vm-password-reset: {enabled: false}\n  vm-deleted: {priority: P1}\n")
    layer = json.loads(cli("coverage", "--values", values, "--format", "json").out)
    table = attack_table()
    assert layer["versions"]["attack"] == table.version and layer["domain"] == "enterprise-attack"
    assert layer["versions"]["layer"] == "4.5"
    shortnames = {shortname(name) for name in table.tactics.values()}
    for entry in layer["techniques"]:
        assert entry["techniqueID"] in table.techniques and entry["tactic"] in shortnames
        assert 1 <= entry["score"] <= 5
    comments = " ".join(e["comment"] for e in layer["techniques"])
    assert "vm-password-reset" not in comments and "T1098" not in {
        e["techniqueID"] for e in layer["techniques"]
    }
    delete = next(e for e in layer["techniques"] if e["techniqueID"] == "T1578.003")
    assert delete["score"] == 5 and "vm-deleted (P1)" in delete["comment"]
    text = cli("coverage")
    assert text.code == 0 and "T1485 Data Destruction" in text.out


def test_preview_reports_suppressed_matches(cli, values, logs, monkeypatch):
    monkeypatch.setenv("CORALOGIX_API_KEY", KEY)
    with Emulator(KEY, logs=LogStore.from_files([logs])) as server:
        result = cli(
            "preview", "--values", values, "--only", "resource-deallocated", "--since", "1d",
            "--until", "2026-11-21T00:00:00Z", "--query-interval", "0", "--api-url", server.base_url,
            "--format", "json",
        )  # fmt: skip
    assert result.code == 0, result.text
    (detection,) = json.loads(result.out)["detections"]
    assert detection["matches"] == 1 and detection["exceptions"][0]["suppressed"] == 50


def test_preview_counts_a_grouped_threshold_per_group(cli, tmp_path, monkeypatch):
    records = [
        _record(i, f"identity-{i % 2}", "MICROSOFT.COMPUTE/VIRTUALMACHINES/DELETE") for i in range(12)
    ]  # 12 deletes in 12 minutes, 6 per identity: one alert without grouping, none with it
    logs = tmp_path / "deletes.ndjson"
    logs.write_text("".join(json.dumps(r) + "\n" for r in records))
    grouped = tmp_path / "grouped.yaml"
    grouped.write_text("detections:\n  bulk-vm-deletion:\n    group_by: [identity.claims.appid]\n")
    monkeypatch.setenv("CORALOGIX_API_KEY", KEY)
    window = ["--since", "1d", "--until", "2026-11-21T00:00:00Z", "--query-interval", "0", "--format", "json"]
    with Emulator(KEY, logs=LogStore.from_files([logs])) as server:
        base = ["preview", "--only", "bulk-vm-deletion", "--api-url", server.base_url, *window]
        alone = json.loads(cli(*base).out)["detections"][0]
        split = json.loads(cli(*base, "--values", grouped).out)["detections"][0]
        bodies = [
            r.body["query"] for r in server.requests if r.body and "roundTime" in r.body.get("query", "")
        ]
    assert alone["alerts"] == 1 and split["alerts"] == 0
    assert any(", $d.identity.claims.appid as g0 aggregate" in q for q in bodies)
