from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from conftest import CONTRACT, DETECTION_IDS
from contract import contract_errors

from coralogix_pack.coralogix.alertdef import content_hash
from coralogix_pack.lucene.syntax import parse


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def rendered(cli, tmp_path) -> Path:
    out = tmp_path / "out"
    result = cli("render", "--out", out, cwd=tmp_path)
    assert result.code == 0, result.err
    return out


def test_render_writes_every_artifact(rendered):
    assert sorted(p.stem for p in (rendered / "alerts").glob("*.json")) == sorted(DETECTION_IDS)
    assert sorted(p.stem for p in (rendered / "queries").glob("*.lucene")) == sorted(DETECTION_IDS)
    assert {p.name for p in (rendered / "terraform").iterdir()} == {
        "versions.tf",
        "variables.tf",
        "main.tf",
        "outputs.tf",
        "README.md",
    }
    manifest = json.loads((rendered / "manifest.json").read_text())
    assert manifest["pack"]["name"] == "azure-vm-security"
    for path, digest in manifest["files"].items():
        assert hashlib.sha256((rendered / path).read_bytes()).hexdigest() == digest


def test_alerts_are_create_requests_with_ownership_labels(rendered):
    for detection_id in DETECTION_IDS:
        body = json.loads((rendered / "alerts" / f"{detection_id}.json").read_text())
        properties = body["alertDefProperties"]
        labels = properties["entityLabels"]
        assert labels["managed_by"] == "coralogix-pack"
        assert labels["pack"] == "azure-vm-security"
        assert labels["pack_detection"] == detection_id
        assert labels["pack_version"] == "1.0.0"
        assert labels["pack_content_hash"] == content_hash(properties)
        block = properties.get("logsImmediate") or properties["logsThreshold"]
        query = block["logsFilter"]["simpleFilter"]["luceneQuery"]
        assert query + "\n" == (rendered / "queries" / f"{detection_id}.lucene").read_text()
        parse(query)


def test_threshold_alert_shape(rendered):
    properties = json.loads((rendered / "alerts" / "bulk-vm-deletion.json").read_text())["alertDefProperties"]
    assert properties["type"] == "ALERT_DEF_TYPE_LOGS_THRESHOLD"
    assert "logsImmediate" not in properties
    (rule,) = properties["logsThreshold"]["rules"]
    assert rule["condition"] == {
        "threshold": 10,
        "timeWindow": {"logsTimeWindowSpecificValue": "LOGS_TIME_WINDOW_VALUE_MINUTES_20"},
        "conditionType": "LOGS_THRESHOLD_CONDITION_TYPE_MORE_THAN_OR_UNSPECIFIED",
    }
    assert rule["override"]["priority"] == "ALERT_DEF_PRIORITY_P1"


@pytest.mark.skipif(not CONTRACT.is_file(), reason="shared/contracts OpenAPI document not present")
@pytest.mark.parametrize("values_text", ["", "PROD"])
def test_every_alert_validates_against_the_openapi_contract(cli, tmp_path, values_text):
    args = []
    if values_text:
        args = ["--values", Path(__file__).parents[1] / "examples" / "values.production.yaml"]
    out = tmp_path / "out"
    assert cli("render", "--out", out, *args).code == 0
    for path in sorted((out / "alerts").glob("*.json")):
        assert contract_errors(CONTRACT, json.loads(path.read_text())) == [], path.name


@pytest.mark.skipif(not CONTRACT.is_file(), reason="shared/contracts OpenAPI document not present")
def test_contract_check_can_fail():
    bad = {"alertDefProperties": {"name": "x", "priority": "P1", "logsImmediate": {"colour": 1}}}
    errors = contract_errors(CONTRACT, bad)
    assert any("priority" in e for e in errors) and any("colour" in e for e in errors)


def test_render_is_deterministic_from_any_folder(cli, tmp_path):
    first, second = tmp_path / "a" / "out", tmp_path / "b"
    (tmp_path / "a").mkdir()
    assert cli("render", "--out", "out", cwd=tmp_path / "a").code == 0
    assert cli("render", "--out", second, cwd=Path("/")).code == 0
    assert _tree(first) == _tree(second)


