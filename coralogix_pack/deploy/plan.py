"""`pack plan`: what apply would do to make the account match the pack.

Desired: the rendered alerts. Actual: the alerts in the account whose entity labels
mark them as managed by this pack (everything else is ignored). Both sides are
normalised before comparing. Drift: a managed alert whose live content no longer
hashes to the content-hash label it was applied with was edited outside the pack.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from coralogix_pack.alertdef import content_hash, normalize_properties, owned_properties
from coralogix_pack.catalog.model import Catalog
from coralogix_pack.deploy.diff import Change, field_changes
from coralogix_pack.deploy.live import LiveAlert, managed_alerts
from coralogix_pack.ownership import (
    HASH_LABEL,
)
from coralogix_pack.rendering.alerts import render_alert
from coralogix_pack.rendering.engine import Templates
from coralogix_pack.rendering.pipeline import views_for
from coralogix_pack.values import Values

PLAN_FORMAT_VERSION = "1"


@dataclass
class Action:
    action: str  # create | update | delete | unchanged
    detection: str
    alert_id: str | None
    name: str
    reason: str = ""
    changes: list[Change] = field(default_factory=list)
    drifted: bool = False
    properties: dict[str, Any] | None = None  # what create/update sends
    duplicate: bool = False  # deletes a copy; another alert of the detection stays
    version: str | None = None  # the live alert's alertVersionId when planned (saved plans check it)

    def as_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "detection": self.detection,
            "alert_id": self.alert_id,
            "name": self.name,
            "reason": self.reason,
            "drifted": self.drifted,
            "duplicate": self.duplicate,
            "changes": [c.as_dict() for c in self.changes],
        }


@dataclass
class Drift:
    detection: str
    alert_id: str
    changes: list[Change]  # live value -> pack value

    def as_dict(self) -> dict[str, Any]:
        return {
            "detection": self.detection,
            "alert_id": self.alert_id,
            "changes": [c.as_dict() for c in self.changes],
        }


@dataclass
class Plan:
    pack: str
    version: str
    target: str
    actions: list[Action]
    drift: list[Drift]
    orphans: list[Action]  # managed alerts that left the pack, kept because --prune was not given
    unmanaged: int
    only: frozenset[str] | None = None  # the detections this plan is limited to

    @property
    def changes(self) -> list[Action]:
        return [a for a in self.actions if a.action != "unchanged"]

    def count(self, action: str) -> int:
        return sum(1 for a in self.actions if a.action == action)

    def as_dict(self) -> dict[str, Any]:
        return {
            "format_version": PLAN_FORMAT_VERSION,
            "pack": {"name": self.pack, "version": self.version},
            "target": self.target,
            "summary": {
                "create": self.count("create"),
                "update": self.count("update"),
                "delete": self.count("delete"),
                "unchanged": self.count("unchanged"),
                "drifted": len(self.drift),
                "orphaned": len(self.orphans),
                "unmanaged": self.unmanaged,
            },
            "actions": [a.as_dict() for a in self.actions],
            "drift": [d.as_dict() for d in self.drift],
            "orphans": [o.as_dict() for o in self.orphans],
        }


def desired_alerts(catalog: Catalog, values: Values, templates: Templates) -> dict[str, dict[str, Any]]:
    return {
        v.id: render_alert(v, templates)["alertDefProperties"] for v in views_for(catalog, values, templates)
    }


def make_plan(
    pack: str,
    version: str,
    target: str,
    desired: dict[str, dict[str, Any]],
    live: list[dict[str, Any]],
    *,
    prune: bool = False,
    only: list[str] | None = None,
) -> Plan:
    managed = managed_alerts(live, pack)
    by_detection: dict[str, list[LiveAlert]] = {}
    for alert in sorted(managed, key=lambda a: a.age):
        by_detection.setdefault(alert.detection, []).append(alert)
    selected = frozenset(only) if only else None
    plan = Plan(pack, version, target, [], [], [], len(live) - len(managed), selected)
    for detection_id in sorted(set(desired) | set(by_detection)):
        if selected is not None and detection_id not in selected:
            continue
        _plan_detection(
            plan, detection_id, desired.get(detection_id), by_detection.get(detection_id, []), prune
        )
    return plan


def _plan_detection(
    plan: Plan, detection_id: str, wanted: dict[str, Any] | None, alerts: list[LiveAlert], prune: bool
) -> None:
    if wanted is None:
        for alert in alerts:
            action = Action(
                "delete",
                detection_id,
                alert.id,
                alert.name,
                "detection is no longer in the pack",
                version=alert.version,
            )
            (plan.actions if prune else plan.orphans).append(action)
        return
    if not alerts:
        plan.actions.append(
            Action("create", detection_id, None, wanted["name"], "not in the account", properties=wanted)
        )
        return
    keep, *extra = sorted(alerts, key=lambda a: _distance(a, wanted))
    for duplicate in extra:
        plan.actions.append(
            Action(
                "delete",
                detection_id,
                duplicate.id,
                duplicate.name,
                "duplicate of " + keep.id,
                duplicate=True,
                version=duplicate.version,
            )
        )
    _plan_existing(plan, detection_id, wanted, keep)


def _plan_existing(plan: Plan, detection_id: str, wanted: dict[str, Any], alert: LiveAlert) -> None:
    live = owned_properties(alert.properties, wanted)
    # Drift: the fields the pack owns no longer hash to what was applied. Exact while the pack is
    # unchanged; when it changed, the update rewrites those fields anyway.
    drifted = alert.applied_hash != content_hash(live)
    pack_changed = alert.applied_hash != wanted["entityLabels"][HASH_LABEL]  # the repository moved on
    changes = field_changes(live, normalize_properties(wanted, drop_hash=True))
    if drifted:
        plan.drift.append(Drift(detection_id, alert.id, changes))
    if not (changes or pack_changed):
        plan.actions.append(
            Action("unchanged", detection_id, alert.id, wanted["name"], version=alert.version)
        )
        return
    reasons = [
        r for r, on in (("the pack changed", pack_changed), ("edited outside the pack", drifted)) if on
    ]
    plan.actions.append(
        Action(
            "update",
            detection_id,
            alert.id,
            wanted["name"],
            "; ".join(reasons),
            changes,
            drifted,
            wanted,
            version=alert.version,
        )
    )


def _distance(alert: LiveAlert, wanted: dict[str, Any]) -> tuple[int, str, str]:
    """Keep the duplicate closest to the pack, then the oldest."""
    same = owned_properties(alert.properties, wanted) == normalize_properties(wanted, drop_hash=True)
    return (0 if same else 1, *alert.age)
