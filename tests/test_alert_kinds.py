"""The alert kinds beyond immediate and threshold, end to end: the four optional detections
rendered, deployed, replayed and previewed, and the catalog's checks of the new kinds."""

from __future__ import annotations

import json
import shutil

import pytest
import yaml
from conftest import CATALOG, CONTRACT, DETECTION_IDS, EXTENDED_VALUES, OPTIONAL_IDS
from kinds_day import DAY, EXPECTED, kinds_day

import coralogix_pack as cp
from coralogix_pack.coralogix.api import ALERTS
from coralogix_pack.core.timeutil import format_time, parse_time
from coralogix_pack.emulator import Emulator
from coralogix_pack.emulator.logs import LogStore

KEY = "cxtp_Kinds_Key_9f8e7d6c"


@pytest.fixture(scope="module")
def day_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("kinds") / "day.ndjson"
    path.write_text("".join(json.dumps(record) + "\n" for record in kinds_day()))
    return path


def _times(alerts, detection):
    return [parse_time(a["time"]) - DAY for a in alerts if a["detection"] == detection]


def test_backtest_reports_each_kind_at_the_right_time(cli, day_file):
    result = cli("backtest", day_file, "--values", EXTENDED_VALUES, "--format", "json")
    assert result.code == 0, result.text
    report = json.loads(result.out)
    for detection, expected in EXPECTED.items():
        assert _times(report["alerts"], detection) == expected, detection
    flow = next(a for a in report["alerts"] if a["detection"] == "locked-vm-delete-then-deleted")
    assert [s["detection"] for s in flow["stages"]] == ["locked-vm-delete-attempt", "vm-deleted"]
    assert report["silences"] == [
        {
            "detection": "activity-log-silent",
            "group": None,
            "since": "2026-11-20T13:55:03.500000Z",
            "until": "2026-11-20T16:00:03.500000Z",
        }
    ]
    spree = next(a for a in report["alerts"] if a["detection"] == "vm-deletion-spree-by-caller")
    assert spree["key"] == "5f3c0e9a1b2d4c6e8f7a9b0c1d2e3f4a" and spree["matches"] == 6


def test_the_default_backtest_leaves_the_optional_detections_out(day_file):
    result = cp.backtest(cp.load_pack(), [day_file])
    assert sorted(result.detections) == sorted(DETECTION_IDS)
    assert not any(a["detection"] in OPTIONAL_IDS for a in result.alerts)


def test_jobs_give_the_same_alerts_for_every_kind(day_file):
    pack = cp.load_pack(values=[EXTENDED_VALUES])
    one = cp.backtest(pack, [day_file])
    many = cp.backtest(pack, [day_file, day_file], cp.BacktestOptions(jobs=2))
    assert one.alerts and one.as_dict()["silences"]
    twice = cp.backtest(pack, [day_file, day_file])
    assert many.as_dict()["alerts"] == twice.as_dict()["alerts"]


def test_new_value_warmup_learns_without_firing(day_file):
    pack = cp.load_pack(values=[EXTENDED_VALUES])
    learnt = cp.backtest(pack, [day_file], cp.BacktestOptions(new_value_warmup=10 * 3600))
    assert _times(learnt.alerts, "first-time-vm-deleter") == []
    early = cp.backtest(pack, [day_file], cp.BacktestOptions(new_value_warmup=3600))
    assert _times(early.alerts, "first-time-vm-deleter") == EXPECTED["first-time-vm-deleter"]


def test_silence_is_evaluated_only_inside_the_input_span(day_file):
    pack = cp.load_pack(values=[EXTENDED_VALUES])
    start, end = DAY - 3 * 3600, DAY + 86400
    bounded = cp.backtest(pack, [day_file], cp.BacktestOptions(start=start, end=end))
    # --from three hours before the first record: the window is empty from 22:00 the day before
    assert _times(bounded.alerts, "activity-log-silent") == [-2 * 3600, *EXPECTED["activity-log-silent"]]


