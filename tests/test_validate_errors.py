"""Every check of `pack validate` fed a bad input: message, location, exit code, no traceback."""

from __future__ import annotations

import re
from pathlib import Path

import pytest


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1))


def _line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(needle)


def _expect(result, file: Path, line: int, field: str, message: str) -> None:
    assert result.code == 1, result.text
    assert "Traceback" not in result.text
    pattern = re.escape(f"{file.name}:{line}: {field}:") + r" .*" + re.escape(message)
    assert re.search(pattern, result.err), f"no {pattern!r} in:\n{result.err}"


CASES = [
    # (file, old text, new text, line needle, field path, message)
    (
        "demo-vm-deleted.yaml",
        "kind: immediate",
        "kind: immediate\ncolour: red",
        "colour:",
        "colour",
        "unknown field 'colour'",
    ),
    (
        "demo-vm-deleted.yaml",
        "priority: P3",
        "priority: P9",
        "priority: P9",
        "priority",
        "'P9' is not allowed",
    ),
    (
        "demo-vm-deleted.yaml",
        "kind: immediate",
        "kind: sometimes",
        "kind:",
        "kind",
        "'sometimes' is not allowed",
    ),
    (
        "demo-bulk-disk-deletion.yaml",
        "window: 20m",
        "window: 25m",
        "window:",
        "threshold.window",
        "'25m' is not allowed",
    ),
    (
        "demo-vm-deleted.yaml",
        "AND resultType",
        "AND resultType:(Success OR",
        "OR:(Success",
        "query",
        "invalid Lucene",
    ),
    (
        "demo-vm-deleted.yaml",
        "AND resultType:(Success OR Succeeded)",
        "resultType:Success",
        'operationName:("MICROSOFT',
        "query",
        "implicit operator",
    ),
    (
        "demo-vm-deleted.yaml",
        "AND resultType:(Success OR Succeeded)",
        "AND resultType:*uccess",
        "*uccess",
        "query",
        "leading wildcard",
    ),
    (
        "demo-vm-deleted.yaml",
        "AND resultType:(Success OR Succeeded)",
        "AND properties.entity:Microsoft.Compute/x",
        "properties.entity:Microsoft",
        "query",
        "unescaped '/'",
    ),
    (
        "demo-vm-deleted.yaml",
        "AND resultType:(Success OR Succeeded)",
        "&& resultType:Success",
        "&& resultType",
        "query",
        "operator '&&' is not portable",
    ),
    (
        "demo-vm-deleted.yaml",
        "AND resultType:(Success OR Succeeded)",
        "AND resultType:Success OR resultType:Succeeded",
        'operationName:("MICROSOFT',
        "query",
        "AND and OR mixed",
    ),
    (
        "demo-vm-deleted.yaml",
        "AND resultType:(Success OR Succeeded)",
        "AND colour:red",
        "AND colour:red",
        "query",
        "unknown field 'colour'",
    ),
    (
        "demo-vm-deleted.yaml",
        '"MICROSOFT.COMPUTE/VIRTUALMACHINES/DELETE"\n      OR ',
        "",
        'operationName:("Microsoft',
        "query",
        "has no upper-case variant",
    ),
    (
        "demo-vm-deleted.yaml",
        "- id: T1578.003",
        "- id: T1485",
        "id: T1485",
        "mitre.techniques[0].id",
        "T1485 Data Destruction does not belong to TA0112 Defense Impairment",
    ),
    (
        "demo-vm-deleted.yaml",
        "    id: TA0112",
        "    id: TA0999",
        "tactic:",
        "mitre.tactic.id",
        "unknown tactic TA0999",
    ),
    (
        "demo-vm-deleted.yaml",
        "name: Delete Cloud Instance",
        "name: Delete Instance",
        "id: T1578.003",
        "mitre.techniques[0].name",
        "is named 'Delete Cloud Instance'",
    ),
    (
        "demo-vm-deleted.yaml",
        "id: demo-vm-deleted",
        "id: demo-disk-deleted",
        "id: demo-disk-deleted",
        "id",
        "does not match the file",
    ),
    (
        "demo-vm-deleted.yaml",
        "title: Demo VM deleted",
        "title: Demo disks deleted in bulk",
        "title:",
        "title",
        "duplicate title",
    ),
    (
        "demo-vm-deleted.yaml",
        "kind: immediate",
        "kind: immediate\nthreshold:\n  count: 3\n  window: 5m",
        "threshold:",
        "",
        "'threshold' is only allowed when kind is 'threshold'",
    ),
    (
        "demo-vm-deleted.yaml",
        "title: Demo VM deleted",
        "title: Demo VM deleted\ntitle: again",
        "title: again",
        "title",
        "duplicate key",
    ),
    ("demo-vm-deleted.yaml", "priority: P3", "priority: [P3", "priority: [P3", "", "invalid YAML"),
]