def test_check_reports_current_and_stale(cli, rendered):
    assert cli("render", "--check", rendered).code == 0
    query = rendered / "queries" / "vm-deleted.lucene"
    query.write_text("tampered\n")
    (rendered / "alerts" / "disk-deleted.json").unlink()
    result = cli("render", "--check", rendered)
    assert result.code == 1
    assert "-tampered" in result.out and "queries/vm-deleted.lucene" in result.out
    assert "alerts/disk-deleted.json (fresh render)" in result.out
    assert "is stale" in result.err
    assert cli("render", "--out", rendered).code == 0
    assert cli("render", "--check", rendered).code == 0


def test_check_of_missing_dir_is_stale(cli, tmp_path):
    assert cli("render", "--check", tmp_path / "never").code == 1


def test_rerender_removes_files_of_dropped_detections(cli, tmp_path, catalog_copy):
    out = tmp_path / "out"
    assert cli("render", "--catalog", catalog_copy, "--out", out).code == 0
    (out / "notes.txt").write_text("mine")
    (catalog_copy / "disk-deleted.yaml").unlink()
    result = cli("render", "--catalog", catalog_copy, "--out", out)
    assert result.code == 0 and "removed 2 stale" in result.out
    assert not (out / "alerts" / "disk-deleted.json").exists()
    assert (out / "notes.txt").read_text() == "mine"


def test_failed_render_writes_nothing(cli, tmp_path, catalog_copy):
    out = tmp_path / "out"
    assert cli("render", "--catalog", catalog_copy, "--out", out).code == 0
    before = _tree(out)
    path = catalog_copy / "vm-deleted.yaml"
    path.write_text(path.read_text().replace("priority: P3", "priority: P7"))
    assert cli("render", "--catalog", catalog_copy, "--out", out).code == 1
    assert _tree(out) == before


def test_values_are_applied(cli, tmp_path):
    base, prod = tmp_path / "base.yaml", tmp_path / "prod.yaml"
    base.write_text(
        "name_prefix: '[SEC] '\n"
        "field_prefix: body\n"
        "labels: {team: secops}\n"
        "detections:\n  bulk-disk-deletion: {priority: P2, threshold: {count: 20, window: 1h}}\n"
        "  resource-deleted: {enabled: false}\n"
    )
    prod.write_text(
        "labels: {env: prod}\n"
        "detections:\n  bulk-disk-deletion: {threshold: {count: 25}}\n"
        "label_filters:\n  application_name: [{value: azure, operation: STARTS_WITH}]\n  severities: [Info]\n"
        "notifications:\n  webhooks: [{integration_id: 77, notify_on: triggered_and_resolved}]\n"
        "incidents: {notify_on: triggered_and_resolved, retrigger_minutes: 30}\n"
    )
    out = tmp_path / "out"
    assert cli("render", "--out", out, "--values", base, "--values", prod).code == 0
    disk = json.loads((out / "alerts" / "bulk-disk-deletion.json").read_text())["alertDefProperties"]
    assert disk["name"] == "[SEC] More than 25 Azure managed disks deleted within 1 hour"
    assert disk["priority"] == "ALERT_DEF_PRIORITY_P2"
    condition = disk["logsThreshold"]["rules"][0]["condition"]
    assert condition["threshold"] == 25  # later file wins, deep-merged
    assert condition["timeWindow"]["logsTimeWindowSpecificValue"] == "LOGS_TIME_WINDOW_VALUE_HOUR_1"
    assert disk["entityLabels"]["team"] == "secops" and disk["entityLabels"]["env"] == "prod"
    simple = disk["logsThreshold"]["logsFilter"]["simpleFilter"]
    assert simple["luceneQuery"].startswith('body.operationName:("MICROSOFT.COMPUTE/DISKS/DELETE"')
    assert "body.resultType:(Success OR Succeeded)" in simple["luceneQuery"]
    assert simple["labelFilters"]["applicationName"] == [
        {"value": "azure", "operation": "LOG_FILTER_OPERATION_TYPE_STARTS_WITH"}
    ]
    assert simple["labelFilters"]["severities"] == ["LOG_SEVERITY_INFO"]
    assert disk["notificationGroup"]["webhooks"] == [
        # the webhook's own notify_on, and the incident cadence's minutes made explicit
        {"integration": {"integrationId": 77}, "notifyOn": "NOTIFY_ON_TRIGGERED_AND_RESOLVED", "minutes": 30}
    ]
    assert disk["incidentsSettings"] == {"minutes": 30, "notifyOn": "NOTIFY_ON_TRIGGERED_AND_RESOLVED"}
    deleted = json.loads((out / "alerts" / "resource-deleted.json").read_text())["alertDefProperties"]
    assert deleted["enabled"] is False
    tfvars = json.loads((out / "terraform" / "terraform.tfvars.json").read_text())
    assert tfvars["detections"]["bulk-disk-deletion"] == {
        "priority": "P2",
        "threshold": {"count": 25, "window": "1h"},
    }
    assert tfvars["field_prefix"] == "body" and tfvars["name_prefix"] == "[SEC] "  # the module applies it
    manifest = json.loads((out / "manifest.json").read_text())
    assert [v["file"] for v in manifest["values"]] == [str(base), str(prod)]