def test_preview_agrees_with_backtest_on_the_emulator_logs(cli, monkeypatch, day_file):
    monkeypatch.setenv("CORALOGIX_API_KEY", KEY)
    end = format_time(DAY + 86400)
    with Emulator(KEY, logs=LogStore.from_files([day_file])) as server:
        args = ["--since", "1d", "--until", end, "--query-interval", "0", "--format", "json"]
        result = cli("preview", *args, "--values", EXTENDED_VALUES, "--api-url", server.base_url)
    assert result.code == 0, result.text
    previewed = {d["id"]: d for d in json.loads(result.out)["detections"]}
    replay = cp.backtest(
        cp.load_pack(values=[EXTENDED_VALUES]),
        [day_file],
        cp.BacktestOptions(start=DAY, end=DAY + 86400),
    )
    assert sorted(previewed) == sorted(DETECTION_IDS + OPTIONAL_IDS)
    for detection in EXPECTED:
        assert previewed[detection]["ok"], previewed[detection]
        assert previewed[detection]["alerts"] == replay.detections[detection].alerts, detection
    assert previewed["first-time-vm-deleter"]["estimate"] is False
    assert previewed["activity-log-silent"]["estimate"] is True
    assert previewed["vm-deletion-spree-by-caller"]["windows_over_threshold"]["aligned"] >= 1


def test_render_with_the_extended_values_gives_17_contract_valid_alerts(tmp_path):
    rendered = cp.render(cp.load_pack(values=[EXTENDED_VALUES]))
    assert sorted(rendered.alerts) == sorted(DETECTION_IDS + OPTIONAL_IDS)
    flow = rendered.alerts["locked-vm-delete-then-deleted"]["alertDefProperties"]
    stages = flow["flow"]["stages"]
    manifest = json.loads(rendered.files["manifest.json"])
    stand_ins = manifest["flow_stage_stand_ins"]
    assert [s["flowStagesGroups"]["groups"][0]["alertDefs"][0]["id"] for s in stages] == [
        stand_ins["locked-vm-delete-attempt"],
        stand_ins["vm-deleted"],
    ]
    assert [s["timeframeMs"] for s in stages] == ["0", "3600000"]
    assert "queries/locked-vm-delete-then-deleted.lucene" not in rendered.files
    silent = rendered.alerts["activity-log-silent"]["alertDefProperties"]["logsThreshold"]
    assert silent["rules"][0]["condition"]["conditionType"] == "LOGS_THRESHOLD_CONDITION_TYPE_LESS_THAN"
    spree = rendered.alerts["vm-deletion-spree-by-caller"]["alertDefProperties"]
    assert spree["groupByKeys"] == ["identity.authorization.evidence.principalId"]
    assert spree["logsUniqueCount"]["rules"][0]["condition"]["maxUniqueCount"] == "5"
    first = rendered.alerts["first-time-vm-deleter"]["alertDefProperties"]["logsNewValue"]["rules"][0]
    assert first["condition"]["timeWindow"] == {
        "logsNewValueTimeWindowSpecificValue": "LOGS_NEW_VALUE_TIME_WINDOW_VALUE_WEEK_1"
    }
    if not CONTRACT.exists():
        pytest.skip("the OpenAPI contract is not beside the project")
    from contract import contract_errors

    for detection, body in rendered.alerts.items():
        assert contract_errors(CONTRACT, body) == [], detection


def test_a_field_prefix_reaches_keypaths_and_group_by(tmp_path):
    values = tmp_path / "values.yaml"
    values.write_text("field_prefix: body\n")
    rendered = cp.render(cp.load_pack(values=[EXTENDED_VALUES, values]))
    spree = rendered.alerts["vm-deletion-spree-by-caller"]["alertDefProperties"]
    assert spree["groupByKeys"] == ["body.identity.authorization.evidence.principalId"]
    assert spree["logsUniqueCount"]["uniqueCountKeypath"] == "body.resourceId"
    first = rendered.alerts["first-time-vm-deleter"]["alertDefProperties"]["logsNewValue"]
    assert (
        first["rules"][0]["condition"]["keypathToTrack"] == "body.identity.authorization.evidence.principalId"
    )


def _created(server):
    return [
        r.body["alertDefProperties"]
        for r in server.requests
        if r.method == "POST" and r.path.endswith(ALERTS)
    ]


