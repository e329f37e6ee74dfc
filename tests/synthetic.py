"""Synthetic Azure Activity Log traffic with known detections, for tests and benchmarks.

Background traffic is reads, writes and actions on unrelated resources (never a
delete, never a detected operation), and a share of look-alikes: operations some detection looks
at (network interface and VM extension writes) that do not match it, so a replay must evaluate
them in full. On top of it, `day_of_traffic` injects the
operations of a fixed plan, each as its full Start/Accept/Success (or Failure)
lifecycle, and returns how many matches and alerts each detection must report.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from coralogix_pack.core.timeutil import format_time

SUBSCRIPTION = "7c1e2f4a-9b3d-4e8f-a1c2-5d6e7f8a9b0c"
TENANT = "3f9a8b7c-6d5e-4f3a-9b8c-7d6e5f4a3b2c"
DAY_START = 1_795_000_000.0  # 2026-11-18T08:26:40Z

NOISE_OPERATIONS = [
    ("Microsoft.Storage/storageAccounts/read", "Microsoft.Storage/storageAccounts/stapp{n}"),
    ("Microsoft.Storage/storageAccounts/listKeys/action", "Microsoft.Storage/storageAccounts/stapp{n}"),
    ("Microsoft.Storage/storageAccounts/write", "Microsoft.Storage/storageAccounts/stapp{n}"),
    ("Microsoft.KeyVault/vaults/write", "Microsoft.KeyVault/vaults/kv-app-{n}"),
    ("Microsoft.Web/sites/write", "Microsoft.Web/sites/web-app-{n}"),
    ("Microsoft.Web/sites/restart/action", "Microsoft.Web/sites/web-app-{n}"),
    ("Microsoft.Compute/virtualMachines/start/action", "Microsoft.Compute/virtualMachines/vm-app-{n}"),
    ("Microsoft.Compute/virtualMachines/restart/action", "Microsoft.Compute/virtualMachines/vm-app-{n}"),
    ("Microsoft.Compute/virtualMachines/write", "Microsoft.Compute/virtualMachines/vm-app-{n}"),
    ("Microsoft.Compute/disks/write", "Microsoft.Compute/disks/disk-app-{n}"),
    ("Microsoft.Network/networkSecurityGroups/write", "Microsoft.Network/networkSecurityGroups/nsg-{n}"),
    ("Microsoft.Resources/deployments/write", "Microsoft.Resources/deployments/deploy-{n}"),
    ("Microsoft.Insights/diagnosticSettings/write", "Microsoft.Insights/diagnosticSettings/ds-{n}"),
    ("Microsoft.Authorization/roleAssignments/write", "Microsoft.Authorization/roleAssignments/ra-{n}"),
]

# Operations a detection looks at, done in a way it must not report: a private IP only, a
# monitoring agent rather than VMAccess.
LOOKALIKE_OPERATIONS = [
    (
        "Microsoft.Network/networkInterfaces/write",
        "Microsoft.Network/networkInterfaces/nic-app-{n}",
        {"properties": {"ipConfigurations": [{"properties": {"privateIPAddress": "10.0.0.{n}"}}]}},
    ),
    (
        "Microsoft.Compute/virtualMachines/extensions/write",
        "Microsoft.Compute/virtualMachines/vm-app-{n}/extensions/AzureMonitorLinuxAgent",
        {"properties": {"publisher": "Microsoft.Azure.Monitor", "type": "AzureMonitorLinuxAgent"}},
    ),
]
LOOKALIKE_SHARE = 0.05

_LOCKED = {
    "error": {
        "code": "ScopeLocked",
        "message": "The scope cannot perform delete operation because following "
        "scope(s) are locked. Please remove the lock and try again.",
    }
}


def _guid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


@dataclass
class Operation:
    name: str  # canonical mixed-case operation name
    resource: str  # provider path below the resource group
    final: str = "Success"  # Success or Failure
    asynchronous: bool = True
    body: dict[str, Any] | None = None
    status_message: dict[str, Any] | None = None


def lifecycle(op: Operation, start: float, rng: random.Random, upper: bool = True) -> list[dict[str, Any]]:
    """The records one operation produces: Start, Accept (async), then Success or Failure."""
    correlation = _guid(rng)
    phases = (
        ["Start", "Accept", op.final] if op.asynchronous and op.final == "Success" else ["Start", op.final]
    )
    records = []
    for step, phase in enumerate(phases):
        records.append(_record(op, phase, start + step * 2.5, correlation, rng, upper))
    return records


def _record(
    op: Operation, phase: str, moment: float, correlation: str, rng: random.Random, upper: bool
) -> dict[str, Any]:
    resource = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-prod/providers/{op.resource}"
    signature = {
        "Start": "Started.",
        "Accept": "Accepted.",
        "Success": "Succeeded.",
        "Failure": "Failed.Conflict",
    }
    record: dict[str, Any] = {
        "time": format_time(moment),
        "resourceId": resource.upper() if upper else resource,
        "operationName": op.name.upper() if upper else op.name,
        "category": "Administrative",
        "resultType": phase,
        "resultSignature": signature[phase],
        "durationMs": 0,
        "correlationId": correlation,
        "identity": {
            "authorization": {
                "scope": resource,
                "action": op.name,
                "evidence": {
                    "role": "Contributor",
                    "principalType": "User",
                    "principalId": uuid.UUID(int=rng.getrandbits(128)).hex,
                },
            },
            "claims": {
                "name": "Alice Admin",
                "ipaddr": "203.0.113.24",
                "http://schemas.microsoft.com/identity/claims/tenantid": TENANT,
            },
        },
        "level": "Error" if phase == "Failure" else "Information",
        "location": "global",
        "properties": {
            "eventCategory": "Administrative",
            "entity": resource,
            "message": op.name,
            "hierarchy": f"{TENANT}/{SUBSCRIPTION}",
        },
    }
    if phase == "Start":
        record["callerIpAddress"] = "203.0.113.24"
    if phase in ("Accept", "Success") and op.body is not None:
        record["properties"]["responseBody"] = json.dumps(op.body, separators=(",", ":"))
    if phase == "Start" and op.body is not None:
        record["properties"]["requestbody"] = json.dumps(op.body, separators=(",", ":"))
    if phase == "Failure":
        record["properties"]["statusCode"] = "Conflict"
        if op.status_message is not None:
            record["properties"]["statusMessage"] = json.dumps(op.status_message, separators=(",", ":"))
    return record


def noise(
    count: int, start: float, span: float, rng: random.Random, lookalikes: float = LOOKALIKE_SHARE
) -> Iterator[dict[str, Any]]:
    """Unrelated reads, writes and actions, and about ``lookalikes`` of look-alike operations,
    spread evenly over ``span`` seconds."""
    step = span / max(count, 1)
    produced = 0
    moment = start
    while produced < count:
        op = _background_operation(rng, lookalikes)
        for record in lifecycle(op, moment, rng, upper=rng.random() < 0.8):
            if produced < count:
                produced += 1
                yield record
        moment += step * 3


def _background_operation(rng: random.Random, lookalikes: float) -> Operation:
    n, asynchronous = rng.randrange(250), rng.random() < 0.3
    if rng.random() < lookalikes:
        name, resource, body = rng.choice(LOOKALIKE_OPERATIONS)
        filled = json.loads(json.dumps(body).replace("{n}", str(n)))
        return Operation(name, resource.format(n=n), asynchronous=asynchronous, body=filled)
    name, resource = rng.choice(NOISE_OPERATIONS)
    return Operation(name, resource.format(n=n), asynchronous=asynchronous)


def _vm(n: int) -> str:
    return f"Microsoft.Compute/virtualMachines/vm-web-{n:02d}"


def planned_operations() -> list[tuple[float, Operation]]:
    """The detected operations of one day, at offsets in seconds from the start of the day."""
    plan: list[tuple[float, Operation]] = []
    hour = 3600.0
    plan += [
        (1 * hour + i * 900, Operation("Microsoft.Compute/virtualMachines/delete", _vm(i))) for i in range(3)
    ]
    plan.append(
        (
            2 * hour,
            Operation(
                "Microsoft.Compute/virtualMachines/delete", _vm(40), final="Failure", status_message=_LOCKED
            ),
        )
    )
    # a burst of 12 disk deletes within 11 minutes: one bulk alert
    plan += [
        (4 * hour + i * 60, Operation("Microsoft.Compute/disks/delete", f"Microsoft.Compute/disks/d{i}"))
        for i in range(12)
    ]
    # 10 disk deletes in 20 minutes later: no bulk alert
    plan += [
        (9 * hour + i * 120, Operation("Microsoft.Compute/disks/delete", f"Microsoft.Compute/disks/e{i}"))
        for i in range(10)
    ]
    plan.append((11 * hour, Operation("Microsoft.Compute/virtualMachines/powerOff/action", _vm(5))))
    plan.append((12 * hour, Operation("Microsoft.Compute/virtualMachines/deallocate/action", _vm(6))))
    plan.append(
        (
            13 * hour,
            Operation(
                "Microsoft.Compute/virtualMachineScaleSets/extensions/write",
                "Microsoft.Compute/virtualMachineScaleSets/vmss-api/extensions/cse",
            ),
        )
    )
    plan.append(
        (
            14 * hour,
            Operation(
                "Microsoft.Compute/virtualMachines/extensions/write",
                _vm(7) + "/extensions/enablevmaccess",
                body={"properties": {"publisher": "Microsoft.Compute", "type": "VMAccessAgent"}},
            ),
        )
    )
    plan.append(
        (
            15 * hour,
            Operation(
                "Microsoft.Network/networkInterfaces/write",
                "Microsoft.Network/networkInterfaces/nic-7",
                asynchronous=False,
                body={
                    "properties": {
                        "ipConfigurations": [
                            {
                                "properties": {
                                    "publicIPAddress": {"id": "/subscriptions/x/publicIPAddresses/pip-7"}
                                }
                            }
                        ]
                    }
                },
            ),
        )
    )
    plan.append((16 * hour, Operation("Microsoft.Compute/virtualMachines/reimage/action", _vm(8))))
    plan.append(
        (
            17 * hour,
            Operation(
                "Microsoft.Compute/restorePointCollections/delete",
                "Microsoft.Compute/restorePointCollections/rpc-1",
            ),
        )
    )
    return plan


# Matches and alerts that `planned_operations` must produce, by detection id.
EXPECTED = {
    "vm-deleted": (3, 3),
    "bulk-vm-deletion": (3, 0),
    "locked-vm-delete-attempt": (1, 1),
    "disk-deleted": (22, 22),
    "bulk-disk-deletion": (22, 1),
    "vm-turned-off": (1, 1),
    "resource-deallocated": (1, 1),
    "vmss-extension-changed": (1, 1),
    "vm-password-reset": (1, 1),
    "public-ip-associated": (1, 1),
    "vm-reimaged": (1, 1),
    "vm-backup-deleted": (1, 1),
    "resource-deleted": (26, 26),  # 3 VM + 22 disk + 1 restore point collection deletes
}


def day_of_traffic(
    noise_records: int, seed: int = 7, lookalikes: float = LOOKALIKE_SHARE
) -> Iterator[dict[str, Any]]:
    """Noise (with ``lookalikes`` of look-alike operations) plus the planned operations, in time order."""
    rng = random.Random(seed)
    planned: list[dict[str, Any]] = []
    for index, (offset, op) in enumerate(planned_operations()):
        planned += lifecycle(op, DAY_START + offset, rng, upper=index % 3 != 0)
    planned.sort(key=lambda r: r["time"])
    background = noise(noise_records, DAY_START, 24 * 3600.0, rng, lookalikes)
    yield from _merge_by_time(background, iter(planned))


def _merge_by_time(a: Iterator[dict[str, Any]], b: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    import heapq

    yield from heapq.merge(a, b, key=lambda r: r["time"])


DETECTED_OPERATIONS = [
    ("Microsoft.Compute/virtualMachines/delete", "Microsoft.Compute/virtualMachines/vm-{n}", None),
    ("Microsoft.Compute/disks/delete", "Microsoft.Compute/disks/disk-{n}", None),
    ("Microsoft.Compute/virtualMachines/deallocate/action", "Microsoft.Compute/virtualMachines/vm-{n}", None),
    ("Microsoft.Compute/virtualMachines/powerOff/action", "Microsoft.Compute/virtualMachines/vm-{n}", None),
    (
        "Microsoft.Network/networkInterfaces/write",
        "Microsoft.Network/networkInterfaces/nic-{n}",
        {"properties": {"ipConfigurations": [{"properties": {"publicIPAddress": {"id": "pip-{n}"}}}]}},
    ),
]
_PADDING = {  # what a write's response body carries: ~500 bytes of resource properties
    "properties": {
        "provisioningState": "Succeeded",
        "hardwareProfile": {"vmSize": "Standard_D4s_v5"},
        "storageProfile": {
            "imageReference": {"publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy"},
            "osDisk": {"osType": "Linux", "name": "osdisk-web", "caching": "ReadWrite", "diskSizeGB": 64},
        },
        "networkProfile": {"networkInterfaces": [{"id": "/subscriptions/s/resourceGroups/rg/nic-web"}]},
    }
}


def heavy_traffic(records: int, seed: int = 7, detected: float = 0.05) -> Iterator[dict[str, Any]]:
    """The heavier traffic shape of the benchmarks: records of about 1.6 KB (writes carry response
    bodies), and ``detected`` of them operations a detection looks at, in full Start/Accept/Success
    lifecycles (so a third of those are real matches). Time-ordered over a day."""
    rng = random.Random(seed)
    step = 24 * 3600.0 / max(records, 1)
    produced, moment = 0, DAY_START
    while produced < records:
        n = rng.randrange(500)
        if rng.random() < detected:
            name, resource, body = rng.choice(DETECTED_OPERATIONS)
            filled = json.loads(json.dumps(body).replace("{n}", str(n))) if body else None
            op = Operation(name, resource.format(n=n), body=filled)
        else:
            name, resource = rng.choice(NOISE_OPERATIONS)
            op = Operation(name, resource.format(n=n), asynchronous=rng.random() < 0.5, body=_PADDING)
        for record in lifecycle(op, moment, rng, upper=rng.random() < 0.8):
            if produced < records:
                produced += 1
                yield record
        moment += step * 3
