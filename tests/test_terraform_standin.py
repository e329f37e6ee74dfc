"""Type-check the rendered module with Terraform itself against a stand-in of the provider.

The stand-in (tests/tfstub) serves the coralogix_alert schema over the plugin
protocol; a dev_overrides CLI config points Terraform at it, so `validate` and
`plan` run offline and without `terraform init`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from coralogix_pack.cli import run

TERRAFORM = shutil.which("terraform")
pytestmark = pytest.mark.skipif(TERRAFORM is None, reason="terraform not on PATH")
TESTS = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def tf_env(tmp_path_factory) -> dict[str, str]:
    return tf_env_for(tmp_path_factory.mktemp("tfprovider"))


def tf_env_for(home: Path) -> dict[str, str]:
    """Environment for Terraform with the stand-in provider installed under ``home``."""
    plugin = home / "bin" / "terraform-provider-coralogix"
    plugin.parent.mkdir(parents=True)
    plugin.write_text(
        f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(TESTS)!r})\n"
        "from tfstub.coralogix_provider import main\nmain()\n"
    )
    plugin.chmod(0o755)
    config = home / "cli.tfrc"
    config.write_text(
        "provider_installation {\n  dev_overrides {\n"
        f'    "coralogix/coralogix" = "{plugin.parent}"\n  }}\n  direct {{}}\n}}\n'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
    return {**env, "TF_CLI_CONFIG_FILE": str(config), "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"}


@pytest.fixture
def module(tmp_path) -> Path:
    out = tmp_path / "out"
    assert run(["render", "--out", str(out)]) == 0
    return out / "terraform"


def terraform(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [TERRAFORM, *args, "-no-color"], cwd=cwd, env=env, capture_output=True, text=True, timeout=240
    )


def planned_creates(env: dict[str, str], cwd: Path, *args: str) -> list[dict]:
    result = terraform(env, cwd, "plan", "-input=false", "-out=tfplan", *args)
    assert result.returncode == 0, result.stdout + result.stderr
    shown = subprocess.run(
        [TERRAFORM, "show", "-json", "tfplan"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    changes = json.loads(shown.stdout)["resource_changes"]
    return [c for c in changes if c["type"] == "coralogix_alert" and c["change"]["actions"] == ["create"]]


def test_validate_and_plan_with_default_inputs(tf_env, module):
    result = terraform(tf_env, module, "validate")
    assert result.returncode == 0, result.stdout + result.stderr
    creates = planned_creates(tf_env, module)
    assert len(creates) == 13
    after = {c["name"]: c["change"]["after"] for c in creates}
    disk = after["bulk_disk_deletion"]
    rule = disk["type_definition"]["logs_threshold"]["rules"][0]
    assert rule["condition"] == {"threshold": 10, "time_window": "20_MINUTES", "condition_type": "MORE_THAN"}
    assert after["vm_deleted"]["priority"] == "P3"
    assert after["vm_deleted"]["labels"]["pack_detection"] == "vm-deleted"


def test_plan_with_production_tfvars(tf_env, tmp_path):
    out = tmp_path / "out"
    values = TESTS.parent / "examples" / "values.production.yaml"
    assert run(["render", "--out", str(out), "--values", str(values)]) == 0
    creates = planned_creates(tf_env, out / "terraform")
    after = {c["name"]: c["change"]["after"] for c in creates}
    assert len(after) == 13
    assert after["resource_deleted"]["enabled"] is False
    assert after["vm_deleted"]["name"] == "[SEC][Azure] Azure VM deleted"
    bulk = after["bulk_disk_deletion"]
    assert bulk["name"] == "[SEC][Azure] More than 15 Azure managed disks deleted within 20 minutes"
    assert bulk["description"].startswith("Fires when more than 15 deletions of managed disks")
    rule = after["bulk_disk_deletion"]["type_definition"]["logs_threshold"]["rules"][0]
    assert rule["condition"]["threshold"] == 15
    group = after["vm_deleted"]["notification_group"]
    assert [h["recipients"] for h in group["webhooks_settings"]] == [["secops@example.com"]]
    assert [d["connector_id"] for d in group["destinations"]] == ["slack-sec-alerts"]
    paged = after["vm_backup_deleted"]["notification_group"]["destinations"]  # P1 in these values
    assert [(d["connector_id"], d["preset_id"]) for d in paged] == [
        ("slack-sec-alerts", ""),
        ("pagerduty-security", "pagerduty-default"),
    ]
    assert rule is not None and bulk["type_definition"]["logs_threshold"]["custom_evaluation_delay"] == 600000
    assert after["vm_deleted"]["type_definition"]["logs_immediate"]["notification_payload_filter"]
    filters = after["vm_deleted"]["type_definition"]["logs_immediate"]["logs_filter"]["simple_filter"]
    assert filters["label_filters"]["application_name"] == [{"value": "azure", "operation": "STARTS_WITH"}]


MUTATIONS = [
    ("type_definition = {", "type_definition {", "validate", "Unsupported block type"),
    ("override = { priority", "# override = { priority", "validate", 'attribute "override" is required'),
    ('condition_type = "MORE_THAN"', 'condition_type = "GREATER"', "plan", "'GREATER' is not one of"),
    pytest.param(
        '"20m" = "20_MINUTES"', '"20m" = "20MIN"', "plan", "'20MIN' is not one of", marks=pytest.mark.slow
    ),
    pytest.param(
        'labels      = merge(var.labels, local.ownership_labels["vm-deleted"])',
        'group_by    = ["x"]\n  labels      = merge(var.labels, local.ownership_labels["vm-deleted"])',
        "plan",
        "group_by is not supported",
        marks=pytest.mark.slow,
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "command", "message"),
    MUTATIONS,
    ids=[(m.values if hasattr(m, "values") else m)[-1] for m in MUTATIONS],
)
def test_standin_catches_broken_modules(tf_env, module, old, new, command, message):
    main = module / "main.tf"
    text = main.read_text()
    assert old in text
    main.write_text(text.replace(old, new, 1))
    args = ["plan", "-input=false"] if command == "plan" else ["validate"]
    result = terraform(tf_env, module, *args)
    assert result.returncode != 0
    assert message in " ".join((result.stdout + result.stderr).split()), result.stdout + result.stderr


SLOW = pytest.mark.slow  # one Terraform plan each: two run by default, the rest with the slow tests


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ({"detections": {"vm-deletd": {"enabled": False}}}, "Unknown detection id"),
        ({"detections": {"bulk-vm-deletion": {"threshold": {"window": "7m"}}}}, "Threshold window must be"),
        pytest.param(
            {"detections": {"bulk-vm-deletion": {"threshold": {"count": 2.5}}}},
            "whole number from 0",
            marks=SLOW,
        ),
        pytest.param(
            {"detections": {"bulk-vm-deletion": {"threshold": {"count": -1}}}},
            "whole number from 0",
            marks=SLOW,
        ),
        pytest.param(
            {"notifications": {"webhooks": [{"integration_id": 1.5}]}},
            "integration_id must be a whole",
            marks=SLOW,
        ),
        pytest.param(
            {"notifications": {"webhooks": [{"integration_id": 1, "retrigger_minutes": 0}]}},
            "retrigger_minutes",
            marks=SLOW,
        ),
        pytest.param({"incidents": {"retrigger_minutes": 20000}}, "incidents.retrigger_minutes", marks=SLOW),
        pytest.param({"name_prefix": "x" * 500}, "name_prefix may have at most", marks=SLOW),
        pytest.param({"evaluation_delay": "4h"}, "evaluation_delay may be at most 3h", marks=SLOW),
        pytest.param(
            {"schedule": {"days": ["Funday"], "start": "08:00", "end": "18:00"}},
            "schedule.days are Monday..Sunday",
            marks=SLOW,
        ),
        pytest.param(
            {
                "detections": {
                    "vm-deleted": {
                        "notifications": {"destinations": [{"connector_id": "a", "notify_on": "x"}]}
                    }
                }
            },
            "A destination's notify_on must be",
            marks=SLOW,
        ),
    ],
)
def test_variable_validation_rejects_bad_inputs(tf_env, module, inputs, message):
    """Each validation runs on Terraform < 1.12 too: none of them passes null to a function."""
    (module / "bad.auto.tfvars.json").write_text(json.dumps(inputs))
    result = terraform(tf_env, module, "plan", "-input=false")
    output = " ".join((result.stdout + result.stderr).split())
    assert result.returncode != 0 and message in output, output
    assert "Invalid function argument" not in output


TUNING = """\
notifications:
  webhooks: [{integration_id: 1}]
  by_priority:
    P1: {webhooks: [{integration_id: 9, notify_on: triggered_and_resolved}]}
