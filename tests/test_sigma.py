"""Sigma in: the backend and pipeline, `pack import sigma`, and a differential test of the converted
queries against an independent reading of each rule (tests/sigma_oracle.py)."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import yaml
from conftest import SHARED

pytest.importorskip("sigma")

from sigma.collection import SigmaCollection
from sigma.plugins import InstalledSigmaPlugins
from sigma_oracle import sigma_matches

from coralogix_pack.lucene.evaluator import compile_query
from coralogix_pack.sigma.importer import convert, rule_files
from coralogix_pack.sigma.records import generated

RULES = SHARED / "sigma" / "azure-activity-logs"
needs_rules = pytest.mark.skipif(not RULES.is_dir(), reason="the Sigma rules are not beside the project")


def _original(path):
    (rule,) = SigmaCollection.load_ruleset([path]).rules
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


@needs_rules
def test_converted_queries_agree_with_the_rules_on_generated_records():
    checked = 0
    for path in rule_files([RULES]):
        try:
            processed, query = convert(path)
        except Exception:  # refused rules are covered by the import test
            continue
        original = _original(path)
        records = generated(processed)
        assert len(records) >= 10, path.name
        compiled = [compile_query(query, case_sensitive) for case_sensitive in (False, True)]
        for name, expected, record in records:
            oracle = sigma_matches(original, record)
            assert oracle == expected, (path.name, name)
            for query_mode in compiled:
                assert query_mode.matches(record) == oracle, (path.name, name, query)
            checked += 1
    assert checked >= 33 * 10


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
