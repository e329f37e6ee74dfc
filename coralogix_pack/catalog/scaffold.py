"""`pack new ID`: a new detection file that validates as written, with TODOs to replace."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from coralogix_pack.catalog.model import Catalog, Kind
from coralogix_pack.core.diagnostics import Diagnostic, PackError
from coralogix_pack.core.files import write_atomic
from coralogix_pack.core.resources import is_bundled

ID_PATTERN = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")

_HEAD = """\
id: {id}
title: "TODO {title}"
description: >-
  TODO: what this detection finds, in one or two sentences a responder reads first.
impact: >-
  TODO: what an attacker (or a mistake) achieves when this happens.
mitigation: >-
  TODO: what to check and what to do when the alert fires.
kind: {kind}
"""
_QUERY = """\
# Field names as in an exported Activity Log record; write every operationName value in the
# three cases exporters use (upper, documented, lower): pack validate checks it.
query: >-
  operationName:("MICROSOFT.COMPUTE/VIRTUALMACHINES/TODO/ACTION"
      OR "Microsoft.Compute/virtualMachines/todo/action"
      OR "microsoft.compute/virtualmachines/todo/action")
    AND resultType:(Success OR Succeeded)
"""
_TAIL = """\
priority: P3
priority_rationale: >-
  TODO: why this priority.
mitre:
  tactic:
    id: TA0040
    name: Impact
  techniques:
    - id: T1485
      name: Data Destruction
references:
  - https://learn.microsoft.com/azure/azure-monitor/platform/activity-log-schema
tests:
"""
_CASES = """\
  cases:
  - name: TODO operation completed (upper-case export)
    expect: match
    record:
      time: '2026-01-01T00:00:00Z'
      operationName: MICROSOFT.COMPUTE/VIRTUALMACHINES/TODO/ACTION
      resultType: Success
  - name: TODO operation completed (documented case)
    expect: match
    record:
      time: '2026-01-01T00:00:01Z'
      operationName: Microsoft.Compute/virtualMachines/todo/action
      resultType: Succeeded
  - name: TODO operation started
    expect: no_match
    record:
      time: '2026-01-01T00:00:02Z'
      operationName: MICROSOFT.COMPUTE/VIRTUALMACHINES/TODO/ACTION
      resultType: Start
  - name: TODO operation failed
    expect: no_match
    record:
      time: '2026-01-01T00:00:03Z'
      operationName: MICROSOFT.COMPUTE/VIRTUALMACHINES/TODO/ACTION
      resultType: Failure
  - name: another operation
    expect: no_match
    record:
      time: '2026-01-01T00:00:04Z'
      operationName: MICROSOFT.COMPUTE/VIRTUALMACHINES/READ
      resultType: Success
"""
_RECORD = """\
    record:
      operationName: MICROSOFT.COMPUTE/VIRTUALMACHINES/TODO/ACTION
      resultType: Success
      resourceId: /SUBSCRIPTIONS/TODO/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMPUTE/VIRTUALMACHINES/VM-1
      identity:
        authorization:
          evidence:
            principalId: 00000000000000000000000000000001
"""
_SETTINGS = {
    "threshold": """\
threshold:
  count: 10
  window: 20m
""",
    "less-than": """\
# Fires when the window holds fewer matches than count, a window without any included.
threshold:
  count: 1
  window: 1h
  condition: less_than
""",
    "new-value": """\
# Fires when a matching record's keypath value was not seen in the window before it.
new_value:
  keypath: identity.authorization.evidence.principalId
  window: 1w
""",
    "unique-count": """\
# Fires when one group_by value has more than count distinct keypath values in the window.
unique_count:
  keypath: resourceId
  count: 2
  window: 1h
  group_by:
    - identity.authorization.evidence.principalId
""",
}
_TESTS = {
    "threshold": """\
  scenarios:
  - name: ten in twenty minutes stay quiet
    expect_alerts: 0
    start: '2026-01-01T01:00:00Z'
    count: 10
    every_seconds: 60
    record:
      operationName: MICROSOFT.COMPUTE/VIRTUALMACHINES/TODO/ACTION
      resultType: Success
  - name: eleven in eleven minutes fire once
    expect_alerts: 1
    start: '2026-01-01T02:00:00Z'
    count: 11
    every_seconds: 60
    record:
      operationName: MICROSOFT.COMPUTE/VIRTUALMACHINES/TODO/ACTION
      resultType: Success
""",
    "less-than": """\
  sequences:
  - name: a two-hour gap fires once, a window after the last record
    expect_alerts: 1
    expect_times: ['2026-01-01T02:00:00Z']
{record}    steps:
    - at: '2026-01-01T00:00:00Z'
      repeat: 7
      every_seconds: 600
    - at: '2026-01-01T03:00:00Z'
  - name: a record every half hour keeps it quiet
    expect_alerts: 0
{record}    steps:
    - at: '2026-01-01T00:00:00Z'
      repeat: 8
      every_seconds: 1800
  - name: records that do not match leave it silent
    expect_alerts: 1
    span: {{from: '2026-01-01T00:00:00Z', to: '2026-01-01T01:30:00Z'}}
{record}    steps:
    - at: '2026-01-01T00:00:00Z'
      set: {{resultType: Start}}
