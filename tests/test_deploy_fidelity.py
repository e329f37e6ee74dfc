"""Deploy against a backend that behaves like the real one: fills defaults, prints floats, emits
unset fields. Apply then plan must be quiet; drift must still be seen; a template typo must fail
offline; the pack's own schema must agree with Coralogix's OpenAPI document."""

from __future__ import annotations

import copy
import json
import shutil

import httpx
import pytest
import respx
from conftest import CONTRACT, REPO, TEMPLATES
from contract import contract_errors

from coralogix_pack.coralogix.api import ALERTS
from coralogix_pack.coralogix.body_schema import body_problems
from coralogix_pack.emulator import Behaviour, Emulator

KEY = "cxtp_Fidelity_Key_77aa88bb"
PRODUCTION = REPO / "examples" / "values.production.yaml"
FILLING = [
    ["fill-defaults"],
    ["float-numbers"],
    ["emit-unpopulated"],
    ["fill-defaults", "float-numbers", "emit-unpopulated"],
]


@pytest.fixture
def backend(monkeypatch, request):
    monkeypatch.setenv("CORALOGIX_API_KEY", KEY)
    with Emulator(KEY, page_size=7, behaviour=Behaviour.from_names(request.param)) as server:
        yield server


def _pack(cli, server, *args):
    return cli(*args, "--api-url", server.base_url, "--retry-base-delay", "0", "--timeout", "5")


@pytest.mark.parametrize("backend", FILLING, indirect=True, ids=["+".join(b) for b in FILLING])
@pytest.mark.parametrize("values", [[], ["--values", str(PRODUCTION)]], ids=["bundled", "production"])
def test_apply_then_plan_is_quiet_when_the_backend_fills_values(cli, backend, values):
    assert _pack(cli, backend, "apply", "--auto-approve", *values).code == 0
    stored = next(iter(backend.alerts.values()))["alertDefProperties"]
    if backend.behaviour.fill_defaults:
        assert stored["phantomMode"] is False and "incidentsSettings" in stored
    plan = _pack(cli, backend, "plan", "--format", "json", "--detailed-exitcode", *values)
    assert plan.code == 0, plan.out
    report = json.loads(plan.out)
    assert report["summary"]["unchanged"] == 13 and report["drift"] == []
    writes = len([r for r in backend.requests if r.method in ("POST", "PUT", "DELETE")])
    assert _pack(cli, backend, "apply", "--auto-approve", *values).code == 0
    assert len([r for r in backend.requests if r.method in ("POST", "PUT", "DELETE")]) == writes


@pytest.mark.parametrize("backend", [["fill-defaults", "float-numbers"]], indirect=True)
def test_an_owned_field_edited_outside_is_still_drift(cli, backend):
    assert _pack(cli, backend, "apply", "--auto-approve").code == 0
    alert = next(a for a in backend.alerts.values() if "logsThreshold" in a["alertDefProperties"])
    properties = copy.deepcopy(alert["alertDefProperties"])
    properties["logsThreshold"]["rules"][0]["condition"]["threshold"] = 99.0
    properties["entityLabels"]["added_in_ui"] = "yes"  # the pack owns the whole label map
    backend.put_alert(properties, alert["id"])
    plan = json.loads(_pack(cli, backend, "plan", "--format", "json").out)
    (drift,) = plan["drift"]
    assert drift["changes"] == [
        {"path": "entityLabels.added_in_ui", "old": "yes", "new": "<absent>"},
        {"path": "logsThreshold.rules[0].condition.threshold", "old": 99, "new": 10},
    ]