exceptions:
  - match: {field: identity.claims.appid, values: [aaaa-bbbb, 'say "hi" \\\\ there']}
    reason: nightly automation
    owner: platform-team
    expires: "2099-01-31"
field_prefix: body
detections:
  resource-deallocated:
    phantom: true
    exceptions:
      - lucene: 'body.identity.claims.name:"Deallocator Bot"'
        reason: scheduled deallocation
        owner: secops
  bulk-vm-deletion:
    group_by: [identity.claims.appid]
    notifications: {webhooks: [{recipients: [a@b.c]}]}
    incidents: {notify_on: triggered_and_resolved, retrigger_minutes: 60}
"""

SETTINGS = """\
field_prefix: body
evaluation_delay: 15m
schedule: {days: [Monday, Tuesday, Wednesday, Thursday, Friday], start: "08:00", end: "18:00"}
payload_fields: [identity.claims.name, resourceId]
data_source: {data_space: security, data_set: azure-activity}
notifications:
  destinations: [{connector_id: slack-1}]
  by_priority:
    P1: {destinations: [{connector_id: pd-1, preset_id: pd-preset, notify_on: triggered_and_resolved}]}
detections:
  vm-turned-off:
    schedule: {always: true}
    payload_fields: [callerIpAddress]
  vm-reimaged:
    schedule: {days: [Saturday, Sunday], start: "22:00", end: "06:00"}
    data_source: {data_space: default, data_set: other}
  bulk-vm-deletion:
    evaluation_delay: 0
    notifications: {destinations: [{connector_id: team-x, retrigger_minutes: 5}]}
