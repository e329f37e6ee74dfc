"""`pack test --mutate`: the mutants, their verdicts, the report, the known gaps and the CI gate."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import yaml
from conftest import CATALOG, DETECTION_IDS, REPO
from jsonschema import Draft202012Validator

from coralogix_pack.catalog.loader import load_catalog
from coralogix_pack.core.resources import SCHEMA_DIR
from coralogix_pack.offline.mutants import record_mutants, scenario_mutants
from coralogix_pack.offline.mutation import _verdict, mutate

BASELINE = REPO / "tests" / "mutation-baseline.json"
SCHEMA = json.loads((SCHEMA_DIR / "mutation.schema.json").read_text(encoding="utf-8"))


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_json_report_is_schema_valid_with_enough_mutants_of_enough_kinds(cli):
    result = cli("test", "--mutate", "--format", "json")
    assert result.code == 0, result.err
    document = json.loads(result.out)
    Draft202012Validator.check_schema(SCHEMA)
    assert not list(Draft202012Validator(SCHEMA).iter_errors(document))
    assert [d["detection"] for d in document["detections"]] == sorted(DETECTION_IDS)
    for detection in document["detections"]:
        assert detection["mutants"] >= 20, detection["detection"]
        assert len(detection["kinds"]) >= 6, (detection["detection"], detection["kinds"])
        assert detection["mutants"] == detection["expect_fire"] + detection["expect_quiet"]


def test_same_seed_same_bytes_other_seed_other_mixed_case(cli):
    first = cli("test", "--mutate", "--format", "json").out
    assert cli("test", "--mutate", "--format", "json").out == first
    vm_deleted = load_catalog(CATALOG).get("vm-deleted")

    def mixed(seed: int) -> list[str]:
        return [
            m.records[0]["operationName"]
            for m in record_mutants(vm_deleted, seed)
            if m.operator == "case/mixed"
        ]

    assert mixed(0) == mixed(0)
    assert mixed(0) != mixed(1)


def test_status_and_sibling_mutants_state_the_contract_verdicts():
    vm_deleted = load_catalog(CATALOG).get("vm-deleted")
    mutants = record_mutants(vm_deleted)
    status = {m.operator: m.expect_fire for m in mutants if m.kind == "status" and m.records[0]["resultType"]}
    assert status == {
        "status/start": False,
        "status/accept": False,
        "status/success": True,
        "status/succeeded": True,
        "status/failure": False,
        "status/failed": False,
    }
    siblings = [m for m in mutants if m.kind == "sibling"]
    assert {m.operator for m in siblings} >= {"sibling/scale-set-instance", "sibling/child-resource"}
    assert not any(m.expect_fire for m in siblings)
    child = next(m for m in siblings if m.operator == "sibling/child-resource")
    assert child.records[0]["operationName"].upper().endswith("VIRTUALMACHINES/EXTENSIONS/DELETE")


def test_threshold_bursts_are_judged_by_the_window_not_by_their_labels():
    detection = load_catalog(CATALOG).get("bulk-vm-deletion")
    bursts = {m.operator: m for m in scenario_mutants(detection)}
    verdicts = {name: _verdict(detection, m, case_sensitive=False) for name, m in bursts.items()}
    assert verdicts == {
        "threshold/below-count": False,
        "threshold/at-count": False,
        "threshold/above-count": True,
        "threshold/two-windows": False,
        "threshold/many-identities": True,
        "threshold/group-split": False,
    }
    assert len(bursts["threshold/above-count"].records) == detection.threshold.count + 1


def test_committed_baseline_has_no_unexpected_finding_and_every_gap_has_a_reason(cli):
    baseline = json.loads(BASELINE.read_text(encoding="utf-8"))
    assert not list(Draft202012Validator(SCHEMA).iter_errors(baseline))
    assert {d["detection"] for d in baseline["detections"]} == set(DETECTION_IDS)
    for detection in baseline["detections"]:
        assert detection["escaped"] == [] and detection["false_alerts"] == [], detection["detection"]
        assert all(len(gap["known"]) > 20 for gap in detection["known_gaps"])
        case_gaps = [g for g in detection["known_gaps"] if g["operator"].startswith(("value-case/", "case/"))]
        assert all(g["mode"] == "case-sensitive" for g in case_gaps)  # folded, every casing fires
    result = cli("test", "--mutate", "--baseline", BASELINE)
    assert result.code == 0, result.text
    assert "at or above the baseline" in result.err


def test_dropping_the_lower_case_variant_of_vm_deleted_fails_the_gate_naming_the_mutant(cli, catalog_copy):
    _edit(catalog_copy / "vm-deleted.yaml", '\n      OR "microsoft.compute/virtualmachines/delete")', ")")
    assert cli("test", "vm-deleted", "--catalog", catalog_copy).code == 0  # its own records still pass
    result = cli("test", "--mutate", "--catalog", catalog_copy, "--baseline", BASELINE)
    assert result.code == 1
    assert "vm-deleted: score" in result.err and "below the baseline" in result.err
    assert (
        "vm-deleted: new escaped: case/lower of 'VM delete completed (upper-case export)' (case-sensitive)"
        in (result.err)
    )
    assert "-> 'microsoft.compute/virtualmachines/delete'" in result.err
    assert "ESCAPED case/lower" in result.out


def test_a_known_gap_removed_from_the_catalog_becomes_a_finding(cli, catalog_copy):
    path = catalog_copy / "public-ip-associated.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["known_gaps"] = [
        g for g in document["known_gaps"] if g["operator"] != "body/responseBody-absent"
    ]
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    result = cli("test", "--mutate", "public-ip-associated", "--catalog", catalog_copy, "--format", "json")
    assert result.code == 1
    escaped = json.loads(result.out)["detections"][0]["escaped"]
    assert {(f["operator"], f["mode"]) for f in escaped} == {
        ("body/responseBody-absent", "case-insensitive"),
        ("body/responseBody-absent", "case-sensitive"),
    }
    assert any(
        line.startswith("properties.responseBody: '{") and line.endswith("-> None")
        for line in escaped[0]["diff"]
    )


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_report_lists_each_detection_and_the_escaped_mutant(cli, catalog_copy, tmp_path):
    _edit(catalog_copy / "vm-deleted.yaml", '\n      OR "microsoft.compute/virtualmachines/delete")', ")")
    report = tmp_path / "mutants.html"
    result = cli("test", "--mutate", "--catalog", catalog_copy, "--report", report)
    assert result.code == 1
    parser = _Text()
    parser.feed(report.read_text(encoding="utf-8"))
    text = "".join(parser.text)
    assert "script" not in parser.tags
    assert all(detection in text for detection in DETECTION_IDS)
    assert "escaped: should fire, did not (2)" in text
    assert "case/lower of VM delete completed (upper-case export) (case-sensitive)" in text


def test_a_bad_baseline_is_refused_before_any_work(cli, tmp_path):
    not_json = tmp_path / "baseline.json"
    not_json.write_text("{not json", encoding="utf-8")
    result = cli("test", "--mutate", "--baseline", not_json)
    assert result.code == 1 and "is not JSON" in result.err and str(not_json) in result.err
    assert "pack test --mutate" not in result.out  # no table: refused first
    other = tmp_path / "plan.json"
    other.write_text('{"format_version": "1", "kind": "plan"}', encoding="utf-8")
    result = cli("test", "--mutate", "--baseline", other)
    assert result.code == 1 and "not a mutation report" in result.err
    result = cli("test", "--mutate", "--seed", "7", "--baseline", BASELINE)
    assert result.code == 1 and "made with --seed 0, this run uses 7" in result.err
    result = cli("test", "--mutate", "--baseline", tmp_path / "missing.json")
    assert result.code == 1 and "cannot read the mutation baseline" in result.err
    assert "Traceback" not in result.text


def test_mutation_options_need_mutate_and_other_kinds_are_listed_not_mutated(cli):
    result = cli("test", "--seed", "3")
    assert result.code == 1 and "go with --mutate" in result.err
    run = mutate(load_catalog(CATALOG), ["first-time-vm-deleter", "vm-deleted"])
    skipped, mutated = run.reports
    assert skipped.mutants == 0 and "new-value" in skipped.skipped
    assert mutated.mutants >= 20 and not mutated.skipped


def test_a_known_gap_that_no_verdict_needs_is_reported_as_stale(cli, catalog_copy):
    path = catalog_copy / "vm-deleted.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["known_gaps"] = [
        {"operator": "sibling/classic-compute", "reason": "a stale entry", "reference": "x y z"}
    ]
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    result = cli("test", "--mutate", "vm-deleted", "--catalog", catalog_copy)
    assert result.code == 0
    assert "vm-deleted: warning: known gap sibling/classic-compute matched no mutant" in result.out
    assert json.loads(
        cli("test", "--mutate", "vm-deleted", "--catalog", catalog_copy, "--format", "json").out
    )["detections"][0]["unused_gaps"] == ["sibling/classic-compute"]
