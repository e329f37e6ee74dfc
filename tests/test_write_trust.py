"""Trust on the write path, driven through the emulator: every owned field is drift, lists must be
complete, only unedited identical copies are removed, saved plans cannot be bent, failures are told."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import pytest

from coralogix_pack.emulator import Behaviour, Emulator

KEY = "cxtp_Trust_Key_1a2b3c4d5e"
REPO = Path(__file__).resolve().parent.parent
WRITES = ("POST", "PUT", "DELETE")


@pytest.fixture
def account(monkeypatch):
    monkeypatch.setenv("CORALOGIX_API_KEY", KEY)
    with Emulator(KEY, page_size=5, behaviour=Behaviour(fill_defaults=True, emit_unpopulated=True)) as server:
        yield server


def _pack(cli, server, *args):
    return cli(*args, "--api-url", server.base_url, "--retry-base-delay", "0", "--timeout", "5")


def _managed(server, detection):
    return next(
        a
        for a in server.alerts.values()
        if a["alertDefProperties"]["entityLabels"].get("pack_detection") == detection
    )


def _writes(server):
    return [r for r in server.requests if r.method in WRITES]


def _webhook(p):
    p.setdefault("notificationGroup", {}).setdefault("webhooks", []).append(
        {"integration": {"integrationId": 9}}
    )


UI_EDITS = {
    "phantomMode": ("vm-deleted", lambda p: p.update(phantomMode=True)),
    "notificationGroup.webhooks": ("vm-deleted", _webhook),
    "groupByKeys": ("bulk-vm-deletion", lambda p: p.update(groupByKeys=["caller"])),
    "incidentsSettings.notifyOn": (
        "vm-deleted",
        lambda p: p["incidentsSettings"].update(notifyOn="NOTIFY_ON_TRIGGERED_AND_RESOLVED"),
    ),
    "priority": ("vm-deleted", lambda p: p.update(priority="ALERT_DEF_PRIORITY_P5_OR_UNSPECIFIED")),
    "enabled": ("vm-deleted", lambda p: p.update(enabled=False)),
    "activeOn": ("vm-deleted", lambda p: p.update(activeOn={"dayOfWeek": ["DAY_OF_WEEK_SUNDAY"]})),
}


@pytest.mark.parametrize(
    "field",
    [
        f
        if f in ("phantomMode", "notificationGroup.webhooks", "priority", "activeOn")
        else pytest.param(f, marks=pytest.mark.slow)
        for f in UI_EDITS
    ],
)
def test_a_ui_edit_of_any_owned_field_is_drift_and_apply_restores_it(cli, account, field):
    assert _pack(cli, account, "apply", "--auto-approve").code == 0
    detection, edit = UI_EDITS[field]
    alert = _managed(account, detection)
    properties = copy.deepcopy(alert["alertDefProperties"])
    edit(properties)
    account.put_alert(properties, alert["id"])
    plan = _pack(cli, account, "plan", "--detailed-exitcode", "--format", "json")
    assert plan.code == 2, plan.text
    (drift,) = json.loads(plan.out)["drift"]
    assert drift["detection"] == detection
    assert any(c["path"].startswith(field) for c in drift["changes"]), drift["changes"]
    doctor_free_text = _pack(cli, account, "plan").out
    assert f"! {detection}" in doctor_free_text
    assert _pack(cli, account, "apply", "--auto-approve").code == 0
    assert _pack(cli, account, "plan", "--detailed-exitcode").code == 0


def test_a_pack_change_to_a_default_value_names_the_field(cli, account, tmp_path):
    canary = tmp_path / "canary.yaml"
    canary.write_text("detections:\n  vm-deleted: {phantom: true}\n")
    assert _pack(cli, account, "apply", "--auto-approve", "--values", canary).code == 0
    plan = json.loads(_pack(cli, account, "plan", "--format", "json").out)  # back to phantom off
    (update,) = [a for a in plan["actions"] if a["action"] == "update"]
    assert {"path": "phantomMode", "old": True, "new": False} in update["changes"]


@pytest.mark.parametrize(
    ("behaviour", "cause"),
    [
        ("short-list", "ended after"),
        ("empty-page", "ended after 0 alerts"),
        ("redirect", "a redirect to host login.elsewhere.example"),
        ("list-twice", "repeats alert"),
    ],
)
def test_a_list_that_cannot_be_proven_complete_changes_nothing(cli, monkeypatch, behaviour, cause):
    monkeypatch.setenv("CORALOGIX_API_KEY", KEY)
    with Emulator(KEY, page_size=5) as server:
        assert _pack(cli, server, "apply", "--auto-approve").code == 0
        server.behaviour = Behaviour.from_names([behaviour])
        server.store.behaviour = server.behaviour
        before, writes = json.dumps(server.alerts, sort_keys=True), len(_writes(server))
        for command in (["plan"], ["apply", "--auto-approve", "--prune"]):
            result = _pack(cli, server, *command)
            assert result.code == 1 and cause in result.err, result.text
        assert json.dumps(server.alerts, sort_keys=True) == before and len(_writes(server)) == writes


def test_a_create_answered_without_an_id_is_a_failure_the_next_run_reconciles(cli, monkeypatch):
    monkeypatch.setenv("CORALOGIX_API_KEY", KEY)
    with Emulator(KEY, behaviour=Behaviour(empty_id=True)) as server:
        result = _pack(cli, server, "apply", "--auto-approve", "--only", "vm-deleted")
        assert result.code == 1 and "no alertDef with an id" in result.text
        server.behaviour.empty_id = False
        assert len(server.alerts) == 1  # it landed: the next plan sees it, nothing is created twice
        assert _pack(cli, server, "plan", "--only", "vm-deleted", "--detailed-exitcode").code == 0


def _copy_in_the_ui(server, alert, name):
    properties = copy.deepcopy(alert["alertDefProperties"])
    properties["name"] = name
    properties["description"] = "owned by the platform team now"
    return server.put_alert(properties)


def test_edited_ui_copies_are_conflicts_never_deleted_without_prune(cli, account):
    assert _pack(cli, account, "apply", "--auto-approve").code == 0
    originals = [a for a in account.alerts.values()][:7]
    copies = [_copy_in_the_ui(account, a, f"team copy {i}")["id"] for i, a in enumerate(originals)]
    result = _pack(cli, account, "apply", "--auto-approve", "--max-delete", "5")
    assert result.code == 0, result.text
    assert all(c in account.alerts for c in copies) and len(account.alerts) == 20
    plan = json.loads(_pack(cli, account, "plan", "--format", "json").out)
    assert sorted(c["alert_id"] for c in plan["conflicts"]) == sorted(copies)
    assert plan["summary"]["conflicts"] == 7 and plan["summary"]["delete"] == 0
    assert "team copy 0" in _pack(cli, account, "plan").out
    refused = _pack(cli, account, "apply", "--auto-approve", "--prune", "--max-delete", "5")
    assert refused.code == 1 and "more than --max-delete 5" in refused.err
    assert len(account.alerts) == 20


def test_unedited_copies_of_interrupted_runs_are_reconciled_to_the_oldest(cli, account):
    assert _pack(cli, account, "apply", "--auto-approve").code == 0
    original = _managed(account, "vm-deleted")
    twin = account.put_alert(copy.deepcopy(original["alertDefProperties"]))
    result = _pack(cli, account, "apply", "--auto-approve")
    assert result.code == 0, result.text
    assert original["id"] in account.alerts and twin["id"] not in account.alerts
    assert len(account.alerts) == 13


def test_an_alert_listed_twice_is_one_alert_for_the_plan():
    from coralogix_pack.deploy.plan import make_plan

    body = json.loads((REPO / "rendered" / "default" / "alerts" / "vm-deleted.json").read_text())
    alert = {"id": "a1", "alertVersionId": "v1", "alertDefProperties": body["alertDefProperties"]}
    plan = make_plan(
        "azure-vm-security", "1.0.0", "t", {"vm-deleted": body["alertDefProperties"]}, [alert, alert]
    )
    assert [a.action for a in plan.actions] == ["unchanged"] and plan.conflicts == []


# ---- saved plans ----


def _saved(cli, server, tmp_path, *args):
    path = tmp_path / "plan.json"
    assert _pack(cli, server, "plan", "--out", path, *args).code == 0
    return path, json.loads(path.read_text())


def _refused(cli, server, path, document, needle):
    path.write_text(json.dumps(document))
    before, writes = json.dumps(server.alerts, sort_keys=True), len(_writes(server))
    result = _pack(cli, server, "apply", path, "--auto-approve")
    assert result.code == 1 and needle in result.err, result.text
    assert "Traceback" not in result.text
    assert json.dumps(server.alerts, sort_keys=True) == before and len(_writes(server)) == writes


@pytest.fixture
def drifted(cli, account):
    """An account where two detections drifted, plus one unmanaged alert."""
    assert _pack(cli, account, "apply", "--auto-approve").code == 0
    for detection in ("vm-deleted", "disk-deleted"):
        alert = _managed(account, detection)
        properties = copy.deepcopy(alert["alertDefProperties"])
        properties["description"] = "edited"
        account.put_alert(properties, alert["id"])
    account.put_alert({"name": "someone else's", "entityLabels": {"team": "x"}, "logsImmediate": {}})
    return account


def _unmanaged(server):
    return next(a for a in server.alerts.values() if a["alertDefProperties"]["name"] == "someone else's")


def _updates(document):
    return [a for a in document["actions"] if a["action"] == "update"]


def test_a_saved_plan_retargeted_at_an_unmanaged_alert_is_refused(cli, drifted, tmp_path):
    path, document = _saved(cli, drifted, tmp_path)
    other = _unmanaged(drifted)
    update = _updates(document)[0]
    update["alert_id"], update["alert_version_id"] = other["id"], other["alertVersionId"]
    _refused(cli, drifted, path, document, "is not")


@pytest.mark.parametrize("version", ["<gone>", "x", "", None])
def test_a_saved_plan_with_another_version_id_is_refused(cli, drifted, tmp_path, version):
    path, document = _saved(cli, drifted, tmp_path)
    _updates(document)[0]["alert_version_id"] = version
    _refused(cli, drifted, path, document, "action")


def test_a_saved_plan_with_swapped_ids_is_refused(cli, drifted, tmp_path):
    path, document = _saved(cli, drifted, tmp_path)
    first, second = _updates(document)
    first["alert_id"], second["alert_id"] = second["alert_id"], first["alert_id"]
    _refused(cli, drifted, path, document, "is not")


def test_a_saved_create_without_ownership_labels_is_refused(cli, monkeypatch, tmp_path):
    monkeypatch.setenv("CORALOGIX_API_KEY", KEY)
    with Emulator(KEY) as server:
        path, document = _saved(cli, server, tmp_path, "--only", "vm-deleted")
        (create,) = document["actions"]
        create["properties"]["entityLabels"] = {"team": "x"}
        _refused(cli, server, path, document, "lacks this pack's ownership labels")


def test_a_saved_delete_marked_duplicate_still_counts_and_must_match(cli, drifted, tmp_path):
    path, document = _saved(cli, drifted, tmp_path)
    other = _unmanaged(drifted)
    document["actions"].append(
        {
            "action": "delete",
            "detection": "vm-deleted",
            "alert_id": other["id"],
            "alert_version_id": other["alertVersionId"],
            "name": "x",
            "reason": "",
            "duplicate": True,
            "properties": None,
        }
    )
    _refused(cli, drifted, path, document, "is not")


@pytest.mark.parametrize(
    ("damage", "needle"),
    [
        (lambda d: d["actions"][0].update(action="destroy"), "actions[0].action"),
        (lambda d: d["actions"][0].pop("properties"), "actions[0]"),
        (lambda d: d.pop("desired_sha256"), "desired_sha256"),
        (lambda d: d.update(actions="all"), "actions"),
    ],
)
def test_a_malformed_saved_plan_is_refused_naming_the_field(cli, drifted, tmp_path, damage, needle):
    path, document = _saved(cli, drifted, tmp_path)
    damage(document)
    _refused(cli, drifted, path, document, needle)


def test_devices_fifos_and_huge_files_are_refused_at_once(cli, drifted, tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    huge = tmp_path / "huge.json"
    with open(huge, "wb") as handle:
        handle.truncate(100 * 2**20)
    for path, needle in (
        (Path("/dev/zero"), "not a regular file"),
        (fifo, "not a regular file"),
        (huge, "over"),
    ):
        result = _pack(cli, drifted, "apply", path, "--auto-approve")
        assert result.code == 1 and needle in result.err, result.text


def test_plan_out_never_overwrites_an_input_or_a_foreign_file(cli, account, tmp_path):
    values = tmp_path / "prod.yaml"
    values.write_text("name_prefix: '[P] '\n")
    notes = tmp_path / "notes.txt"
    notes.write_text("mine")
    for target in (values, notes):
        result = _pack(cli, account, "plan", "--values", values, "--out", target)
        assert result.code == 1 and "CXP712" not in result.out and "refusing to write the plan" in result.err
    assert values.read_text() == "name_prefix: '[P] '\n" and notes.read_text() == "mine"
    plan = tmp_path / "plan.json"
    assert _pack(cli, account, "plan", "--out", plan).code == 0
    assert _pack(cli, account, "plan", "--out", plan).code == 0  # an earlier plan may be replaced


def test_a_failed_reconciliation_is_told_with_its_cause(cli, account):
    from coralogix_pack.emulator import Fault

    for _ in range(6):  # the list after creating fails every attempt
        account.faults.scripted.append(Fault("500", method="GET"))
    original = account.faults.next

    creates = {"seen": False}

    def after_first_create(method, path=""):
        if method == "POST":
            creates["seen"] = True
        return original(method, path) if creates["seen"] else None

    account.faults.next = after_first_create
    result = _pack(cli, account, "apply", "--auto-approve", "--only", "vm-deleted")
    assert result.code == 1
    assert "reconcile" in result.text and "could not list the alerts to look for copies" in result.text
    assert "HTTP 500" in result.text and KEY not in result.text


# ---- values, names, vendor twins ----


def test_exceptions_of_two_values_files_add_up(cli, tmp_path):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    entry = "exceptions:\n  - reason: {r}\n    owner: secops\n    match: {{field: caller, values: [{who}]}}\n"
    a.write_text(entry.format(r="backup job", who="backup@example.com"))
    b.write_text(entry.format(r="dr drill", who="dr@example.com"))
    assert cli("render", "--values", a, "--values", b, "--out", tmp_path / "out").code == 0
    query = (tmp_path / "out" / "queries" / "vm-deleted.lucene").read_text()
    assert 'caller:("backup@example.com")' in query and 'caller:("dr@example.com")' in query
    shown = cli("validate", "--values", a, "--values", b, "--show-values").out
    assert "exceptions[0] = " in shown and f"{a}:2" in shown and f"{b}:2" in shown


def test_an_exception_repeated_across_files_is_an_error_naming_both(cli, tmp_path):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    text = "exceptions:\n  - reason: backup job\n    owner: secops\n"
    text += "    match: {field: caller, values: [x@y.z]}\n"
    a.write_text(text)
    b.write_text(text.replace("backup job", "same again"))
    result = cli("validate", "--values", a, "--values", b)
    assert result.code == 1 and f"{b}:2" in result.err and f"repeats the one at {a}:2" in result.err


def test_an_expired_exception_stops_plan_unless_allowed(cli, account, tmp_path):
    values = tmp_path / "old.yaml"
    values.write_text(
        "exceptions:\n  - reason: old migration\n    owner: secops\n    expires: 2020-01-01\n"
        "    match: {field: caller, values: [m@example.com]}\n"
    )
    result = _pack(cli, account, "plan", "--values", values)
    assert result.code == 1 and "expired on 2020-01-01" in result.err
    assert _pack(cli, account, "plan", "--values", values, "--allow-expired").code == 0
    assert cli("render", "--values", values, "--out", tmp_path / "out").code == 1


def test_production_names_state_the_production_threshold(cli, tmp_path):
    values = REPO / "examples" / "values.production.yaml"
    assert cli("render", "--values", values, "--out", tmp_path / "out").code == 0
    alert = json.loads((tmp_path / "out" / "alerts" / "bulk-disk-deletion.json").read_text())
    properties = alert["alertDefProperties"]
    assert properties["name"] == "[SEC][Azure] More than 15 Azure managed disks deleted within 20 minutes"
    assert properties["description"].startswith("Fires when more than 15 deletions")


def test_a_title_that_contradicts_its_threshold_is_a_warning(cli, catalog_copy):
    path = catalog_copy / "bulk-disk-deletion.yaml"
    path.write_text(path.read_text().replace("title: More than 10", "title: More than 12"))
    result = cli("validate", "--catalog", catalog_copy)
    assert result.code == 0 and "CXP522" not in result.out
    assert f"{path}:2: title: warning: the title says 12 where the threshold count is 10" in result.err


def test_plan_and_doctor_name_the_coralogix_extension_twin(cli, account):
    account.put_alert({"name": "A Virtual Machine was deleted", "logsImmediate": {}})
    plan = _pack(cli, account, "plan")
    assert "probably Coralogix's own Azure VM extension" in plan.out and "vm-deleted" in plan.out
    report = json.loads(_pack(cli, account, "plan", "--format", "json").out)
    assert len(report["notes"]) == 1


@pytest.mark.parametrize("name", ["../prod", "/etc/passwd", "a/b", "x" * 300, ".hidden", "p..q"])
def test_env_takes_names_only(cli, name):
    result = cli("plan", "--env", name)
    assert result.code == 1 and "is not an environment name" in result.err


@pytest.mark.parametrize("value", ["Wed, 21 Oct 99999999999 07:28:00 GMT", "nan", "inf", "-5", "soon"])
def test_any_retry_after_is_survivable(value):
    import httpx

    from coralogix_pack.deploy.answers import retry_after

    seconds = retry_after(httpx.Response(429, headers={"Retry-After": value}))
    assert seconds is None or 0 <= seconds < float("inf")