"""
ROUTER = """\
evaluation_delay: 2h
notifications:
  router: {notify_on: triggered_and_resolved}
"""


API_WINDOW_TO_TF = {
    "LOGS_TIME_WINDOW_VALUE_MINUTES_5_OR_UNSPECIFIED": "5_MINUTES",
    "LOGS_TIME_WINDOW_VALUE_MINUTES_10": "10_MINUTES",
    "LOGS_TIME_WINDOW_VALUE_MINUTES_15": "15_MINUTES",
    "LOGS_TIME_WINDOW_VALUE_MINUTES_20": "20_MINUTES",
    "LOGS_TIME_WINDOW_VALUE_MINUTES_30": "30_MINUTES",
    "LOGS_TIME_WINDOW_VALUE_HOUR_1": "1_HOUR",
}
NOTIFY = {
    "NOTIFY_ON_TRIGGERED_ONLY_UNSPECIFIED": "Triggered Only",
    "NOTIFY_ON_TRIGGERED_AND_RESOLVED": "Triggered and Resolved",
}


def _from_json(alert: dict) -> dict:
    """The fields both paths must agree on, from an alert JSON body, in the provider's spelling."""
    p = alert["alertDefProperties"]
    block = p.get("logsThreshold") or p["logsImmediate"]
    rule = (p.get("logsThreshold") or {}).get("rules", [{}])[0]
    condition = rule.get("condition", {})
    hooks = (p.get("notificationGroup") or {}).get("webhooks", [])
    return {
        "name": p["name"],
        "enabled": p["enabled"],
        "priority": p["priority"].removeprefix("ALERT_DEF_PRIORITY_").removesuffix("_OR_UNSPECIFIED"),
        "query": block["logsFilter"]["simpleFilter"]["luceneQuery"],
        "threshold": condition.get("threshold"),
        "window": API_WINDOW_TO_TF.get(condition.get("timeWindow", {}).get("logsTimeWindowSpecificValue")),
        "override": rule.get("override", {})
        .get("priority", "")
        .removeprefix("ALERT_DEF_PRIORITY_")
        .removesuffix("_OR_UNSPECIFIED")
        or None,
        "incidents": (NOTIFY[p["incidentsSettings"]["notifyOn"]], p["incidentsSettings"]["minutes"]),
        "webhooks": sorted((NOTIFY[h["notifyOn"]], h["minutes"]) for h in hooks),
        "labels": p["entityLabels"],
        "phantom": bool(p.get("phantomMode", False)),
        "group_by": p.get("groupByKeys", []),
        "delay": block.get("evaluationDelayMs"),
        "payload": sorted(block.get("notificationPayloadFilter") or []),
        "schedule": _schedule_json(p.get("activeOn")),
        "destinations": sorted(
            (d["connectorId"], d.get("presetId", ""), NOTIFY[d["notifyOn"]], d["retriggeringPeriodMinutes"])
            for d in (p.get("notificationGroup") or {}).get("destinations", [])
        ),
        "router": NOTIFY.get(((p.get("notificationGroup") or {}).get("router") or {}).get("notifyOn")),
        "data_sources": [(s["dataSpace"], s["dataSet"]) for s in p.get("dataSources", [])],
    }


