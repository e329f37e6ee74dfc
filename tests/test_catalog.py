from __future__ import annotations

import re

from conftest import CATALOG, DETECTION_IDS, OPTIONAL_IDS

from coralogix_pack.catalog.attack import attack_table
from coralogix_pack.catalog.loader import load_catalog, load_catalog_with_diagnostics
from coralogix_pack.core.diagnostics import Severity
from coralogix_pack.lucene.syntax import parse


def test_shipped_catalog_holds_the_13_contract_ids():
    catalog = load_catalog(CATALOG)
    assert sorted(catalog.ids) == sorted(DETECTION_IDS + OPTIONAL_IDS)
    assert sorted(d.id for d in catalog.detections if d.optional) == sorted(OPTIONAL_IDS)
    for detection in catalog.detections:
        assert detection.source.name == f"{detection.id}.yaml"


def test_shipped_catalog_has_no_errors_and_every_query_parses():
    catalog, diagnostics = load_catalog_with_diagnostics(CATALOG)
    assert catalog is not None
    assert [d for d in diagnostics if d.severity is Severity.ERROR] == []
    for detection in catalog.detections:
        if detection.kind.has_query:
            parse(detection.query)
        else:
            assert detection.query == "" and detection.flow is not None


def test_mappings_are_valid_pairs_in_the_pinned_attack_version():
    catalog = load_catalog(CATALOG)
    table = attack_table()
    assert catalog.pack.attack_version == table.version
    for detection in catalog.detections:
        if detection.tactic is None:
            assert detection.attack_gap and detection.techniques == (), detection.id
            continue
        for technique in detection.techniques:
            assert table.pair_problem(detection.tactic.id, technique.id) is None, detection.id


def test_vendor_mappings_are_reported_as_inconsistent():
    _, diagnostics = load_catalog_with_diagnostics(CATALOG)
    vendor = {d.file.rsplit("/", 1)[-1][:-5]: d for d in diagnostics if d.path == "mitre.vendor"}
    # Technique ids in the tactic field, and a technique revoked in v19.
    assert "T1070 is a technique id, not a tactic id" in vendor["vmss-extension-changed"].message
    assert "T1562 (Impair Defenses) is revoked" in vendor["resource-deallocated"].message
    # T1531 (Impact) listed under Persistence.
    assert "does not belong to TA0003 Persistence" in vendor["vm-deleted"].message
    assert "does not belong to TA0003 Persistence" in vendor["vm-backup-deleted"].message
    # T1578 moved from TA0005 to TA0112 in v19.
    assert "does not belong to TA0005 Stealth" in vendor["locked-vm-delete-attempt"].message
    # Consistent vendor pairs are not reported.
    assert {"public-ip-associated", "vm-password-reset", "resource-deleted"}.isdisjoint(vendor)
    assert all(d.severity is Severity.WARNING for d in vendor.values())
    assert all(re.match(r".+\.yaml$", d.file) and d.line > 0 for d in vendor.values())


def test_threshold_detections_match_the_contract():
    catalog = load_catalog(CATALOG)
    for detection_id in ("bulk-disk-deletion", "bulk-vm-deletion"):
        detection = catalog.get(detection_id)
        assert detection.kind == "threshold"
        assert (detection.threshold.count, detection.threshold.window) == (10, "20m")
    contract = [d for d in catalog.detections if d.id in DETECTION_IDS]
    assert all(d.kind == "immediate" for d in contract if not d.id.startswith("bulk-"))
    kinds = {d.id: (d.kind, d.threshold.condition if d.threshold else None) for d in catalog.detections}
    assert kinds["locked-vm-delete-then-deleted"] == ("flow", None)
    assert kinds["first-time-vm-deleter"] == ("new-value", None)
    assert kinds["vm-deletion-spree-by-caller"] == ("unique-count", None)
    assert kinds["activity-log-silent"] == ("threshold", "less_than")


def test_bundled_schemas_are_valid_draft_2020_12():
    import json

    from jsonschema import Draft202012Validator

    from coralogix_pack.core.resources import SCHEMA_DIR

    for path in sorted(SCHEMA_DIR.glob("*.schema.json")):
        Draft202012Validator.check_schema(json.loads(path.read_text()))