""",
    "new-value": """\
  sequences:
  - name: the first sight fires, the next ones within the window do not
    expect_alerts: 1
{record}    steps:
    - at: '2026-01-01T00:00:00Z'
    - at: '2026-01-02T00:00:00Z'
  - name: two identities fire once each
    expect_alerts: 2
{record}    steps:
    - at: '2026-01-01T00:00:00Z'
    - at: '2026-01-01T00:10:00Z'
      set: {{identity.authorization.evidence.principalId: '00000000000000000000000000000002'}}
  - name: records that do not match never fire
    expect_alerts: 0
{record}    steps:
    - at: '2026-01-01T00:00:00Z'
      set: {{resultType: Start}}
""",
    "unique-count": """\
  sequences:
  - name: three different resources in an hour fire once
    expect_alerts: 1
{record}    steps:
    - at: '2026-01-01T00:00:00Z'
    - at: '2026-01-01T00:10:00Z'
      set:
        resourceId: /SUBSCRIPTIONS/TODO/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMPUTE/VIRTUALMACHINES/VM-2
    - at: '2026-01-01T00:20:00Z'
      set:
        resourceId: /SUBSCRIPTIONS/TODO/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMPUTE/VIRTUALMACHINES/VM-3
  - name: the same resource three times stays quiet
    expect_alerts: 0
{record}    steps:
    - at: '2026-01-01T00:00:00Z'
      repeat: 3
      every_seconds: 600
""",
}


def _flow_text(stages: list[tuple[str, dict[str, Any]]]) -> tuple[str, str]:
    """The flow's stages and sequences built from two existing detections and one of their records."""
    (first, first_record), (second, second_record) = stages

    def steps(*items: tuple[str, dict[str, Any]]) -> list[dict[str, Any]]:
        times = ["2026-01-01T00:00:00Z", "2026-01-01T00:10:00Z"]
        return [{"at": t, "record": r} for t, (_, r) in zip(times, items, strict=True)]

    settings = {"flow": {"stages": [{"alerts": [first]}, {"alerts": [second], "within": "30m"}]}}
    tests = {
        "sequences": [
            {
                "name": f"{first} then {second} fires",
                "expect_alerts": 1,
                "steps": steps((first, first_record), (second, second_record)),
            },
            {
                "name": f"{second} then {first} stays quiet",
                "expect_alerts": 0,
                "steps": steps((second, second_record), (first, first_record)),
            },
        ]
    }
    text = "# The stages name existing detections; each later stage must fire within its time frame.\n"
    return text + yaml.safe_dump(settings, sort_keys=False), yaml.safe_dump(
        tests, sort_keys=False, width=1000
    )


def _text(detection_id: str, kind: str, stages: list[tuple[str, dict[str, Any]]]) -> str:
    catalog_kind = "threshold" if kind == "less-than" else kind
    head = _HEAD.format(id=detection_id, title=detection_id.replace("-", " "), kind=catalog_kind)
    if kind == "flow":
        settings, tests = _flow_text(stages)
        return (
            head
            + settings
            + _TAIL
            + "\n".join("  " + line if line else line for line in tests.splitlines())
            + "\n"
        )
    settings = _SETTINGS.get(kind, "")
    tests = _TESTS.get(kind, "").format(record=_RECORD)
    return head + settings + _QUERY + _TAIL + _CASES + tests


def flow_stages(catalog: Catalog) -> list[tuple[str, dict[str, Any]]]:
    """Two immediate detections of the catalog, each with a record it matches: a flow to start from."""
    found = []
    for detection in catalog.detections:
        case = next((c for c in detection.cases if c.expect_match), None)
        if detection.kind is Kind.IMMEDIATE and case is not None and not detection.optional:
            found.append((detection.id, {k: v for k, v in case.record.items() if k != "time"}))
    if len(found) < 2:
        raise PackError(
            [
                Diagnostic(
                    file=str(catalog.directory),
                    message="a flow needs two immediate detections with test records to start from",
                    hint="add them first, or write the flow by hand (docs/alert-kinds.md)",
                    code="CXP800",
                )
            ]
        )
    return found[:2]


KINDS = ("immediate", "threshold", "less-than", "new-value", "unique-count", "flow")


def scaffold(
    catalog_dir: Path,
    detection_id: str,
    kind: str = "immediate",
    stages: list[tuple[str, dict[str, Any]]] | None = None,
) -> Path:
    """``stages`` (a flow's): two existing detections with a record each one matches."""
    if not ID_PATTERN.fullmatch(detection_id) or len(detection_id) > 63:
        raise PackError(
            [
                Diagnostic(
                    file="ID",
                    message=f"{detection_id!r} is not a detection id",
                    hint="lower-case words joined by hyphens, e.g. vm-extension-installed",
                    code="CXP800",
                )
            ]
        )
    if not (catalog_dir / "pack.yaml").is_file():
        raise PackError(
            [
                Diagnostic(
                    file=str(catalog_dir),
                    path="--catalog",
                    message="is not a catalog folder (it has no pack.yaml)",
                    hint="run pack new inside your project (a folder with catalog/pack.yaml), "
                    "or pass --catalog with the path of an existing catalog folder",
                    code="CXP110",
                )
            ]
        )
    if is_bundled(catalog_dir):
        raise PackError(
            [
                Diagnostic(
                    file=str(catalog_dir),
                    path="--catalog",
                    message="refusing to add a detection to the catalog bundled in the installed package",
                    hint="run pack new inside your project (a clone with catalog/pack.yaml), "
                    "or pass --catalog",
                    code="CXP110",
                )
            ]
        )
    path = catalog_dir / f"{detection_id}.yaml"
    if path.exists():
        raise PackError(
            [
                Diagnostic(
                    file=str(path), message="already exists", hint="pick another id or edit it", code="CXP800"
                )
            ]
        )
    write_atomic(path, _text(detection_id, kind, stages or []))
    return path