def _schedule_json(active: dict | None) -> tuple | None:
    if not active:
        return None
    days = sorted(
        d.removeprefix("DAY_OF_WEEK_").removesuffix("_OR_UNSPECIFIED").title() for d in active["dayOfWeek"]
    )

    def hhmm(t: dict) -> str:
        return f"{t.get('hours', 0):02d}:{t.get('minutes', 0):02d}"

    return days, hhmm(active["startTime"]), hhmm(active["endTime"])


def _from_plan(after: dict) -> dict:
    definition = after["type_definition"]
    block = definition.get("logs_threshold") or definition["logs_immediate"]
    rule = (definition.get("logs_threshold") or {}).get("rules", [{}])[0]
    condition = rule.get("condition", {})
    hooks = (after.get("notification_group") or {}).get("webhooks_settings") or []
    incidents = after["incidents_settings"]
    return {
        "name": after["name"],
        "enabled": after["enabled"],
        "priority": after["priority"],
        "query": block["logs_filter"]["simple_filter"]["lucene_query"],
        "threshold": condition.get("threshold"),
        "window": condition.get("time_window"),
        "override": (rule.get("override") or {}).get("priority"),
        "incidents": (incidents["notify_on"], incidents["retriggering_period"]["minutes"]),
        "webhooks": sorted((h["notify_on"], h["retriggering_period"]["minutes"]) for h in hooks),
        "labels": after["labels"],
        "phantom": bool(after.get("phantom_mode", False)),
        "group_by": after.get("group_by") or [],
        "delay": block.get("custom_evaluation_delay"),
        "payload": sorted(block.get("notification_payload_filter") or []),
        "schedule": _schedule_plan(after.get("schedule")),
        "destinations": sorted(
            (d["connector_id"], d["preset_id"], d["notify_on"], d["retriggering_period_minutes"])
            for d in (after.get("notification_group") or {}).get("destinations") or []
        ),
        "router": ((after.get("notification_group") or {}).get("router") or {}).get("notify_on"),
        "data_sources": [(s["data_space"], s["data_set"]) for s in after.get("data_sources") or []],
    }


def _schedule_plan(schedule: dict | None) -> tuple | None:
    if not schedule:
        return None
    active = schedule["active_on"]
    assert active["utc_offset"] == "+0000"
    return sorted(active["days_of_week"]), active["start_time"], active["end_time"]


