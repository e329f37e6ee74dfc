"""`pack plan`: what apply would do to make the account match the pack.

Desired: the rendered alerts. Actual: the alerts in the account whose entity labels
mark them as managed by this pack (everything else is ignored). Both sides are reduced
to the owned fields, defaults explicit, before comparing (``alertdef.owned_view``).
Drift: a managed alert whose owned fields no longer hash to the content-hash label it
was applied with was edited outside the pack.

When a detection has several managed alerts, one is kept (unedited first, then the one
closest to the pack, then the oldest). The others are *copies* only when they are unedited
and identical in content to an older unedited one (left by interrupted or concurrent runs):
those are removed. Every other one is a *conflict* (a UI copy that another team renamed or
edited, say): listed, and deleted only with ``--prune``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from coralogix_pack.catalog.model import Catalog
from coralogix_pack.coralogix.alertdef import owned_view
from coralogix_pack.coralogix.flowrefs import stage_ids, stage_placeholder, with_stage_ids
from coralogix_pack.coralogix.ownership import HASH_LABEL, PACK_LABEL
from coralogix_pack.deploy.live import LiveAlert, managed_alerts
from coralogix_pack.documents.diff import Change, field_changes
from coralogix_pack.rendering.alerts import render_alert
from coralogix_pack.rendering.engine import Templates
from coralogix_pack.rendering.pipeline import views_for
from coralogix_pack.values.model import Values

PLAN_FORMAT_VERSION = "1"


class ActionKind(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    UNCHANGED = "unchanged"
    RECONCILE = "reconcile"  # apply's own step: the list made after creating, to find copies


@dataclass
class Action:
    action: ActionKind
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
    conflicts: list[Action] = field(default_factory=list)  # extra managed alerts kept without --prune
    notes: list[str] = field(default_factory=list)  # things a reader should know (vendor duplicates)
    stand_ins: dict[str, str] = field(default_factory=dict)  # flow stage stand-in id -> detection
    names: dict[str, str] = field(default_factory=dict)  # Notification Center id -> name, where known

    def waits_for(self, action: Action) -> list[str]:
        """The stage alerts a flow action needs created first (their stand-in ids are still in it)."""
        if action.properties is None:
            return []
        return sorted({self.stand_ins[i] for i in stage_ids(action.properties) if i in self.stand_ins})

    @property
    def changes(self) -> list[Action]:
        return [a for a in self.actions if a.action != ActionKind.UNCHANGED]

    def count(self, action: ActionKind) -> int:
        return sum(1 for a in self.actions if a.action == action)

    def as_dict(self) -> dict[str, Any]:
        return {
            "format_version": PLAN_FORMAT_VERSION,
            "pack": {"name": self.pack, "version": self.version},
            "target": self.target,
            "summary": {
                "create": self.count(ActionKind.CREATE),
                "update": self.count(ActionKind.UPDATE),
                "delete": self.count(ActionKind.DELETE),
                "unchanged": self.count(ActionKind.UNCHANGED),
                "drifted": len(self.drift),
                "orphaned": len(self.orphans),
                "conflicts": len(self.conflicts),
                "unmanaged": self.unmanaged,
            },
            "actions": [a.as_dict() for a in self.actions],
            "drift": [d.as_dict() for d in self.drift],
            "orphans": [o.as_dict() for o in self.orphans],
            "conflicts": [c.as_dict() for c in self.conflicts],
            "notes": list(self.notes),
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
    flows = flows_in_order(desired)
    plan.stand_ins = {stage_placeholder_for(desired, d): d for d in desired}
    for detection_id in [*sorted((set(desired) | set(by_detection)) - set(flows)), *flows]:
        if selected is not None and detection_id not in selected:
            continue
        wanted = desired.get(detection_id)
        if detection_id in flows and wanted is not None:
            wanted = _with_live_stages(plan, wanted, desired, by_detection)
        _plan_detection(plan, detection_id, wanted, by_detection.get(detection_id, []), prune)
        if detection_id in flows:
            _explain_stage_update(plan.actions[-1])
    return plan


def _explain_stage_update(action: Action) -> None:
    """A flow whose only change is the id of a stage alert follows that alert, not a pack change."""
    stage_paths = [c.path for c in action.changes if "alertDefs" in c.path and c.path.endswith(".id")]
    if action.action == ActionKind.UPDATE and action.changes and len(stage_paths) == len(action.changes):
        action.reason = "a stage alert has a new id" + ("; edited outside the pack" if action.drifted else "")


def flows_in_order(desired: dict[str, dict[str, Any]]) -> list[str]:
    """The flow alerts among ``desired``, each after the flows its stages name: planned and applied
    after every other alert, so that the alerts they refer to exist first."""
    placeholders = {stage_placeholder_for(desired, d): d for d in desired}
    flows = {d: w for d, w in sorted(desired.items()) if "flow" in w}
    ordered: list[str] = []

    def visit(detection_id: str) -> None:
        if detection_id in ordered:
            return
        for stage in stage_ids(flows[detection_id]):
            if placeholders.get(stage) in flows:
                visit(placeholders[stage])
        ordered.append(detection_id)

    for detection_id in flows:
        visit(detection_id)
    return ordered


def stage_placeholder_for(desired: dict[str, dict[str, Any]], detection_id: str) -> str:
    return stage_placeholder(desired[detection_id]["entityLabels"][PACK_LABEL], detection_id)


def _with_live_stages(
    plan: Plan, wanted: dict[str, Any], desired: dict[str, dict[str, Any]], live: dict[str, list[LiveAlert]]
) -> dict[str, Any]:
    """The flow with the live id of each stage alert the account holds, or will hold unchanged; a
    stage this plan creates keeps its stand-in id until apply has created it."""
    ids: dict[str, str] = {}
    for detection_id in desired:
        placeholder = stage_placeholder_for(desired, detection_id)
        if placeholder not in stage_ids(wanted):
            continue
        planned = [a for a in plan.actions if a.detection == detection_id and a.action != ActionKind.DELETE]
        if planned and planned[-1].alert_id:
            ids[placeholder] = planned[-1].alert_id
        elif not planned and live.get(detection_id):
            ids[placeholder] = sorted(live[detection_id], key=lambda a: (not a.intact, a.age))[0].id
    return with_stage_ids(wanted, ids)


def _plan_detection(
    plan: Plan, detection_id: str, wanted: dict[str, Any] | None, alerts: list[LiveAlert], prune: bool
) -> None:
    if wanted is None:
        for alert in alerts:
            action = Action(
                ActionKind.DELETE,
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
            Action(
                ActionKind.CREATE, detection_id, None, wanted["name"], "not in the account", properties=wanted
            )
        )
        return
    target = owned_view(wanted)
    keep, *extra = sorted(alerts, key=lambda a: (not a.intact, a.owned != target, a.age))
    for alert, original in _copies_and_conflicts(keep, extra):
        if original is not None:
            reason = f"unedited copy of {original.id} (same detection and content)"
            plan.actions.append(
                Action(
                    ActionKind.DELETE,
                    detection_id,
                    alert.id,
                    alert.name,
                    reason,
                    duplicate=True,
                    version=alert.version,
                )
            )
            continue
        why = "edited since it was applied" if not alert.intact else "differs from " + keep.id
        reason = f"another alert of this detection ({why}); kept, pass --prune to delete it"
        conflict = Action(
            ActionKind.DELETE, detection_id, alert.id, alert.name, reason, version=alert.version
        )
        if prune:
            conflict.reason = f"another alert of this detection ({why}); --prune deletes it"
            plan.actions.append(conflict)
        plan.conflicts.append(conflict)
    _plan_existing(plan, detection_id, wanted, keep)


def _copies_and_conflicts(
    keep: LiveAlert, extra: list[LiveAlert]
) -> list[tuple[LiveAlert, LiveAlert | None]]:
    """(alert, the older unedited alert it is an exact copy of, or None for a conflict)."""
    originals: dict[str, LiveAlert] = {}
    for alert in sorted([keep, *extra], key=lambda a: a.age):
        if alert.intact:
            originals.setdefault(alert.content, alert)
    out: list[tuple[LiveAlert, LiveAlert | None]] = []
    for alert in extra:
        original = originals.get(alert.content) if alert.intact else None
        out.append((alert, original if original is not None and original is not alert else None))
    return out


def _plan_existing(plan: Plan, detection_id: str, wanted: dict[str, Any], alert: LiveAlert) -> None:
    live = alert.owned
    # Drift: the owned fields no longer hash to what was applied. Exact while the pack is
    # unchanged; when it changed, the update rewrites those fields anyway.
    drifted = not alert.intact
    pack_changed = alert.applied_hash != wanted["entityLabels"][HASH_LABEL]  # the repository moved on
    target = owned_view(wanted)
    changes = [] if live == target else field_changes(live, target)
    if drifted:
        plan.drift.append(Drift(detection_id, alert.id, changes))
    if not (changes or pack_changed):
        plan.actions.append(
            Action(ActionKind.UNCHANGED, detection_id, alert.id, wanted["name"], version=alert.version)
        )
        return
    reasons = [
        r for r, on in (("the pack changed", pack_changed), ("edited outside the pack", drifted)) if on
    ]
    plan.actions.append(
        Action(
            ActionKind.UPDATE,
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
