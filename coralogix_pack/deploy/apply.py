"""`pack apply`: carry out a plan, one alert at a time, continuing past failures."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from coralogix_pack.deploy.client import ApiError, CoralogixClient
from coralogix_pack.deploy.plan import Action, Plan, is_managed
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

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]


class TooManyDeletes(Exception):
    pass


def check_delete_budget(plan: Plan, max_delete: int) -> None:
    deletes = plan.count("delete")
    if deletes > max_delete:
        raise TooManyDeletes(
            f"the plan deletes {deletes} alerts, more than --max-delete {max_delete}; "
            "review the plan and raise --max-delete if this is intended"
        )


def _landed(pack: str, properties: dict[str, Any]) -> Callable[[list[dict[str, Any]]], dict[str, Any] | None]:
    """Recognise an alert that a create whose answer was lost did create."""
    labels = properties["entityLabels"]

    def find(alerts: list[dict[str, Any]]) -> dict[str, Any] | None:
        for alert in alerts:
            live = alert.get("alertDefProperties", {}).get("entityLabels") or {}
            if (
                is_managed(alert, pack)
                and live.get(DETECTION_LABEL) == labels[DETECTION_LABEL]
                and live.get(HASH_LABEL) == labels[HASH_LABEL]
            ):
                return alert
        return None

    return find


def apply_plan(plan: Plan, client: CoralogixClient, report: Callable[[Outcome], None]) -> ApplyResult:
    result = ApplyResult()
    for action in plan.changes:
        _record(result, report, action, lambda a=action: _execute(plan, a, client), client)
    if client.ambiguous_creates:
        _remove_late_duplicates(plan, client, result, report)
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


def _remove_late_duplicates(
    plan: Plan, client: CoralogixClient, result: ApplyResult, report: Callable[[Outcome], None]
) -> None:
    """A create that timed out may still land after we looked for it; keep the alert this
    run recorded for each created detection and delete any copy that landed late."""
    kept = {o.action.detection: o.alert_id for o in result.outcomes if o.ok and o.action.action == "create"}
    # a request the client gave up on is normally finished or dead one timeout later
    pending = client.timeout - (time.monotonic() - client.last_ambiguous_at)
    if pending > 0:
        client.sleep(pending)
    try:
        live = [a for a in client.list_alerts() if is_managed(a, plan.pack)]
    except ApiError as exc:
        result.outcomes.append(
            Outcome(
                Action("delete", "*", None, "", "duplicate check"),
                False,
                None,
                client.target.redact(str(exc)),
            )
        )
        return
    for alert in live:
        detection = alert["alertDefProperties"]["entityLabels"].get(DETECTION_LABEL)
        if detection in kept and alert["id"] != kept[detection]:
            action = Action(
                "delete",
                detection,
                alert["id"],
                alert["alertDefProperties"].get("name", ""),
                f"duplicate of {kept[detection]} left by a create whose answer was lost",
            )

            def delete(alert_id: str = alert["id"]) -> str:
                client.delete_alert(alert_id)
                return alert_id

            _record(result, report, action, delete, client)


def _execute(plan: Plan, action: Action, client: CoralogixClient) -> str | None:
    if action.action == "create":
        assert action.properties is not None
        return client.create_alert(action.properties, _landed(plan.pack, action.properties))["id"]
    if action.action == "update":
        assert action.properties is not None and action.alert_id is not None
        return client.replace_alert(action.alert_id, action.properties)["id"]
    if action.action == "delete":
        assert action.alert_id is not None
        client.delete_alert(action.alert_id)
        return action.alert_id
    raise ValueError(action.action)