def test_a_template_typo_fails_render_offline(cli, tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    path = templates / "alert.json.j2"
    path.write_text(
        path.read_text().replace('"notifyOn": {{ alert.incidents', '"notifyOnn": {{ alert.incidents')
    )
    result = cli("render", "--templates", templates, "--out", tmp_path / "out")
    assert result.code == 1
    assert "alert.json.j2" in result.err and "alertDefProperties.incidentsSettings.notifyOnn" in result.err
    assert "unknown field" in result.err and not (tmp_path / "out").exists()


def test_the_schema_rejects_what_the_api_would_drop():
    body = json.loads((REPO / "rendered" / "default" / "alerts" / "vm-deleted.json").read_text())
    assert body_problems(body) == []
    broken = copy.deepcopy(body)
    broken["alertDefProperties"]["logsImmediate"]["logsFilter"]["simpleFilter"]["lucenQuery"] = "x"
    broken["alertDefProperties"]["priority"] = "P1"
    problems = dict(body_problems(broken))
    assert "alertDefProperties.logsImmediate.logsFilter.simpleFilter.lucenQuery" in problems
    assert "alertDefProperties.priority" in problems


@pytest.mark.skipif(not CONTRACT.is_file(), reason="shared/contracts OpenAPI document not present")
@pytest.mark.parametrize("values", [[], ["--values", str(PRODUCTION)]], ids=["bundled", "production"])
def test_the_pack_schema_agrees_with_the_openapi_contract(cli, tmp_path, values):
    out = tmp_path / "out"
    assert cli("render", "--out", out, *values).code == 0
    for path in sorted((out / "alerts").glob("*.json")):
        body = json.loads(path.read_text())
        assert body_problems(body) == [] and contract_errors(CONTRACT, body) == [], path.name


@pytest.mark.parametrize(
    ("env", "host"),
    [
        ({"CORALOGIX_ENV": "US3"}, "api.us3.coralogix.com"),
        ({"CORALOGIX_ENV": "apac1"}, "api.ap1.coralogix.com"),
        ({"CORALOGIX_DOMAIN": "eu2.coralogix.com"}, "api.eu2.coralogix.com"),
    ],
)
@respx.mock
def test_provider_environment_selects_the_host_for_every_command(cli, monkeypatch, tmp_path, env, host):
    for name in ("CORALOGIX_REGION", "CORALOGIX_ENV", "CORALOGIX_DOMAIN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CORALOGIX_API_KEY", KEY)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    listed = respx.get(f"https://{host}/mgmt/openapi/5{ALERTS}").mock(
        return_value=httpx.Response(200, json={"alertDefs": [], "pagination": {"totalSize": 0}})
    )
    created = respx.post(f"https://{host}/mgmt/openapi/5{ALERTS}").mock(
        side_effect=lambda request: httpx.Response(
            200, json={"alertDef": {"id": "a1", **json.loads(request.content)}}
        )
    )
    assert cli("plan").code == 0 and cli("plan", "--detailed-exitcode").code == 2
    assert cli("apply", "--auto-approve", "--only", "vm-deleted").code == 0
    assert cli("export", "--out", tmp_path / "export").code == 0
    assert listed.call_count >= 3 and created.call_count == 1


def test_env_and_domain_together_are_an_error(cli, monkeypatch):
    monkeypatch.setenv("CORALOGIX_API_KEY", KEY)
    monkeypatch.setenv("CORALOGIX_ENV", "EU1")
    monkeypatch.setenv("CORALOGIX_DOMAIN", "eu2.coralogix.com")
    result = cli("plan")
    assert result.code == 1 and "both CORALOGIX_ENV and CORALOGIX_DOMAIN are set" in result.err


def test_fields_the_pack_does_not_own_are_neither_change_nor_drift():
    from coralogix_pack.deploy.plan import make_plan

    body = json.loads((REPO / "rendered" / "default" / "alerts" / "bulk-vm-deletion.json").read_text())
    wanted = body["alertDefProperties"]
    live = copy.deepcopy(wanted)
    live["deleted"] = False
    live["notificationGroupExcess"] = [{"webhooks": []}]
    live["logsThreshold"]["evaluationDelayMs"] = float(
        wanted["logsThreshold"]["evaluationDelayMs"]
    )  # a double
    live["logsThreshold"]["rules"][0]["condition"]["threshold"] = float(
        live["logsThreshold"]["rules"][0]["condition"]["threshold"]
    )
    alert = {"id": "a1", "alertDefProperties": live}
    plan = make_plan("azure-vm-security", "1.0.0", "t", {"bulk-vm-deletion": wanted}, [alert])
    assert [a.action for a in plan.actions] == ["unchanged"] and plan.drift == []
    live["priority"] = "ALERT_DEF_PRIORITY_P4"  # an owned field
    plan = make_plan("azure-vm-security", "1.0.0", "t", {"bulk-vm-deletion": wanted}, [alert])
    assert [a.action for a in plan.actions] == ["update"] and len(plan.drift) == 1
