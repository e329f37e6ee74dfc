"""`pack apply`: carry out a plan, one alert at a time, continuing past failures."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from coralogix_pack.alertdef import canonical_json, normalize_properties
from coralogix_pack.deploy.client import ApiError, CoralogixClient, NotFound
from coralogix_pack.deploy.live import LiveAlert, managed_alerts
from coralogix_pack.deploy.plan import Action, Plan
from coralogix_pack.errors import CoralogixPackError
from coralogix_pack.ownership import DETECTION_LABEL, HASH_LABEL


@dataclass
class Outcome:
    action: Action
    ok: bool
    alert_id: str | None = None
    error: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "action": self.action.action,
            "detection": self.action.detection,
            "ok": self.ok,
            "alert_id": self.alert_id,
            "error": self.error,
        }


@dataclass
class ApplyResult:
    outcomes: list[Outcome] = field(default_factory=list)
    duplicates_removed: int = 0

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]


class TooManyDeletes(CoralogixPackError):
    """The plan removes more detections than --max-delete allows; nothing was changed."""


def check_delete_budget(plan: Plan, max_delete: int) -> None:
    """Refuse a plan that removes more detections than allowed; removing copies is not limited."""
    deletes = sum(1 for a in plan.changes if a.action == "delete" and not a.duplicate)
    if deletes > max_delete:
        raise TooManyDeletes(
            f"the plan deletes {deletes} alerts, more than --max-delete {max_delete}; "
            "review the plan and raise --max-delete if this is intended"
        )


def _landed(pack: str, properties: dict[str, Any]) -> Callable[[list[dict[str, Any]]], dict[str, Any] | None]:
    """Recognise an alert that a create whose answer was lost did create."""
    labels = properties["entityLabels"]

    def find(alerts: list[dict[str, Any]]) -> dict[str, Any] | None:
        for alert in managed_alerts(alerts, pack):
            if alert.detection == labels[DETECTION_LABEL] and alert.applied_hash == labels[HASH_LABEL]:
                return alert.raw
        return None

    return find


def apply_plan(plan: Plan, client: CoralogixClient, report: Callable[[Outcome], None]) -> ApplyResult:
    result = ApplyResult()
    for action in plan.changes:
        _record(result, report, action, partial(_execute, plan, action, client), client)
    if any(a.action == "create" for a in plan.changes):
        reconcile(plan, client, result, report)
    return result


def _record(
    result: ApplyResult,
    report: Callable[[Outcome], None],
    action: Action,
    run: Callable[[], str | None],
    client: CoralogixClient,
) -> None:
    try:
        outcome = Outcome(action, True, run())
    except ApiError as exc:
        outcome = Outcome(action, False, action.alert_id, client.target.redact(str(exc)))
    result.outcomes.append(outcome)
    report(outcome)


def copies_to_remove(alerts: list[dict[str, Any]], pack: str) -> list[tuple[LiveAlert, LiveAlert]]:
    """(copy, kept) for every managed alert that repeats another of the same detection and content.

    The oldest is kept; every run that reconciles picks the same one, so two applies that
    reconcile at once never delete each other's survivor.
    """
    groups: dict[tuple[str, str], list[LiveAlert]] = {}
    for alert in managed_alerts(alerts, pack):
        content = canonical_json(normalize_properties(alert.properties))
        groups.setdefault((alert.detection, content), []).append(alert)
    pairs = []
    for group in groups.values():
        kept, *copies = sorted(group, key=lambda a: a.age)
        pairs += [(copy, kept) for copy in copies]
    return sorted(pairs, key=lambda p: p[0].id)


def reconcile(
    plan: Plan, client: CoralogixClient, result: ApplyResult, report: Callable[[Outcome], None]
) -> None:
    """After creating, remove copies of the same detection and content: a create whose answer was
    lost that landed late, or another apply that ran at the same time."""
    if client.ambiguous_creates:
        # a request the client gave up on is normally finished or dead one timeout later
        pending = client.timeout - (time.monotonic() - client.last_ambiguous_at)
        if pending > 0:
            client.sleep(pending)
    try:
        live = client.list_alerts()
    except ApiError as exc:
        check = Action("delete", "*", None, "", "duplicate check")
        result.outcomes.append(Outcome(check, False, None, client.target.redact(str(exc))))
        return
    cause = (
        "a create whose answer was lost landed late"
        if client.ambiguous_creates
        else "another apply ran at the same time"
    )
    for copy, kept in copies_to_remove(live, plan.pack):
        if plan.only is not None and copy.detection not in plan.only:
            continue
        reason = f"copy of {kept.id}: {cause}"
        action = Action("delete", copy.detection, copy.id, copy.name, reason, duplicate=True)
        result.duplicates_removed += 1

        def delete(alert_id: str = copy.id) -> str:
            with contextlib.suppress(NotFound):  # another run removed the same copy
                client.delete_alert(alert_id)
            return alert_id

        _record(result, report, action, delete, client)


def _execute(plan: Plan, action: Action, client: CoralogixClient) -> str | None:
    if action.action == "create":
        assert action.properties is not None
        return str(client.create_alert(action.properties, _landed(plan.pack, action.properties))["id"])
    if action.action == "update":
        assert action.properties is not None and action.alert_id is not None
        return str(client.replace_alert(action.alert_id, action.properties)["id"])
    if action.action == "delete":
        assert action.alert_id is not None
        client.delete_alert(action.alert_id)
        return action.alert_id
    raise ValueError(action.action)
