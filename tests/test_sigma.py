"""Sigma in: the backend and pipeline, `pack import sigma`, and a differential test of the converted
queries against an independent reading of each rule (coralogix_pack/sigma/semantics.py)."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import yaml
from conftest import SHARED

pytest.importorskip("sigma")

from sigma.collection import SigmaCollection
from sigma.plugins import InstalledSigmaPlugins

from coralogix_pack.lucene.evaluator import compile_query
from coralogix_pack.sigma.importer import convert, rule_files
from coralogix_pack.sigma.records import generated
from coralogix_pack.sigma.semantics import sigma_matches

RULES = SHARED / "sigma" / "azure-activity-logs"
needs_rules = pytest.mark.skipif(not RULES.is_dir(), reason="the Sigma rules are not beside the project")


def _original(path):
    from sigma.rule import SigmaRule

    (rule,) = [r for r in SigmaCollection.load_ruleset([path]).rules if isinstance(r, SigmaRule)]
    return rule


@needs_rules
def test_at_least_31_of_the_35_rules_import_and_the_rest_say_why(cli, tmp_path):
    out = tmp_path / "imported"
    result = cli("import", "sigma", RULES, "--out", out, "--skip-unsupported")
    assert result.code == 0, result.text
    files = sorted(p for p in out.glob("*.yaml") if p.name != "pack.yaml")
    assert len(files) >= 31
    refused = [line for line in result.err.splitlines() if ": not imported: " in line]
    assert len(files) + len(refused) == 35
    assert all("cannot be mapped" in line or "wildcard" in line or "keyword" in line for line in refused)
    assert cli("validate", "--catalog", out).code == 0
    tested = cli("test", "--catalog", out)
    assert tested.code == 0, tested.text
    entry = yaml.safe_load((out / "sigma-azure-keyvault-modified-or-deleted.yaml").read_text())
    assert entry["provenance"]["rule_id"] == "459a2970-bb84-4e6a-a32e-ff0fbd99448d"
    assert "Austin Songer" in entry["provenance"]["author"] and "DRL" in entry["provenance"]["licence"]
    assert entry["priority"] == "P3" and entry["kind"] == "immediate"


@needs_rules
def test_without_skip_unsupported_a_refusal_writes_nothing(cli, tmp_path):
    out = tmp_path / "imported"
    result = cli("import", "sigma", RULES, "--out", out)
    assert result.code == 1
    assert "azure_aadhybridhealth_adfs_new_server.yml: not imported: ResourceProviderValue" in result.err
    assert not out.exists()


def _disagreements(paths) -> tuple[int, int]:
    """(records checked, rules converted): every generated record judged by the converted query in
    both case modes and by the reference reading of the original rule must agree."""
    checked = converted = 0
    for path in paths:
        try:
            processed, query = convert(path)
        except Exception:  # refused rules are covered by the import test
            continue
        converted += 1
        original = _original(path)
        records = generated(processed, original)
        assert len(records) >= 10, path.name
        assert any(expected for _, expected, _ in records) and not all(e for _, e, _ in records), path.name
        compiled = [compile_query(query, case_sensitive) for case_sensitive in (False, True)]
        for name, expected, record in records:
            oracle = sigma_matches(original, record)
            assert oracle == expected, (path.name, name)
            for query_mode in compiled:
                assert query_mode.matches(record) == oracle, (path.name, name, query)
            checked += 1
    return checked, converted


@needs_rules
def test_converted_queries_agree_with_the_rules_on_generated_records():
    checked, converted = _disagreements(rule_files([RULES]))
    assert converted == 33 and checked >= 33 * 10


def test_the_pack_s_own_rules_agree_too(cli, tmp_path):
    """The rules the project writes (its catalog, exported) through the same differential test."""
    exported = tmp_path / "sigma"
    assert cli("export", "sigma", "--out", exported).code == 0
    checked, converted = _disagreements(sorted(exported.glob("*.yml")))
    assert converted == 13 and checked >= 13 * 10


@needs_rules
def test_reimporting_a_changed_rule_updates_its_file_with_a_diff(cli, tmp_path):
    rule = tmp_path / "rules" / "azure_keyvault_modified_or_deleted.yml"
    rule.parent.mkdir()
    shutil.copy(RULES / rule.name, rule)
    out = tmp_path / "imported"
    assert cli("import", "sigma", rule, "--out", out).code == 0
    rule.write_text(rule.read_text().replace("level: medium", "level: high"))
    again = cli("import", "sigma", rule, "--out", out)
    assert again.code == 0 and "-priority: P3" in again.out and "+priority: P2" in again.out
    other = out / "sigma-azure-keyvault-modified-or-deleted.yaml"
    other.write_text(other.read_text().replace("459a2970-bb84-4e6a-a32e-ff0fbd99448d", "not-this-rule"))
    refused = cli("import", "sigma", rule, "--out", out)
    assert refused.code == 1 and "is not an import of this rule" in refused.err


@needs_rules
@pytest.mark.skipif(shutil.which("sigma") is None, reason="sigma-cli is not installed")
def test_sigma_cli_prints_the_imported_queries(cli, tmp_path):
    if "coralogix" not in InstalledSigmaPlugins.autodiscover().backends:
        pytest.skip("the package is installed editable: pySigma's plugin namespaces are a wheel's")
    out = tmp_path / "imported"
    assert cli("import", "sigma", RULES, "--out", out, "--skip-unsupported").code == 0
    imported = {yaml.safe_load(p.read_text())["query"] for p in out.glob("sigma-*.yaml")}
    converted = subprocess.run(
        [
            "sigma",
            "convert",
            "-t",
            "coralogix",
            "-p",
            "coralogix_azure_activity",
            "--skip-unsupported",
            str(RULES),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert converted.returncode == 0, converted.stderr
    printed = {line for line in converted.stdout.splitlines() if line.startswith("(")}
    assert printed == imported


def test_the_catalog_exports_to_sigma_and_imports_back_with_the_same_verdicts(cli, tmp_path):
    from conftest import CATALOG

    from coralogix_pack.catalog.loader import load_catalog

    exported, imported = tmp_path / "sigma", tmp_path / "imported"
    assert cli("export", "sigma", "--out", exported).code == 0
    assert len(list(exported.glob("*.yml"))) == 13
    assert cli("import", "sigma", exported, "--out", imported).code == 0
    assert cli("test", "--catalog", imported).code == 0
    catalog = load_catalog(CATALOG)
    for path in sorted(imported.glob("sigma-*.yaml")):
        back = yaml.safe_load(path.read_text())
        detection = catalog.get(back["id"].removeprefix("sigma-"))
        records = [c.record for c in detection.cases] + [s.record for s in detection.scenarios]
        for case_sensitive in (False, True):
            theirs = compile_query(back["query"], case_sensitive)
            ours = compile_query(detection.query, case_sensitive)
            assert [theirs.matches(r) for r in records] == [ours.matches(r) for r in records], detection.id
        if detection.threshold is not None:
            assert back["threshold"] == {
                "count": detection.threshold.count,
                "window": detection.threshold.window,
            }
    text = (exported / "bulk-vm-deletion.yml").read_text()
    assert "correlation:" in text and "type: event_count" in text and "gt: 10" in text


@pytest.mark.skipif(shutil.which("sigma") is None, reason="sigma-cli is not installed")
def test_sigma_cli_checks_the_exported_rules(cli, tmp_path):
    exported = tmp_path / "sigma"
    assert cli("export", "sigma", "--out", exported).code == 0
    # the two validators left out download MITRE ATT&CK and D3FEND data, which this machine cannot
    checked = subprocess.run(
        ["sigma", "check", "--fail-on-issues", "-x", "attacktag", "-x", "d3_fendtag", str(exported)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "No validation issues found" in checked.stdout


def test_pipeline_applies_a_field_prefix_and_backend_refuses_leading_wildcards():
    from sigma.collection import SigmaCollection as Collection

    from coralogix_pack.sigma.backend import CoralogixBackend
    from coralogix_pack.sigma.pipeline import coralogix_azure_activity

    rule = """
title: Endswith alone
logsource: {product: azure, service: activitylogs}
detection:
  sel: {operationName|endswith: /DELETE}
  nested: {properties.message: Delete device}
  condition: sel or nested
"""
    backend = CoralogixBackend(coralogix_azure_activity(field_prefix="body"), True)
    backend.convert(Collection.from_yaml(rule))
    assert backend.errors and "leading wildcard" in str(backend.errors[0][1])
    plain = rule.replace("operationName|endswith: /DELETE", "operationName: MICROSOFT.X/Y/DELETE")
    (query,) = CoralogixBackend(coralogix_azure_activity(field_prefix="body"), True).convert(
        Collection.from_yaml(plain)
    )
    assert 'body.operationName.keyword:("MICROSOFT.X/Y/DELETE" OR "microsoft.x/y/delete")' in query
    assert 'body.properties.message.keyword:"Delete device"' in query and "body.resultType.keyword" in query
