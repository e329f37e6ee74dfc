"""Detections written inline for tests (as pySigma's tests do), so editing the shipped catalog
never breaks a test about validation or the evaluator. ``write_catalog`` lays out a catalog
folder with a pack.yaml and the given detection files."""

from __future__ import annotations

from pathlib import Path

PACK_YAML = """\
name: inline-pack
version: 0.0.1
description: A catalog written by the tests.
attack:
  domain: enterprise-attack
  version: "19"
"""

IMMEDIATE = """\
id: demo-vm-deleted
title: Demo VM deleted
description: >-
  Fires when a delete of a virtual machine completes successfully, for the tests.
impact: >-
  Deleting virtual machines disrupts the business and may hide an attacker's tracks.
mitigation: >-
  Check that the deletion was approved; restore from backup if it was not.
kind: immediate
query: >-
  operationName:("MICROSOFT.COMPUTE/VIRTUALMACHINES/DELETE"
      OR "Microsoft.Compute/virtualMachines/delete"
      OR "microsoft.compute/virtualmachines/delete")
    AND resultType:(Success OR Succeeded)
priority: P3
priority_rationale: >-
  A single deletion is worth a review.
mitre:
  tactic:
    id: TA0112
    name: Defense Impairment
  techniques:
    - id: T1578.003
      name: Delete Cloud Instance
  vendor:
    tactic: TA0112
    technique: T1578.003
references:
  - https://learn.microsoft.com/azure/azure-monitor/platform/activity-log-schema
tests:
  cases:
  - name: delete completed
    expect: match
    record:
      time: '2026-11-20T09:00:07Z'
      operationName: MICROSOFT.COMPUTE/VIRTUALMACHINES/DELETE
      resultType: Success
  - name: delete completed (mixed case)
    expect: match
    record:
      time: '2026-11-20T09:00:08Z'
      operationName: Microsoft.Compute/virtualMachines/delete
      resultType: Succeeded
  - name: delete started
    expect: no_match
    record:
      time: '2026-11-20T09:00:01Z'
      operationName: MICROSOFT.COMPUTE/VIRTUALMACHINES/DELETE
      resultType: Start
"""

THRESHOLD = """\
id: demo-bulk-disk-deletion
title: Demo disks deleted in bulk
description: >-
  Fires when more than three disks are deleted within twenty minutes, for the tests.
impact: >-
  Deleting many disks at once destroys data and is a common ransomware step.
mitigation: >-
  Find the identity behind the deletions and suspend it until the change is understood.
kind: threshold
threshold:
  count: 3
  window: 20m
query: >-
  operationName:("MICROSOFT.COMPUTE/DISKS/DELETE"
      OR "Microsoft.Compute/disks/delete"
      OR "microsoft.compute/disks/delete")
    AND resultType:(Success OR Succeeded)
priority: P1
priority_rationale: >-
  Bulk deletion is rarely routine.
mitre:
  tactic:
    id: TA0040
    name: Impact
  techniques:
    - id: T1485
      name: Data Destruction
  vendor:
    tactic: TA0040
    technique: T1485
references:
  - https://learn.microsoft.com/azure/azure-monitor/platform/activity-log-schema
tests:
  cases:
  - name: disk delete completed
    expect: match
    record:
      time: '2026-11-20T09:00:07Z'
      operationName: MICROSOFT.COMPUTE/DISKS/DELETE
      resultType: Success
  - name: disk delete failed
    expect: no_match
    record:
      time: '2026-11-20T09:00:07Z'
      operationName: MICROSOFT.COMPUTE/DISKS/DELETE
      resultType: Failure
  scenarios:
  - name: three deletions are not more than three
    expect_alerts: 0
    start: '2026-11-20T08:00:00Z'
    count: 3
    every_seconds: 10
    record:
      operationName: MICROSOFT.COMPUTE/DISKS/DELETE
      resultType: Success
  - name: four deletions in a minute
    expect_alerts: 1
    start: '2026-11-20T09:00:00Z'
    count: 4
    every_seconds: 10
    record:
      operationName: MICROSOFT.COMPUTE/DISKS/DELETE
      resultType: Success
"""


def write_catalog(root: Path, *detections: str) -> Path:
    """A catalog folder under ``root`` holding pack.yaml and one file per detection text."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "pack.yaml").write_text(PACK_YAML)
    for text in detections or (IMMEDIATE, THRESHOLD):
        detection_id = text.split("\n", 1)[0].removeprefix("id: ").strip()
        (root / f"{detection_id}.yaml").write_text(text)
    return root
