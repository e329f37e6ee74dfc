"""`pack apply`: carry out a plan, one alert at a time, continuing past failures."""

from __future__ import annotations

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
        try:
            alert_id = _execute(plan, action, client)
            outcome = Outcome(action, True, alert_id)
        except ApiError as exc:
            outcome = Outcome(action, False, action.alert_id, client.target.redact(str(exc)))
        result.outcomes.append(outcome)
        report(outcome)
    return result


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
