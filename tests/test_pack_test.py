from __future__ import annotations

import json

import yaml
from conftest import CATALOG, DETECTION_IDS, OPTIONAL_IDS

from coralogix_pack.catalog.loader import load_catalog


def test_every_detection_has_enough_test_records():
    for detection in load_catalog(CATALOG).detections:
        matches = [c for c in detection.cases if c.expect_match]
        misses = [c for c in detection.cases if not c.expect_match]
        if detection.sequences:  # firing beyond a count: sequences that fire and that stay quiet
            expected = sorted(s.expect_alerts for s in detection.sequences)
            assert expected[0] == 0 and expected[-1] >= 1 and len(expected) >= 3, detection.id
        if detection.kind == "flow":
            assert matches == misses == [], detection.id
            continue
        assert len(matches) >= 2 and len(misses) >= 3, detection.id
        if detection.kind == "threshold" and not detection.sequences:
            expected = sorted(s.expect_alerts for s in detection.scenarios)
            assert expected[0] == 0 and expected[-1] >= 1, detection.id


def test_pack_test_passes_for_all_detections_in_both_modes(cli):
    result = cli("test", "--format", "json")
    assert result.code == 0, result.text
    report = json.loads(result.out)
    assert report["ok"] is True
    assert sorted(d["detection"] for d in report["detections"]) == sorted(DETECTION_IDS + OPTIONAL_IDS)
    for detection in report["detections"]:
        assert detection["failed"] == 0 and detection["checks"] == detection["passed"] > 0


def test_text_output_is_a_table(cli):
    result = cli("test", "vm-deleted", "disk-deleted")
    assert result.code == 0
    assert (
        "vm-deleted" in result.out and "disk-deleted" in result.out and "bulk-vm-deletion" not in result.out
    )


def test_broken_query_fails_with_the_deciding_clause(cli, inline_catalog):
    path = inline_catalog / "demo-vm-deleted.yaml"
    path.write_text(
        path.read_text().replace("resultType:(Success OR Succeeded)", "resultType:(Accept OR Started)")
    )
    result = cli("test", "--catalog", inline_catalog)
    assert result.code == 1
    assert "demo-vm-deleted / delete completed (case-insensitive): expected match, got no match" in result.out
    assert "decided by: resultType:(Accept OR Started)" in result.out
    assert '"operationName": "MICROSOFT.COMPUTE/VIRTUALMACHINES/DELETE"' in result.out


def test_case_fragile_query_fails_in_case_sensitive_mode(cli, inline_catalog):
    path = inline_catalog / "demo-vm-deleted.yaml"
    text = path.read_text()
    for variant in (
        '\n      OR "Microsoft.Compute/virtualMachines/delete"',
        '\n      OR "microsoft.compute/virtualmachines/delete"',
    ):
        assert variant in text
        text = text.replace(variant, "")
    path.write_text(text)
    assert cli("validate", "--catalog", inline_catalog).code == 0  # still lint-clean: upper case is there
    result = cli("test", "demo-vm-deleted", "--catalog", inline_catalog, "--format", "json")
    assert result.code == 1
    (report,) = json.loads(result.out)["detections"]
    assert {f["mode"] for f in report["failures"]} == {"case-sensitive"}
    assert [f["name"] for f in report["failures"]] == ["delete completed (mixed case)"]


def test_threshold_scenarios_are_checked(cli, inline_catalog):
    path = inline_catalog / "demo-bulk-disk-deletion.yaml"
    path.write_text(path.read_text().replace("  count: 3\n", "  count: 2\n", 1))
    result = cli("test", "demo-bulk-disk-deletion", "--catalog", inline_catalog)
    assert result.code == 1
    assert (
        "three deletions are not more than three (case-insensitive): expected 0 alert(s), got 1 alert(s)"
        in result.out
    )


def test_coverage_gate(cli, inline_catalog):
    path = inline_catalog / "demo-vm-deleted.yaml"
    raw = yaml.safe_load(path.read_text())
    raw["tests"]["cases"] = [c for c in raw["tests"]["cases"] if c["expect"] == "match"]
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    result = cli("test", "--catalog", inline_catalog)
    assert result.code == 1
    assert "demo-vm-deleted: no test record that must not match" in result.out


def test_unknown_id(cli):
    result = cli("test", "vm-delted")
    assert result.code == 1 and "unknown detection id 'vm-delted'" in result.err
