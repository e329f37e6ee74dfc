"""One day of Activity Log traffic for the alert kinds beyond immediate and threshold.

Background: a storage read by a quiet automation identity every 5 minutes, except for a 2-hour gap
(14:00 to 16:00, no record at all). At 09:00 the identity "mallory" tries to delete a locked VM and
is refused; from 09:10 it deletes 6 different VMs, one every 5 minutes, each as a full
Start/Accept/Success lifecycle. What each detection must report is in EXPECTED.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

from synthetic import _LOCKED, Operation, lifecycle

from coralogix_pack.core.timeutil import parse_time

DAY = parse_time("2026-11-20T00:00:00Z")
MALLORY = "5f3c0e9a1b2d4c6e8f7a9b0c1d2e3f4a"
ROBOT = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"


def _as(records: list[dict[str, Any]], principal: str) -> list[dict[str, Any]]:
    for record in records:
        record["identity"]["authorization"]["evidence"]["principalId"] = principal
    return records


def kinds_day() -> Iterator[dict[str, Any]]:
    rng = random.Random(7)
    records: list[dict[str, Any]] = []
    read = Operation(
        "Microsoft.Storage/storageAccounts/read", "Microsoft.Storage/storageAccounts/st1", asynchronous=False
    )
    for minute in range(0, 24 * 60, 5):
        if 14 * 60 <= minute < 16 * 60:
            continue
        records += _as(lifecycle(read, DAY + minute * 60 + 1, rng)[-1:], ROBOT)
    locked = Operation(
        "Microsoft.Compute/virtualMachines/delete",
        "Microsoft.Compute/virtualMachines/vm-db-01",
        final="Failure",
        status_message=_LOCKED,
    )
    records += _as(lifecycle(locked, DAY + 9 * 3600, rng), MALLORY)
    for index in range(6):
        delete = Operation(
            "Microsoft.Compute/virtualMachines/delete", f"Microsoft.Compute/virtualMachines/vm-{index}"
        )
        records += _as(lifecycle(delete, DAY + 9 * 3600 + 600 + index * 300, rng), MALLORY)
    return iter(sorted(records, key=lambda r: r["time"]))


# detection -> the times its alerts fire (seconds after midnight), from the backtest's semantics
SUCCESS = 5.0  # a lifecycle's Success record comes 5 s after its Start
EXPECTED = {
    "locked-vm-delete-attempt": [9 * 3600 + 2.5],
    "vm-deleted": [9 * 3600 + 600 + i * 300 + SUCCESS for i in range(6)],
    "first-time-vm-deleter": [9 * 3600 + 600 + SUCCESS],
    "vm-deletion-spree-by-caller": [9 * 3600 + 600 + 5 * 300 + SUCCESS],
    "locked-vm-delete-then-deleted": [9 * 3600 + 600 + SUCCESS],
    # the last record before the gap is at 13:55:03.5; the window (t - 1h, t] is empty from 14:56
    "activity-log-silent": [14 * 3600 + 56 * 60],
}
