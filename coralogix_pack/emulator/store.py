"""The emulator's alert definitions and how it answers for them (shape, defaults, pages)."""

from __future__ import annotations

import copy
import json
import threading
import uuid
from datetime import UTC, datetime
from typing import Any

from coralogix_pack.emulator.behaviour import Behaviour

DEFAULT_CADENCE = {"minutes": 10, "notifyOn": "NOTIFY_ON_TRIGGERED_ONLY_UNSPECIFIED"}
# Unset fields as Coralogix's gateway prints them with EmitUnpopulated (reference notes).
UNPOPULATED = {
    "groupByKeys": [],
    "phantomMode": False,
    "deleted": False,
    "activeOn": None,
    "incidentsSettings": None,
    "notificationGroup": None,
}
UNPOPULATED_TYPE_BLOCK: dict[str, Any] = {"notificationPayloadFilter": []}
UNPOPULATED_THRESHOLD = {"undetectedValuesManagement": None, "evaluationDelayMs": 0}


def omit_defaults(value: Any) -> Any:
    """What proto3 JSON leaves out: enum zero values, empty lists and maps."""
    if isinstance(value, dict):
        out = {k: omit_defaults(v) for k, v in value.items()}
        return {
            k: v
            for k, v in out.items()
            if not (v is None or v in ({}, []) or (isinstance(v, str) and v.endswith("UNSPECIFIED")))
        }
    if isinstance(value, list):
        return [omit_defaults(v) for v in value]
    return value


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def fill_defaults(properties: dict[str, Any]) -> dict[str, Any]:
    """Values a real backend adds to what it was sent (reference notes, "values the server may add")."""
    filled = copy.deepcopy(properties)
    filled.setdefault("phantomMode", False)
    filled.setdefault("deleted", False)
    cadence = filled.setdefault("incidentsSettings", dict(DEFAULT_CADENCE))
    for webhook in (filled.get("notificationGroup") or {}).get("webhooks", []):
        webhook.setdefault("minutes", cadence.get("minutes", 10))
        webhook.setdefault("notifyOn", cadence.get("notifyOn", DEFAULT_CADENCE["notifyOn"]))
    priority = filled.get("priority", "ALERT_DEF_PRIORITY_P5_OR_UNSPECIFIED")
    for rule in (filled.get("logsThreshold") or {}).get("rules", []):
        rule.setdefault("override", {"priority": priority})
    for rule in (filled.get("logsNewValue") or {}).get("rules", [])[:1]:
        if not filled.get("groupByKeys"):  # computed from the keypath (the provider plans it so)
            filled["groupByKeys"] = [rule["condition"]["keypathToTrack"]]
    return filled


def _floats(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: (float(v) if k == "threshold" and type(v) is int else _floats(v)) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_floats(v) for v in value]
    return value


def _emit_unpopulated(alert: dict[str, Any]) -> dict[str, Any]:
    properties = {**UNPOPULATED, **alert["alertDefProperties"]}
    for block in ("logsImmediate", "logsThreshold", "logsNewValue", "logsUniqueCount"):
        if block in properties:
            extra = UNPOPULATED_TYPE_BLOCK | (UNPOPULATED_THRESHOLD if block == "logsThreshold" else {})
            properties[block] = {**extra, **properties[block]}
    properties.setdefault("entityLabels", {})
    return {**alert, "alertDefProperties": properties, "lastTriggeredTime": None}


class AlertStore:
    def __init__(self, behaviour: Behaviour, page_size: int):
        self.behaviour = behaviour
        self.page_size = page_size
        self.alerts: dict[str, dict[str, Any]] = {}
        self.lock = threading.RLock()

    def put(self, properties: dict[str, Any], alert_id: str | None = None) -> dict[str, Any]:
        with self.lock:
            now = _now()
            alert_id = alert_id or str(uuid.uuid4())
            previous = self.alerts.get(alert_id)
            stored = json.loads(json.dumps(properties))
            if self.behaviour.fill_defaults:
                stored = fill_defaults(stored)
            self.alerts[alert_id] = {
                "id": alert_id,
                "alertVersionId": str(uuid.uuid4()),
                "alertDefProperties": stored,
                "createdTime": previous["createdTime"] if previous else now,
                "updatedTime": now,
                "status": "ALERT_DEF_STATUS_OK",
            }
            return self.public(alert_id)

    def public(self, alert_id: str) -> dict[str, Any]:
        alert = self.alerts[alert_id]
        shown = _emit_unpopulated(alert) if self.behaviour.emit_unpopulated else omit_defaults(alert)
        return _floats(shown) if self.behaviour.float_numbers else shown

    def page(self, token: str | None, size: int | None) -> dict[str, Any]:
        with self.lock:
            ids = sorted(self.alerts, key=lambda i: (self.alerts[i]["createdTime"], i))
            asked = int(token) if token and token.isdigit() else 0
            start = 0 if self.behaviour.ignore_page_token else asked
            size = max(1, min(size or self.page_size, 1000))
            if self.behaviour.repeat_page and start == size:
                start = 0  # page 2 comes back as page 1 again, under the next token
            chunk = [] if self.behaviour.empty_page else ids[start : start + size]
            if self.behaviour.list_twice and start == 0 and chunk:
                chunk = [chunk[0], *chunk]
            body: dict[str, Any] = {
                "alertDefs": [self.public(i) for i in chunk],
                "pagination": {"totalSize": len(ids)},
            }
            following = start + size if self.behaviour.ignore_page_token else asked + size
            last_shown = len(ids) - size if self.behaviour.short_list else len(ids)
            if (following < last_shown and not self.behaviour.empty_page) or self.behaviour.endless_pages:
                body["pagination"]["nextPageToken"] = str(following)
            return body
