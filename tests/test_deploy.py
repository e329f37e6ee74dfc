"""End-to-end `pack plan` / `apply` / `export` against the local emulator on 127.0.0.1."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest
from conftest import CATALOG, DETECTION_IDS
from jsonschema import Draft202012Validator

from coralogix_pack.core.resources import SCHEMA_DIR
from coralogix_pack.emulator import Emulator, Fault, FaultPlan

KEY = "cxtp_e2e_Secret_Key_9f8e7d"


@pytest.fixture
def emulator(monkeypatch):
    monkeypatch.setenv("CORALOGIX_API_KEY", KEY)
    with Emulator(KEY, page_size=5) as server:  # small pages exercise pagination
        yield server


@pytest.fixture
def pack(cli, emulator):
    def invoke(*args, catalog: Path | None = None, timeout: float = 10.0):
        extra = ["--api-url", emulator.base_url, "--retry-base-delay", "0.001", "--timeout", str(timeout)]
        if catalog is not None:
            extra += ["--catalog", str(catalog)]
        result = cli(*args, *extra)
        assert KEY not in result.out + result.err  # every command of this module, whatever the order
        return result

    return invoke


def _managed(emulator: Emulator) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for alert in emulator.alerts.values():
        labels = alert["alertDefProperties"].get("entityLabels", {})
        if labels.get("managed_by") == "coralogix-pack":
            found.setdefault(labels["pack_detection"], []).append(alert)
    return found


def _plan_json(pack, *args, catalog: Path | None = None) -> tuple[int, dict]:
    result = pack("plan", "--format", "json", "--detailed-exitcode", *args, catalog=catalog)
    assert result.code in (0, 2), result.text
    return result.code, json.loads(result.out)


def test_first_apply_creates_13_and_the_next_plan_is_empty(pack, emulator):
    result = pack("apply", "--auto-approve")
    assert result.code == 0, result.text
    assert "Apply complete: 13 succeeded, 0 failed." in result.out
    managed = _managed(emulator)
    assert sorted(managed) == sorted(DETECTION_IDS) and all(len(v) == 1 for v in managed.values())
    posts = [r for r in emulator.requests if r.method == "POST"]
    assert len(posts) == 13 and all(r.status == 200 for r in posts)
    emulator.requests.clear()
    code, plan = _plan_json(pack)
    assert code == 0
    assert plan["summary"]["unchanged"] == 13 and not [
        a for a in plan["actions"] if a["action"] != "unchanged"
    ]
    # a no-change run makes only the list requests, one per page of 5
    assert [(r.method, r.path) for r in emulator.requests] == [
        ("GET", "/mgmt/openapi/5/alerts/alerts/v3")
    ] * 3
    assert "No changes." in pack("plan").out
    assert pack("apply", "--auto-approve").code == 0


def test_plan_json_validates_against_its_schema(pack, emulator):
    schema = json.loads((SCHEMA_DIR / "plan.schema.json").read_text())
    validator = Draft202012Validator(schema)
    _, plan = _plan_json(pack)
    assert list(validator.iter_errors(plan)) == []
    assert plan["summary"]["create"] == 13
    pack("apply", "--auto-approve")
    _, plan = _plan_json(pack)
    assert list(validator.iter_errors(plan)) == []


def test_threshold_change_in_values_is_exactly_that_field(pack, emulator, tmp_path):
    assert pack("apply", "--auto-approve").code == 0
    values = tmp_path / "v.yaml"
    values.write_text("detections:\n  bulk-disk-deletion:\n    threshold: {count: 25}\n")
    code, plan = _plan_json(pack, "--values", values)
    assert code == 2
    (update,) = [a for a in plan["actions"] if a["action"] != "unchanged"]
    assert update["detection"] == "bulk-disk-deletion" and update["action"] == "update"
    paths = {c["path"]: (c["old"], c["new"]) for c in update["changes"]}
    assert paths.pop("logsThreshold.rules[0].condition.threshold") == (10, 25)
    name, description = paths.pop("name"), paths.pop("description")  # both state the threshold
    assert name == ("More than 10 Azure managed disks deleted within 20 minutes", name[0].replace("10", "25"))
    assert "more than 25 deletions" in description[1] and "more than 10 deletions" in description[0]
    assert paths == {}
    assert plan["drift"] == []
    assert pack("apply", "--auto-approve", "--values", values).code == 0
    assert _plan_json(pack, "--values", values)[0] == 0


def test_edit_outside_the_pack_is_drift(pack, emulator):
    assert pack("apply", "--auto-approve").code == 0
    alert = _managed(emulator)["vm-deleted"][0]
    properties = json.loads(json.dumps(alert["alertDefProperties"]))
    properties["priority"] = "ALERT_DEF_PRIORITY_P1"
    version = alert["alertVersionId"]
    emulator.put_alert(properties, alert["id"])  # someone edits it in the UI
    assert emulator.alerts[alert["id"]]["alertVersionId"] != version
    code, plan = _plan_json(pack)
    assert code == 2
    (drift,) = plan["drift"]
    assert drift["detection"] == "vm-deleted"
    assert drift["changes"] == [
        {"path": "priority", "old": "ALERT_DEF_PRIORITY_P1", "new": "ALERT_DEF_PRIORITY_P3"}
    ]
    (update,) = [a for a in plan["actions"] if a["action"] == "update"]
    assert update["drifted"] is True and update["reason"] == "edited outside the pack"
    text = pack("plan")
    assert "Drift" in text.out and "vm-deleted" in text.out
    assert pack("apply", "--auto-approve").code == 0
    assert _plan_json(pack) == (0, _plan_json(pack)[1])


def test_removed_detection_is_deleted_only_with_prune_within_max_delete(pack, emulator, tmp_path):
    assert pack("apply", "--auto-approve").code == 0
    catalog = tmp_path / "catalog"
    shutil.copytree(CATALOG, catalog)
    (catalog / "disk-deleted.yaml").unlink()
    (catalog / "vm-turned-off.yaml").unlink()
    code, plan = _plan_json(pack, catalog=catalog)
    assert code == 0 and plan["summary"]["orphaned"] == 2 and plan["summary"]["delete"] == 0
    assert pack("apply", "--auto-approve", catalog=catalog).code == 0
    assert len(_managed(emulator)) == 13
    refused = pack("apply", "--auto-approve", "--prune", "--max-delete", "1", catalog=catalog)
    assert refused.code == 1 and "more than --max-delete 1" in refused.err
    assert len(_managed(emulator)) == 13
    assert pack("apply", "--auto-approve", "--prune", catalog=catalog).code == 0
    assert sorted(_managed(emulator)) == sorted(set(DETECTION_IDS) - {"disk-deleted", "vm-turned-off"})


def test_unmanaged_alerts_are_never_touched(pack, emulator, tmp_path):
    body = json.loads(
        next((CATALOG.parent / "rendered" / "default" / "alerts").glob("vm-deleted.json")).read_text()
    )["alertDefProperties"]
    foreign = dict(body, entityLabels={"team": "other"})
    other_pack = dict(body, entityLabels={**body["entityLabels"], "pack": "someone-elses-pack"})
    ids = [emulator.put_alert(foreign)["id"], emulator.put_alert(other_pack)["id"]]
    versions = [emulator.alerts[i]["alertVersionId"] for i in ids]
    catalog = tmp_path / "catalog"
    shutil.copytree(CATALOG, catalog)
    assert pack("apply", "--auto-approve", "--prune", catalog=catalog).code == 0
    (catalog / "disk-deleted.yaml").unlink()
    assert pack("apply", "--auto-approve", "--prune", catalog=catalog).code == 0
    assert [emulator.alerts[i]["alertVersionId"] for i in ids] == versions
    _, plan = _plan_json(pack, catalog=catalog)
    assert plan["summary"]["unmanaged"] == 2


def test_only_limits_the_apply(pack, emulator):
    assert pack("apply", "--auto-approve", "--only", "vm-deleted", "--only", "disk-deleted").code == 0
    assert sorted(_managed(emulator)) == ["disk-deleted", "vm-deleted"]
    assert pack("apply", "--auto-approve", "--only", "nope").code == 1


def test_apply_needs_confirmation(pack, emulator):
    result = pack("apply")
    assert result.code == 1 and "--auto-approve" in result.err
    assert emulator.alerts == {}
    assert pack("apply", "--dry-run").code == 0 and emulator.alerts == {}


# three seeds in the default run, three more with the slow end-to-end tests
@pytest.mark.parametrize("seed", [0, 1, 2, *(pytest.param(s, marks=pytest.mark.slow) for s in (3, 4, 5))])
def test_apply_converges_under_random_faults(pack, emulator, seed):
    emulator.faults = FaultPlan(rate=0.3, rng=random.Random(seed), slow_delay=0.8)
    runs = 0
    while runs < 3:
        runs += 1
        if pack("apply", "--auto-approve", timeout=0.5).code == 0:  # "slow" answers outlast the timeout
            break
    emulator.faults = FaultPlan()
    managed = _managed(emulator)
    assert sorted(managed) == sorted(DETECTION_IDS), f"seed {seed} after {runs} runs"
    assert all(len(alerts) == 1 for alerts in managed.values()), "duplicates"
    assert _plan_json(pack)[0] == 0


def test_scripted_faults(pack, emulator):
    emulator.faults.scripted.extend(
        [
            Fault("lost", method="POST"),  # the first create lands but its answer is lost
            Fault("429", method="POST", retry_after=0.01),
            Fault("drop", method="GET"),
            Fault("503", method="PUT"),
        ]
    )
    assert pack("apply", "--auto-approve", timeout=0.5).code == 0
    assert all(len(v) == 1 for v in _managed(emulator).values()) and len(_managed(emulator)) == 13
    assert sum(1 for r in emulator.requests if r.method == "POST") == 14  # 13 + the rate-limited retry


def test_partial_failure_reports_and_exits_1_then_converges(pack, emulator):
    emulator.faults.scripted.extend([Fault("500", method="POST"), Fault("500", method="POST")])
    result = pack("apply", "--auto-approve")
    assert result.code == 1
    assert result.out.count("FAILED") == 2 and "11 succeeded, 2 failed" in result.out
    assert pack("apply", "--auto-approve").code == 0
    assert len(_managed(emulator)) == 13


def test_errors_are_clear(pack, emulator, cli, monkeypatch):
    monkeypatch.setenv("CORALOGIX_API_KEY", "wrong-key")
    result = pack("plan")
    assert result.code == 1 and "HTTP 401" in result.err and "alerts:ReadConfig" in result.err
    assert "Traceback" not in result.text
    result = cli("plan", "--api-url", "http://api.coralogix.com/mgmt/openapi/5")
    assert result.code == 1 and "only travel over HTTPS" in result.err
    monkeypatch.delenv("CORALOGIX_API_KEY")
    monkeypatch.delenv("CORALOGIX_REGION", raising=False)
    result = cli("plan", "--api-url", emulator.base_url)
    assert result.code == 1 and "CORALOGIX_API_KEY" in result.err
    assert KEY not in result.text


def test_export_writes_managed_alerts(pack, emulator, tmp_path):
    assert pack("apply", "--auto-approve").code == 0
    out = tmp_path / "export"
    result = pack("export", "--out", out)
    assert result.code == 0 and "exported 13" in result.out
    index = json.loads((out / "index.json").read_text())
    assert sorted(a["detection"] for a in index["alerts"]) == sorted(DETECTION_IDS)
    alert = json.loads((out / "vm-deleted.json").read_text())
    assert (
        alert["alertVersionId"]
        and alert["alertDefProperties"]["entityLabels"]["pack_detection"] == "vm-deleted"
    )
    for path in out.iterdir():
        assert KEY not in path.read_text()


def test_key_file_option(cli, emulator, tmp_path, monkeypatch):
    monkeypatch.delenv("CORALOGIX_API_KEY")
    key_file = tmp_path / "key"
    key_file.write_text(KEY + "\n")
    result = cli("plan", "--api-url", emulator.base_url, "--api-key-file", key_file, "--detailed-exitcode")
    assert KEY not in result.text
    assert result.code == 2


def test_the_key_never_appears_in_output(pack, emulator):
    """Self-contained: the account echoes the key back, and every output must still hide it."""
    assert pack("apply", "--auto-approve").code == 0
    alert = next(iter(emulator.alerts.values()))
    properties = json.loads(json.dumps(alert["alertDefProperties"]))
    properties["description"] = f"contact {KEY} for access"
    emulator.put_alert(properties, alert["id"])
    for args in (["plan"], ["plan", "--format", "json"], ["plan", "--format", "markdown"]):
        result = pack(*args)  # the fixture asserts the key is absent from every output
        assert result.code == 0 and "***" in result.out