def test_apply_creates_17_and_the_flow_names_the_live_stage_ids(cli, monkeypatch):
    monkeypatch.setenv("CORALOGIX_API_KEY", KEY)
    with Emulator(KEY) as server:
        target = ["--api-url", server.base_url, "--values", EXTENDED_VALUES]
        applied = cli("apply", "--auto-approve", *target)
        assert applied.code == 0, applied.text
        created = _created(server)
        assert len(created) == 17
        assert created[-1]["entityLabels"]["pack_detection"] == "locked-vm-delete-then-deleted"
        live = {
            a["alertDefProperties"]["entityLabels"]["pack_detection"]: a["id"] for a in server.alerts.values()
        }
        stages = created[-1]["flow"]["stages"]
        named = [s["flowStagesGroups"]["groups"][0]["alertDefs"][0]["id"] for s in stages]
        assert named == [live["locked-vm-delete-attempt"], live["vm-deleted"]]
        again = cli("plan", *target, "--format", "json", "--detailed-exitcode")
        assert again.code == 0, again.text
        assert json.loads(again.out)["summary"]["unchanged"] == 17

        # vm-deleted is replaced by a new alert (deleted in the UI): its id changes, so does the flow
        del server.alerts[live["vm-deleted"]]
        planned = cli("plan", *target, "--detailed-exitcode")
        assert planned.code == 2, planned.text
        lines = planned.out.splitlines()
        create = lines.index("+ create vm-deleted: not in the account")
        update = next(
            i for i, line in enumerate(lines) if line.startswith("~ update locked-vm-delete-then-deleted")
        )
        assert create < update and "a stage alert has a new id; after creating vm-deleted" in lines[update]
        assert f"{live['vm-deleted']} -> <id of the new vm-deleted alert>" in planned.out
        assert cli("apply", "--auto-approve", *target).code == 0
        renewed = {
            a["alertDefProperties"]["entityLabels"]["pack_detection"]: a for a in server.alerts.values()
        }
        flow = renewed["locked-vm-delete-then-deleted"]["alertDefProperties"]["flow"]
        assert (
            flow["stages"][1]["flowStagesGroups"]["groups"][0]["alertDefs"][0]["id"]
            == renewed["vm-deleted"]["id"]
        )
        assert cli("plan", *target, "--detailed-exitcode").code == 0


def test_a_flow_is_not_sent_when_its_stage_could_not_be_created(monkeypatch):
    monkeypatch.setenv("CORALOGIX_API_KEY", KEY)
    pack = cp.load_pack(values=[EXTENDED_VALUES])
    with Emulator(KEY) as server, cp.connect(api_url=server.base_url, timeout=10) as client:
        plan = cp.plan(pack, client)
        broken = next(a for a in plan.changes if a.detection == "vm-deleted")
        broken.properties = {**broken.properties, "priority": "P0"}  # the API refuses it: 400
        result = cp.apply(plan, client)
    failed = {o.action.detection: o.error for o in result.failed}
    assert sorted(failed) == ["locked-vm-delete-then-deleted", "vm-deleted"]
    assert "stage alert vm-deleted was not created" in failed["locked-vm-delete-then-deleted"]
    assert not any(p.get("flow") for p in _created(server))


@pytest.mark.parametrize(
    ("detection", "edit", "line_text", "message"),
    [
        (
            "locked-vm-delete-then-deleted",
            lambda d: d["flow"]["stages"][1].update(alerts=["vm-delted"]),
            "- alerts: [vm-delted]",
            "stage 2 names 'vm-delted', which is not a detection of the catalog",
        ),
        (
            "locked-vm-delete-then-deleted",
            lambda d: d["flow"]["stages"][0].update(alerts=["locked-vm-delete-then-deleted"]),
            "flow:",
            "the flow depends on itself: locked-vm-delete-then-deleted -> locked-vm-delete-then-deleted",
        ),
        (
            "first-time-vm-deleter",
            lambda d: d["new_value"].update(window="2w"),
            "new_value:",
            "'2w' is not allowed",
        ),
        (
            "vm-deletion-spree-by-caller",
            lambda d: d["unique_count"].pop("keypath"),
            "unique_count:",
            "'keypath' is required",
        ),
    ],
    ids=["unknown-stage", "cycle", "new-value-window", "unique-count-keypath"],
)
def test_validate_rejects_bad_kinds_with_file_and_line(cli, tmp_path, detection, edit, line_text, message):
    catalog = tmp_path / "catalog"
    shutil.copytree(CATALOG, catalog)
    path = catalog / f"{detection}.yaml"
    data = yaml.safe_load(path.read_text())
    edit(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, width=1000, default_flow_style=None))
    result = cli("validate", "--catalog", catalog)
    assert result.code == 1
    lines = path.read_text().splitlines()
    where = next(i for i, line in enumerate(lines, 1) if line.strip().startswith(line_text))
    assert f"{path}:{where}" in result.err and message in result.err, result.err