@pytest.mark.parametrize(
    ("file", "old", "new", "needle", "field", "message"), CASES, ids=[c[-1][:40] for c in CASES]
)
def test_bad_catalog_input(cli, inline_catalog, file, old, new, needle, field, message):
    path = inline_catalog / file
    _edit(path, old, new)
    result = cli("validate", "--catalog", inline_catalog)
    line = _line_of(path, needle)
    if field == "":
        assert result.code == 1 and "Traceback" not in result.text
        assert f"{file}:" in result.err and message in result.err, result.err
        reported = int(re.search(re.escape(file) + r":(\d+):", result.err).group(1))
        assert reported == line, result.err
    else:
        _expect(result, path, line, field, message)


def test_duplicate_id_names_both_files(cli, inline_catalog):
    copy = (inline_catalog / "demo-vm-deleted.yaml").read_text()
    (inline_catalog / "demo-vm-deleted-copy.yaml").write_text(copy)
    result = cli("validate", "--catalog", inline_catalog)
    assert result.code == 1
    assert "duplicate id 'demo-vm-deleted'" in result.err and "already used by demo-vm-deleted" in result.err


def test_over_long_title(cli, inline_catalog):
    path = inline_catalog / "demo-vm-deleted.yaml"
    _edit(path, "title: Demo VM deleted", "title: " + "C" * 201)
    _expect(cli("validate", "--catalog", inline_catalog), path, 2, "title", "201 characters; at most 200")


def test_api_name_limit_counts_the_prefix(tmp_path, monkeypatch):
    from conftest import CATALOG, TEMPLATES

    from coralogix_pack.rendering.validation import validate

    values = tmp_path / "values.yaml"
    values.write_text("name_prefix: '" + "p" * 100 + "'\n")
    _, _, found = validate(CATALOG, TEMPLATES, [values])
    assert not [d for d in found if d.path == "title"]
    # Shrink the API limit instead of inventing a 500-character title.
    from coralogix_pack.catalog import checks

    monkeypatch.setattr(checks, "MAX_NAME_LENGTH", 120)
    _, _, found = validate(CATALOG, TEMPLATES, [values])
    long = [d for d in found if d.path == "title"]
    assert long and all("the API allows 120" in d.message and d.line == 2 for d in long)


VALUES_CASES = [
    ("detections:\n  vm-deletd:\n    enabled: false\n", 2, "detections.vm-deletd", "unknown detection id"),
    (
        "detections:\n  vm-deleted:\n    priority: P0\n",
        3,
        "detections.vm-deleted.priority",
        "'P0' is not allowed",
    ),
    (
        "detections:\n  vm-deleted:\n    threshold:\n      count: 3\n",
        3,
        "detections.vm-deleted.threshold",
        "is an immediate detection",
    ),
    ("labels:\n  managed_by: me\n", 2, "labels.managed_by", "reserved"),
    ("label_filters:\n  severities: [Loud]\n", 2, "label_filters.severities[0]", "'Loud' is not allowed"),
    (
        "notifications:\n  webhooks:\n    - notify_on: triggered_only\n",
        3,
        "notifications.webhooks[0]",
        "exactly one",
    ),
    ("colour: red\n", 1, "colour", "unknown field 'colour'"),
    ("field_prefix: 'bad prefix'\n", 1, "field_prefix", "does not match"),
    ("name_prefix: [\n", 2, "", "invalid YAML"),
]


@pytest.mark.parametrize(
    ("text", "line", "field", "message"), VALUES_CASES, ids=[c[-1] for c in VALUES_CASES]
)
def test_bad_values_file(cli, tmp_path, text, line, field, message):
    values = tmp_path / "prod.yaml"
    values.write_text(text)
    for command in (("validate",), ("render", "--out", tmp_path / "out")):
        result = cli(*command, "--values", values)
        assert result.code == 1 and "Traceback" not in result.text
        location = f"prod.yaml:{line}: {field}:" if field else f"prod.yaml:{line}:"
        assert location in result.err and message in result.err, result.err
    assert not (tmp_path / "out").exists(), "nothing may be written when inputs are invalid"


def test_all_errors_are_reported_at_once(cli, inline_catalog):
    _edit(inline_catalog / "demo-vm-deleted.yaml", "priority: P3", "priority: P9")
    _edit(inline_catalog / "demo-bulk-disk-deletion.yaml", "    id: TA0040", "    id: TA0112")
    result = cli("validate", "--catalog", inline_catalog)
    assert result.code == 1
    for name in ("demo-vm-deleted.yaml", "demo-bulk-disk-deletion.yaml"):
        assert name in result.err


def test_missing_catalog_and_pack_file(cli, tmp_path, inline_catalog):
    result = cli("validate", "--catalog", tmp_path / "nope")
    assert result.code == 1 and "catalog directory not found" in result.err
    (inline_catalog / "pack.yaml").unlink()
    result = cli("validate", "--catalog", inline_catalog)
    assert result.code == 1 and "pack.yaml: missing pack metadata file" in result.err


def test_a_catalog_folder_that_cannot_be_listed(cli, inline_catalog, monkeypatch):
    import os

    real_scandir = os.scandir

    def refuse(path):
        if Path(path) == inline_catalog:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", refuse)
    result = cli("validate", "--catalog", inline_catalog)
    assert result.code == 1 and "cannot list the catalog directory: Permission denied" in result.err
    assert "Traceback" not in result.err
