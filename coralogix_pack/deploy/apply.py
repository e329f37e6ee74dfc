"""`pack apply`: carry out a plan, one alert at a time, continuing past failures."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from coralogix_pack.coralogix.flowrefs import stage_ids, stage_placeholder, with_stage_ids
from coralogix_pack.coralogix.ownership import DETECTION_LABEL, HASH_LABEL
from coralogix_pack.core.errors import CoralogixPackError
from coralogix_pack.deploy.answers import ApiError, NotFound
from coralogix_pack.deploy.client import CoralogixClient
from coralogix_pack.deploy.live import LiveAlert, managed_alerts
from coralogix_pack.deploy.plan import Action, ActionKind, Plan


@dataclass
class Outcome:
    action: Action
    ok: bool
    alert_id: str | None = None
    error: str = ""

    def describe(self) -> str:
        """``delete vm-deleted (id)``: what was tried, for messages."""
        action = self.action
        if action.action == ActionKind.RECONCILE:
            return f"reconcile ({action.reason})"
        return f"{action.action} {action.detection}" + (f" ({self.alert_id})" if self.alert_id else "")

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
    """Refuse a plan that deletes more alerts than allowed; every delete counts, copies too."""
    deletes = sum(1 for a in plan.changes if a.action == ActionKind.DELETE)
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


def apply_plan(
    plan: Plan, client: CoralogixClient, report: Callable[[Outcome], None], max_delete: int | None = None
) -> ApplyResult:
    """Every change of ``plan``, then (when something was created) the removal of copies, within
    what is left of ``max_delete``."""
    result = ApplyResult()
    new_ids: dict[str, str] = {}  # detection -> id of the alert this run created (flows refer to it)
    for action in plan.changes:
        _record(result, report, action, partial(_execute, plan, action, client, new_ids), client)
        outcome = result.outcomes[-1]
        if outcome.ok and action.action == ActionKind.CREATE and outcome.alert_id:
            new_ids[action.detection] = outcome.alert_id
    created = {o.action.detection for o in result.outcomes if o.action.action == ActionKind.CREATE}
    if created:
        planned = sum(1 for a in plan.changes if a.action == ActionKind.DELETE)
        # A run may remove as many copies of what it created as it created (a concurrent run's
        # twin of each), plus what --max-delete leaves.
        budget = None if max_delete is None else len(created) + max(0, max_delete - planned)
        reconcile(plan, client, result, report, budget, created)
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
    """(copy, kept) for every managed alert that is an unedited, identical repeat of another.

    Only alerts whose owned fields still hash to their applied label take part: an edited
    alert is somebody's work, never a copy. The oldest is kept; every run that reconciles picks
    the same one, so two applies that reconcile at once never delete each other's survivor. An
    alert listed twice is one alert.
    """
    groups: dict[tuple[str, str], list[LiveAlert]] = {}
    for alert in managed_alerts(alerts, pack):
        if alert.intact:
            groups.setdefault((alert.detection, alert.content), []).append(alert)
    pairs = []
    for group in groups.values():
        kept, *copies = sorted(group, key=lambda a: a.age)
        pairs += [(copy, kept) for copy in copies]
    return sorted(pairs, key=lambda p: p[0].id)


def reconcile(
    plan: Plan,
    client: CoralogixClient,
    result: ApplyResult,
    report: Callable[[Outcome], None],
    budget: int | None = None,
    detections: set[str] | None = None,
) -> None:
    """After creating, remove copies of the same detection and content: a create whose answer was
    lost that landed late, or another apply that ran at the same time. Only copies of
    ``detections`` (those this run created), at most ``budget`` of them."""
    if client.ambiguous_creates:
        # a request the client gave up on is normally finished or dead one timeout later
        pending = client.timeout - (time.monotonic() - client.last_ambiguous_at)
        if pending > 0:
            client.sleep(pending)
    try:
        live = client.list_alerts()
    except ApiError as exc:
        check = Action(ActionKind.RECONCILE, "*", None, "", "the list made to find copies after creating")
        error = "could not list the alerts to look for copies: " + client.target.redact(str(exc))
        outcome = Outcome(check, False, None, error + "; run pack apply again to finish")
        result.outcomes.append(outcome)
        report(outcome)
        return
    cause = (
        "a create whose answer was lost landed late"
        if client.ambiguous_creates
        else "another apply ran at the same time"
    )
    pairs = [
        (copy, kept)
        for copy, kept in copies_to_remove(live, plan.pack)
        if (plan.only is None or copy.detection in plan.only)
        and (detections is None or copy.detection in detections)
    ]
    if budget is not None and len(pairs) > budget:
        check = Action(ActionKind.RECONCILE, "*", None, "", "copies found after creating")
        error = (
            f"{len(pairs)} copies found, more than the {budget} this run may remove (one per alert it "
            "created, plus what --max-delete leaves); none removed: review them with pack plan"
        )
        outcome = Outcome(check, False, None, error)
        result.outcomes.append(outcome)
        report(outcome)
        return
    for copy, kept in pairs:
        reason = f"copy of {kept.id}: {cause}"
        action = Action(ActionKind.DELETE, copy.detection, copy.id, copy.name, reason, duplicate=True)
        result.duplicates_removed += 1

        def delete(alert_id: str = copy.id) -> str:
            with contextlib.suppress(NotFound):  # another run removed the same copy
                client.delete_alert(alert_id)
            return alert_id

        _record(result, report, action, delete, client)


def _execute(plan: Plan, action: Action, client: CoralogixClient, created: dict[str, str]) -> str | None:
    if action.action == ActionKind.CREATE:
        properties = _with_created_stages(plan, action, created)
        return str(client.create_alert(properties, _landed(plan.pack, properties))["id"])
    if action.action == ActionKind.UPDATE:
        assert action.alert_id is not None
        return str(client.replace_alert(action.alert_id, _with_created_stages(plan, action, created))["id"])
    if action.action == ActionKind.DELETE:
        assert action.alert_id is not None
        client.delete_alert(action.alert_id)
        return action.alert_id
    raise ValueError(action.action)


def _with_created_stages(plan: Plan, action: Action, created: dict[str, str]) -> dict[str, Any]:
    """A flow's properties with the ids of the stage alerts this run created; refused when a stage
    it needs was not created (its create failed, or a saved plan was cut)."""
    assert action.properties is not None
    ids = {stage_placeholder(plan.pack, detection): alert_id for detection, alert_id in created.items()}
    properties = with_stage_ids(action.properties, ids)
    waiting = set(stage_ids(properties)) & set(plan.stand_ins)
    if waiting:
        names = ", ".join(sorted(plan.stand_ins[w] for w in waiting))
        raise ApiError(f"not sent: the flow's stage alert {names} was not created, so it has no id yet")
    return properties


def apply_report(plan: Plan, applied: ApplyResult | None) -> dict[str, Any]:
    """`pack apply --format json` (schemas/apply.schema.json); ``applied`` None: nothing was run."""
    outcomes = [o.as_dict() for o in applied.outcomes] if applied else []
    return {
        "format_version": "1",
        "plan": plan.as_dict(),
        "applied": applied is not None,
        "ok": not (applied and applied.failed),
        "outcomes": outcomes,
        "duplicates_removed": applied.duplicates_removed if applied else 0,
    }
