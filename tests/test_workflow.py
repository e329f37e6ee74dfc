"""Where users work: the catalog being edited, the committed render, exit codes, saved and readable plans."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import CATALOG, REPO, TEMPLATES
from jsonschema import Draft202012Validator

from coralogix_pack.core.resources import SCHEMA_DIR
from coralogix_pack.deploy.plan import Action, Plan
from coralogix_pack.deploy.plan_text import plan_lines, plan_markdown, word_diff
from coralogix_pack.documents.diff import Change
from coralogix_pack.emulator import Emulator

KEY = "cxtp_Workflow_Key_9911aa22"


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "my-detections"
    shutil.copytree(CATALOG, root / "catalog")
    shutil.copytree(TEMPLATES, root / "templates")
    (root / "nested" / "deeper").mkdir(parents=True)
    return root


def test_the_catalog_being_edited_is_the_one_validated(cli, project):
    path = project / "catalog" / "vm-deleted.yaml"
    path.write_text(path.read_text().replace("priority: P3", "priority: P9"))
    for where in (project, project / "nested" / "deeper"):  # found from any folder below, like git
        result = cli("validate", cwd=where)
        assert (
            result.code == 1
            and "catalog/vm-deleted.yaml" in result.err
            and "'P9' is not allowed" in result.err
        )


def test_summary_lines_name_the_catalog(cli, project, tmp_path):
    assert "catalog: catalog/" in cli("validate", cwd=project).out
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    assert "catalog: bundled azure-vm-security 1.0.0" in cli("validate", cwd=outside).out
    rendered = cli("render", "--out", tmp_path / "o", cwd=project)
    assert rendered.code == 0 and "catalog: catalog/" in rendered.out


def test_the_committed_render_is_current_and_the_hint_repeats_the_flags(cli, tmp_path):
    assert cli("render", "--check", REPO / "rendered" / "default").code == 0
    stale = tmp_path / "stale"
    shutil.copytree(REPO / "rendered" / "default", stale)
    values = REPO / "examples" / "values.production.yaml"
    result = cli("render", "--check", stale, "--values", values)
    assert result.code == 1
    assert f"run `pack render --out {stale} --values {values}`" in result.err


def test_version_and_short_help(cli):
    from coralogix_pack import __version__

    assert cli("--version").out.strip() == f"coralogix-pack {__version__}"
    assert cli("-h").code == 0 and "plan" in cli("-h").out
    assert cli("plan", "-h").code == 0 and "--detailed-exitcode" in cli("plan", "-h").out


def test_validate_json_and_github_annotations(cli, tmp_path):
    values = tmp_path / "v.yaml"
    values.write_text("detections:\n  nope: {enabled: false}\n")
    result = cli("validate", "--values", values, "--format", "json")
    assert result.code == 1
    report = json.loads(result.out)
    schema = json.loads((SCHEMA_DIR / "validate.schema.json").read_text())
    assert list(Draft202012Validator(schema).iter_errors(report)) == []
    (diagnostic,) = report["diagnostics"]
    assert diagnostic == {
        "file": str(values),
        "line": 2,
        "field": "detections.nope",
        "message": "unknown detection id 'nope'",
        "hint": diagnostic["hint"],
        "severity": "error",
        "code": "CXP510",
    }
    github = cli("validate", "--values", values, "--format", "github")
    assert github.out.startswith(f"::error file={values},line=2,title=CXP510::detections.nope: unknown")
    ok = json.loads(cli("validate", "--format", "json").out)
    assert ok["ok"] is True and ok["detections"] == 17 and ok["deployed"] == 13


# ---- plans ----


@pytest.fixture
def account(monkeypatch):
    monkeypatch.setenv("CORALOGIX_API_KEY", KEY)
    with Emulator(KEY, page_size=20) as server:
        yield server


def _pack(cli, server, *args):
    return cli(*args, "--api-url", server.base_url, "--retry-base-delay", "0")


def test_plan_exit_codes_like_terraform(cli, account):
    assert _pack(cli, account, "plan").code == 0  # changes, but no --detailed-exitcode
    assert _pack(cli, account, "plan", "--detailed-exitcode").code == 2
    assert _pack(cli, account, "apply", "--auto-approve").code == 0
    assert _pack(cli, account, "plan", "--detailed-exitcode").code == 0
    assert cli("plan", "--vaules", "x").code == 1


def test_a_saved_plan_applies_exactly_what_was_planned(cli, account, tmp_path):
    saved = tmp_path / "p.json"
    assert _pack(cli, account, "plan", "--out", saved).code == 0
    assert KEY not in saved.read_text()
    assert json.loads(saved.read_text())["plan"]["summary"]["create"] == 13
    result = _pack(cli, account, "apply", saved, "--auto-approve")
    assert result.code == 0, result.text
    assert len([r for r in account.requests if r.method == "POST"]) == 13
    assert _pack(cli, account, "apply", saved, "--auto-approve").code == 1  # now stale: created since


def test_a_saved_plan_refuses_when_an_alert_changed_since(cli, account, tmp_path):
    assert _pack(cli, account, "apply", "--auto-approve").code == 0
    values = tmp_path / "v.yaml"
    values.write_text("detections:\n  vm-deleted: {priority: P1}\n  disk-deleted: {priority: P1}\n")
    saved = tmp_path / "p.json"
    assert _pack(cli, account, "plan", "--values", values, "--out", saved).code == 0
    alert = next(
        a
        for a in account.alerts.values()
        if a["alertDefProperties"]["entityLabels"]["pack_detection"] == "disk-deleted"
    )
    properties = json.loads(json.dumps(alert["alertDefProperties"]))
    properties["description"] = "edited in the UI"
    account.put_alert(properties, alert["id"])  # out of band, after the plan
    before = json.dumps(account.alerts, sort_keys=True)
    writes = len([r for r in account.requests if r.method in ("POST", "PUT", "DELETE")])
    result = _pack(cli, account, "apply", saved, "--auto-approve")
    assert result.code == 1 and "the account changed since" in result.err and "disk-deleted" in result.err
    assert json.dumps(account.alerts, sort_keys=True) == before
    assert len([r for r in account.requests if r.method in ("POST", "PUT", "DELETE")]) == writes


def test_a_saved_plan_refuses_other_inputs(cli, account, tmp_path):
    values = tmp_path / "v.yaml"
    values.write_text("name_prefix: '[A] '\n")
    saved = tmp_path / "p.json"
    assert _pack(cli, account, "plan", "--values", values, "--out", saved).code == 0
    values.write_text("name_prefix: '[B] '\n")
    result = _pack(cli, account, "apply", saved, "--auto-approve")
    assert result.code == 1 and "made from other inputs" in result.err
    assert account.alerts == {}
    assert _pack(cli, account, "apply", saved, "--values", values).code == 1  # inputs travel in the plan


def test_a_change_at_the_end_of_a_long_query_is_visible():
    head = " OR ".join(f'"MICROSOFT.COMPUTE/OPERATION{i:03d}/DELETE"' for i in range(16))
    old = f"operationName:({head}) AND resultType:(Success OR Succeeded)"
    new = old + ' AND NOT identity.claims.appid:"automation"'
    assert len(old) > 600
    plan = Plan("p", "1", "t", [Action("update", "vm-deleted", "a1", "n", "the pack changed")], [], [], 0)
    plan.actions[0].changes = [Change("logsImmediate.logsFilter.simpleFilter.luceneQuery", old, new)]
    text = "\n".join(plan_lines(plan))
    assert '{+ AND NOT identity.claims.appid:"automation"+}' in text
    assert "```diff" in plan_markdown(plan) and "AND NOT identity.claims.appid" in plan_markdown(plan)
    assert word_diff("a b c", "a x c") == "a [-b-]{+x+} c"


def test_plans_use_the_packs_names(cli, account):
    assert _pack(cli, account, "apply", "--auto-approve").code == 0
    alert = next(iter(account.alerts.values()))
    properties = json.loads(json.dumps(alert["alertDefProperties"]))
    properties["priority"] = "ALERT_DEF_PRIORITY_P5_OR_UNSPECIFIED"
    account.put_alert(properties, alert["id"])
    text = _pack(cli, account, "plan").out
    assert "priority: P5 -> P" in text and "(absent)" not in text
    markdown = _pack(cli, account, "plan", "--format", "markdown").out
    assert markdown.startswith("### coralogix-pack plan") and "| create | update |" in markdown
    with Emulator(KEY) as empty:
        created = _pack(cli, empty, "plan").out
    assert "name: Azure VM deleted" in created and "threshold: more than 10 in 20m" in created
    assert "\x1b[" not in text  # no colour codes when not writing to a terminal


def test_environments_select_values_and_account(cli, account, project, monkeypatch):
    (project / "values").mkdir()
    (project / "values" / "prod.yaml").write_text("detections:\n  resource-deleted: {enabled: false}\n")
    (project / "environments").mkdir()
    (project / "environments" / "prod.yaml").write_text(
        f"description: production\nvalues: [values/prod.yaml]\napi_url: {account.base_url}\n"
    )
    applied = cli("apply", "--env", "prod", "--auto-approve", "--retry-base-delay", "0", cwd=project)
    assert applied.code == 0, applied.text
    assert "environment: prod" in applied.out and "values/prod.yaml" in applied.out
    monkeypatch.setenv("PACK_ENV", "prod")
    assert cli("plan", "--detailed-exitcode", cwd=project).code == 0  # the same values as the apply
    monkeypatch.delenv("PACK_ENV")
    # without the environment, a plan proposes to re-enable what production disabled
    plain = cli("plan", "--api-url", account.base_url, "--detailed-exitcode", cwd=project)
    assert plain.code == 2 and "resource-deleted" in plain.out
    unknown = cli("validate", "--env", "staging", cwd=project)
    assert (
        unknown.code == 1
        and "no environment 'staging'" in unknown.err
        and "known environments: prod" in unknown.err
    )


def test_test_backtest_and_export_take_the_environment(cli, account, project):
    (project / "values").mkdir()
    (project / "values" / "prod.yaml").write_text("detections:\n  vm-deleted: {enabled: false}\n")
    (project / "environments").mkdir()
    (project / "environments" / "prod.yaml").write_text(
        f"values: [values/prod.yaml]\napi_url: {account.base_url}\n"
    )
    assert cli("test", "--env", "prod", "vm-deleted", cwd=project).code == 0
    logs = project / "logs.ndjson"
    record = {
        "time": "2026-11-20T10:00:00Z",
        "operationName": "MICROSOFT.COMPUTE/VIRTUALMACHINES/DELETE",
        "resultType": "Success",
    }
    logs.write_text(json.dumps(record) + "\n")
    plain = json.loads(cli("backtest", logs, "--format", "json", cwd=project).out)
    prod = json.loads(cli("backtest", logs, "--env", "prod", "--format", "json", cwd=project).out)
    assert plain["detections"]["vm-deleted"]["alerts"] == 1
    assert (
        prod["detections"]["vm-deleted"]["enabled"] is False
        and prod["detections"]["vm-deleted"]["alerts"] == 0
    )
    assert cli("apply", "--env", "prod", "--auto-approve", "--retry-base-delay", "0", cwd=project).code == 0
    exported = cli(
        "export", "--env", "prod", "--out", project / "export", "--retry-base-delay", "0", cwd=project
    )
    assert exported.code == 0 and len(list((project / "export").glob("*.json"))) == 14  # 13 alerts, index


def test_new_detection_validates_and_tests(cli, project):
    assert cli("new", "vm-extension-installed", cwd=project).code == 0
    assert cli("new", "many-things-deleted", "--kind", "threshold", cwd=project).code == 0
    assert cli("validate", cwd=project).code == 0
    result = cli("test", "vm-extension-installed", "many-things-deleted", cwd=project)
    assert result.code == 0, result.text
    again = cli("new", "vm-extension-installed", cwd=project)
    assert again.code == 1 and "already exists" in again.err


def _validator(name: str):
    from referencing import Registry, Resource

    schemas = [json.loads(p.read_text()) for p in SCHEMA_DIR.glob("*.schema.json")]
    registry = Registry().with_resources((s["$id"], Resource.from_contents(s)) for s in schemas)
    return Draft202012Validator(json.loads((SCHEMA_DIR / name).read_text()), registry=registry)


def test_every_json_output_follows_its_shipped_schema(cli, account, tmp_path):
    logs = tmp_path / "logs.ndjson"
    logs.write_text(
        json.dumps(
            {
                "time": "2026-11-20T10:00:00Z",
                "operationName": "MICROSOFT.COMPUTE/VIRTUALMACHINES/DELETE",
                "resultType": "Success",
            }
        )
        + "\n"
    )
    outputs = {
        "validate.schema.json": cli("validate", "--format", "json"),
        "render.schema.json": cli("render", "--out", tmp_path / "o", "--format", "json"),
        "test.schema.json": cli("test", "vm-deleted", "--format", "json"),
        "backtest.schema.json": cli("backtest", logs, "--format", "json"),
        "plan.schema.json": _pack(cli, account, "plan", "--format", "json"),
        "apply.schema.json": _pack(cli, account, "apply", "--auto-approve", "--format", "json"),
        "export.schema.json": _pack(cli, account, "export", "--out", str(tmp_path / "e"), "--format", "json"),
    }
    outputs["render.schema.json (check)"] = cli("render", "--check", tmp_path / "o", "--format", "json")
    for name, result in outputs.items():
        assert result.code == 0, (name, result.text)
        document = json.loads(result.out)
        assert document["format_version"] == "1"
        assert list(_validator(name.split(" ")[0]).iter_errors(document)) == [], name
    assert json.loads(outputs["apply.schema.json"].out)["outcomes"][0]["ok"] is True


def test_quiet_and_verbose(cli, account):
    assert cli("--quiet", "validate").out == ""
    assert "detections valid" in cli("validate").out
    result = _pack(cli, account, "--verbose", "apply", "--auto-approve")
    assert result.code == 0 and "API requests" in result.out