@pytest.mark.parametrize(
    "values",
    [
        pytest.param(None, marks=pytest.mark.slow),
        "examples/values.production.yaml",
        pytest.param("field_prefix: logRecord.body\n", marks=pytest.mark.slow),
        pytest.param(TUNING, marks=pytest.mark.slow),
        SETTINGS,
        pytest.param(ROUTER, marks=pytest.mark.slow),
    ],
    ids=["default", "production", "prefix", "tuning", "settings", "router"],
)
def test_terraform_and_json_create_the_same_alerts(tf_env, tmp_path, values):
    out = tmp_path / "out"
    path = TESTS.parent / values if values and values.endswith(".yaml") else tmp_path / "prefix.yaml"
    if values and not values.endswith(".yaml"):
        path.write_text(values)  # the module applies the prefix itself, from the tfvars
    args = ["render", "--out", str(out)] + (["--values", str(path)] if values else [])
    assert run(args) == 0
    creates = planned_creates(tf_env, out / "terraform")
    planned = {
        c["change"]["after"]["labels"]["pack_detection"]: _from_plan(c["change"]["after"]) for c in creates
    }
    rendered = {}
    for path in sorted((out / "alerts").glob("*.json")):
        alert = _from_json(json.loads(path.read_text()))
        rendered[path.stem] = alert
        labels = dict(alert["labels"])
        labels.pop("pack_content_hash")
        labels["managed_by"] = "coralogix-pack-terraform"  # the two paths never manage the same alert
        alert["labels"] = labels
    assert len(planned) == 13
    assert planned == rendered
    if values and "logRecord.body" in values:
        assert planned["vm-deleted"]["query"].startswith("logRecord.body.operationName:(")


@pytest.mark.slow
def test_example_root_plans_with_the_production_render(tf_env, tmp_path):
    """examples/terraform as a user runs it: render with the production values, get, plan."""
    shutil.copytree(TESTS.parent / "examples", tmp_path / "examples")
    values = tmp_path / "examples" / "values.production.yaml"
    assert run(["render", "--out", str(tmp_path / "out"), "--values", str(values)]) == 0
    root = tmp_path / "examples" / "terraform"
    got = terraform(tf_env, root, "get")
    assert got.returncode == 0, got.stdout + got.stderr
    creates = planned_creates(tf_env, root)
    after = {c["change"]["after"]["labels"]["pack_detection"]: c["change"]["after"] for c in creates}
    assert len(after) == 13
    assert after["resource-deleted"]["enabled"] is False
    assert after["vm-backup-deleted"]["priority"] == "P1" and after["disk-deleted"]["priority"] == "P5"
    rendered = json.loads((tmp_path / "out" / "alerts" / "bulk-disk-deletion.json").read_text())
    assert _from_plan(after["bulk-disk-deletion"])["threshold"] == 15
    assert _from_json(rendered)["threshold"] == 15


@pytest.mark.slow
def test_committed_module_applies_the_field_prefix_itself(tf_env, tmp_path):
    """A Terraform user without Python: rendered/default/terraform from git, field_prefix as an input."""
    module = tmp_path / "module"
    shutil.copytree(TESTS.parent / "rendered" / "default" / "terraform", module)
    (module / "prefix.auto.tfvars.json").write_text(json.dumps({"field_prefix": "body"}))
    planned = {
        c["change"]["after"]["labels"]["pack_detection"]: _from_plan(c["change"]["after"])["query"]
        for c in planned_creates(tf_env, module)
    }
    values = tmp_path / "prefix.yaml"
    values.write_text("field_prefix: body\n")
    assert run(["render", "--out", str(tmp_path / "out"), "--values", str(values)]) == 0
    for detection, query in planned.items():
        assert query == (tmp_path / "out" / "queries" / f"{detection}.lucene").read_text().strip()
    assert (
        planned["vm-deleted"].startswith("body.operationName:(")
        and "body.resultType:" in planned["vm-deleted"]
    )
