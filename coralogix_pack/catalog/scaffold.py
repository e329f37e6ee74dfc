"""`pack new ID`: a new detection file that validates as written, with TODOs to replace."""

from __future__ import annotations

import re
from pathlib import Path

from coralogix_pack.core.diagnostics import Diagnostic, PackError
from coralogix_pack.core.files import write_atomic
from coralogix_pack.core.resources import is_bundled

ID_PATTERN = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")

_TEMPLATE = """\
id: {id}
title: "TODO {title}"
description: >-
  TODO: what this detection finds, in one or two sentences a responder reads first.
impact: >-
  TODO: what an attacker (or a mistake) achieves when this happens.
mitigation: >-
  TODO: what to check and what to do when the alert fires.
kind: {kind}
{threshold}# Field names as in an exported Activity Log record; write every operationName value in the
# three cases exporters use (upper, documented, lower): pack validate checks it.
query: >-
  operationName:("MICROSOFT.COMPUTE/VIRTUALMACHINES/TODO/ACTION"
      OR "Microsoft.Compute/virtualMachines/todo/action"
      OR "microsoft.compute/virtualmachines/todo/action")
    AND resultType:(Success OR Succeeded)
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
{scenarios}"""

_THRESHOLD = """\
threshold:
  count: 10
  window: 20m
"""

_SCENARIOS = """\
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
"""


def scaffold(catalog_dir: Path, detection_id: str, kind: str = "immediate") -> Path:
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
    text = _TEMPLATE.format(
        id=detection_id,
        title=detection_id.replace("-", " "),
        kind=kind,
        threshold=_THRESHOLD if kind == "threshold" else "",
        scenarios=_SCENARIOS if kind == "threshold" else "",
    )
    write_atomic(path, text)
    return path