def test_a_flow_cycle_through_another_flow_is_found(cli, tmp_path):
    catalog = tmp_path / "catalog"
    shutil.copytree(CATALOG, catalog)
    first = yaml.safe_load((catalog / "locked-vm-delete-then-deleted.yaml").read_text())
    second = dict(first, id="deleted-then-locked", title="A second flow for the cycle")
    second["flow"] = {
        "stages": [{"alerts": ["locked-vm-delete-then-deleted"]}, {"alerts": ["vm-deleted"], "within": "5m"}]
    }
    first["flow"]["stages"][1]["alerts"] = ["deleted-then-locked"]
    (catalog / "locked-vm-delete-then-deleted.yaml").write_text(yaml.safe_dump(first, sort_keys=False))
    (catalog / "deleted-then-locked.yaml").write_text(yaml.safe_dump(second, sort_keys=False))
    result = cli("validate", "--catalog", catalog)
    assert result.code == 1
    assert "deleted-then-locked -> locked-vm-delete-then-deleted -> deleted-then-locked" in result.err


def test_a_flow_needs_its_stages_deployed_and_enabled(cli, tmp_path):
    values = tmp_path / "values.yaml"
    flow, stage = "locked-vm-delete-then-deleted", "vm-deleted"
    values.write_text(f"detections:\n  {flow}:\n    enabled: true\n  {stage}:\n    enabled: false\n")
    result = cli("validate", "--values", values)
    assert result.code == 1
    assert f"{values}:2" in result.err and "stage vm-deleted is disabled" in result.err


def test_server_filled_fields_of_the_new_kinds_are_no_difference(cli, monkeypatch):
    """A backend that fills defaults, prints unset fields and doubles: the new-value alert comes back
    grouped by its keypath, the unique-count limit as text, the flow's stage frames as text."""
    from coralogix_pack.emulator.behaviour import Behaviour

    monkeypatch.setenv("CORALOGIX_API_KEY", KEY)
    behaviour = Behaviour(fill_defaults=True, emit_unpopulated=True, float_numbers=True)
    with Emulator(KEY, behaviour=behaviour) as server:
        target = ["--api-url", server.base_url, "--values", EXTENDED_VALUES]
        assert cli("apply", "--auto-approve", *target).code == 0
        stored = {
            a["alertDefProperties"]["entityLabels"]["pack_detection"]: a for a in server.alerts.values()
        }
        first = server.public(stored["first-time-vm-deleter"]["id"])["alertDefProperties"]
        assert first["groupByKeys"] == ["identity.authorization.evidence.principalId"]
        result = cli("plan", *target, "--detailed-exitcode")
        assert result.code == 0, result.text