# ---- render_query: cut once at field names, joined per prefix; the same text as renaming a tree ----

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_SPACE = st.sampled_from([" ", "  ", "\n    ", "\n\n  ", "\t"])
_WORD = st.sampled_from(["Success", "delete", "a*b", "x?y", '"two  words\n kept"', "[1 TO 5]", "a\\ b"])
_FIELD = st.sampled_from(["operationName", "properties.responseBody", "resultType", "identity.claims.name"])


@st.composite
def _queries(draw, depth=0):
    kind = draw(st.integers(0, 4 if depth < 3 else 1))
    if kind == 0:
        return draw(_WORD)
    if kind == 1:
        return f"{draw(_FIELD)}:{draw(_WORD)}"
    if kind == 2:
        return f"_exists_:{draw(_FIELD)}"
    if kind == 3:
        operator = draw(st.sampled_from(["AND", "OR"]))
        return f"{draw(_queries(depth + 1))}{draw(_SPACE)}{operator}{draw(_SPACE)}{draw(_queries(depth + 1))}"
    return f"{draw(_FIELD)}:({draw(_SPACE)}{draw(_queries(depth + 1))}{draw(_SPACE)})"


@settings(max_examples=80, deadline=None)
@given(query=_queries(), prefix=st.sampled_from(["", "body", "json.payload"]))
def test_render_query_equals_renaming_the_parse_tree(query, prefix):
    import copy

    from luqum.tree import SearchField, Word

    from coralogix_pack.lucene import syntax
    from coralogix_pack.lucene.fields import EXISTS_FIELD, prefixed

    tree = copy.deepcopy(syntax.parse(query))  # renamed and folded in place, node by node
    for node, _ in syntax.walk(tree):
        syntax._fold(node)
        if isinstance(node, SearchField) and node.name == EXISTS_FIELD and isinstance(node.expr, Word):
            node.expr.value = prefixed(node.expr.value, prefix)
        elif isinstance(node, SearchField) and node.name != EXISTS_FIELD:
            node.name = prefixed(node.name, prefix)
    assert syntax.render_query(query, prefix) == str(tree).strip()


def test_clone_copies_a_parse_tree_like_deepcopy():
    import copy

    from coralogix_pack.lucene import syntax

    for query in [
        'operationName:("A/B" OR "a/b") AND NOT resultType:Start',
        "_exists_:properties.responseBody AND durationMs:[1 TO 5} AND name:ab~2 AND x:/re.x/ AND +y -z",
        'title:"quick fox"~3^2 AND (a OR b) c',
    ]:
        tree = syntax.parse(query)
        copied = syntax.clone(tree)
        assert copied == copy.deepcopy(tree) and str(copied) == str(tree)
        for node, _ in syntax.walk(copied):  # nothing shared that a rename could reach
            if hasattr(node, "name"):
                node.name = "changed"
        assert str(syntax.parse(query)) == str(tree) and "changed" not in str(tree)