def test_terraform_plans_17_alerts_with_stage_references(tmp_path):
    import subprocess

    from test_terraform_standin import TERRAFORM, planned_creates, tf_env_for

    if TERRAFORM is None:
        pytest.skip("terraform not on PATH")
    out = tmp_path / "out"
    assert cp.write(cp.render(cp.load_pack(values=[EXTENDED_VALUES])), out) is not None
    env = tf_env_for(tmp_path / "provider")
    creates = planned_creates(env, out / "terraform")
    after = {c["change"]["after"]["labels"]["pack_detection"]: c for c in creates}
    assert sorted(after) == sorted(DETECTION_IDS + OPTIONAL_IDS)
    flow = after["locked-vm-delete-then-deleted"]
    unknown = flow["change"]["after_unknown"]["type_definition"]["flow"]["stages"]
    assert all(
        s["flow_stages_groups"][0]["alert_defs"][0]["id"] is True for s in unknown
    )  # known after apply
    shown = subprocess.run(
        [TERRAFORM, "show", "-json", "tfplan"], cwd=out / "terraform", env=env, capture_output=True, text=True
    )
    config = json.loads(shown.stdout)["configuration"]["root_module"]["resources"]
    flow_config = next(r for r in config if r["name"] == "locked_vm_delete_then_deleted")
    references = json.dumps(flow_config["expressions"]["type_definition"])
    assert "coralogix_alert.locked_vm_delete_attempt.id" in references
    assert "coralogix_alert.vm_deleted.id" in references
    spree = after["vm-deletion-spree-by-caller"]["change"]["after"]
    assert spree["group_by"] == ["identity.authorization.evidence.principalId"]
    silent = after["activity-log-silent"]["change"]["after"]["type_definition"]["logs_threshold"]
    assert [r["condition"]["condition_type"] for r in silent["rules"]] == ["LESS_THAN"]


@pytest.mark.parametrize("kind", ["less-than", "new-value", "unique-count", "flow"])
def test_pack_new_scaffolds_each_kind_that_validates_and_passes_its_tests(cli, tmp_path, kind):
    catalog = tmp_path / "catalog"
    shutil.copytree(CATALOG, catalog)
    created = cli("new", f"demo-{kind}", "--kind", kind, "--catalog", catalog)
    assert created.code == 0, created.text
    assert cli("validate", "--catalog", catalog).code == 0
    tested = cli("test", f"demo-{kind}", "--catalog", catalog, "--format", "json")
    assert tested.code == 0, tested.text
    report = json.loads(tested.out)["detections"][0]
    assert report["ok"] and report["checks"] >= 4
    data = yaml.safe_load((catalog / f"demo-{kind}.yaml").read_text())
    expected = {"less-than": "threshold"}.get(kind, kind)
    assert data["kind"] == expected and data["tests"]["sequences"]
    if kind == "flow":
        assert [s["alerts"] for s in data["flow"]["stages"]] == [
            ["disk-deleted"],
            ["locked-vm-delete-attempt"],
        ]


def test_doctor_checks_the_fields_alerts_group_and_count_by(cli, monkeypatch, day_file, tmp_path):
    monkeypatch.setenv("CORALOGIX_API_KEY", KEY)
    catalog = tmp_path / "catalog"
    shutil.copytree(CATALOG, catalog)
    path = catalog / "vm-deletion-spree-by-caller.yaml"
    path.write_text(path.read_text().replace("keypath: resourceId", "keypath: properties.vmName"))
    window = [
        "--since",
        "1d",
        "--until",
        format_time(DAY + 86400),
        "--query-interval",
        "0",
        "--format",
        "json",
    ]
    with Emulator(KEY, logs=LogStore.from_files([day_file])) as server:
        target = ["--api-url", server.base_url, "--values", EXTENDED_VALUES]
        good = json.loads(cli("doctor", *window, *target).out)
        bad = json.loads(cli("doctor", *window, *target, "--catalog", catalog).out)
    keys = {c["name"]: c for c in good["checks"]}["alert keys"]
    assert keys["status"] == "ok"
    assert keys["present"]["first-time-vm-deleter: identity.authorization.evidence.principalId"] > 0
    flagged = {c["name"]: c for c in bad["checks"]}["alert keys"]
    assert flagged["status"] == "warn"
    assert "vm-deletion-spree-by-caller: properties.vmName" in flagged["message"]


def test_a_saved_plan_with_flows_applies_as_planned(cli, monkeypatch, tmp_path):
    monkeypatch.setenv("CORALOGIX_API_KEY", KEY)
    saved = tmp_path / "plan.json"
    with Emulator(KEY) as server:
        target = ["--api-url", server.base_url]
        assert cli("plan", *target, "--values", EXTENDED_VALUES, "--out", saved).code == 0
        applied = cli("apply", saved, "--auto-approve", *target)
        assert applied.code == 0, applied.text
        final = cli("plan", *target, "--values", EXTENDED_VALUES, "--detailed-exitcode")
        assert final.code == 0, final.text
        assert len(server.alerts) == 17
