"""Canonical form of an alert definition, shared by render (content hash) and plan (diff, drift).

The pack owns a fixed set of fields (``OWNED``, documented in docs/deploying.md): every field its
template renders and every field that changes whether or how an alert fires or notifies, whether
the pack's value is the API default or not. Both sides of a comparison are reduced to that set
with the API's defaults written out, so a UI mute (``phantomMode: true``) or an added webhook is a
difference, and so is the pack setting a field back to its default. Any other field of the
alert that holds a non-default value (a type block or setting the pack does not render, one a
newer API adds) is owned whole: apply replaces the whole definition and would erase it, so the
plan must show it. Only ``NOT_OWNED`` (server-only fields, ``deleted``, the deprecated
``notificationGroupExcess``) is never compared.
"""

from __future__ import annotations

import hashlib
from typing import Any

from coralogix_pack.coralogix.ownership import HASH_LABEL
from coralogix_pack.core.jsontext import canonical

SERVER_FIELDS = ("id", "alertVersionId", "createdTime", "updatedTime", "lastTriggeredTime", "status")
# Lists whose order carries no meaning in the API (sets in the provider too).
SET_LIKE_KEYS = frozenset(
    {
        "applicationName",
        "subsystemName",
        "severities",
        "webhooks",
        "notificationPayloadFilter",
        "groupByKeys",
        "rules",
        "destinations",
        "dayOfWeek",
        "dataSources",
    }
)

P5 = "ALERT_DEF_PRIORITY_P5_OR_UNSPECIFIED"
TRIGGERED_ONLY = "NOTIFY_ON_TRIGGERED_ONLY_UNSPECIFIED"


class Whole:
    """A field owned as one value (a map, a schedule): compared as the API holds it."""

    def __init__(self, default: Any):
        self.default = default


class Items:
    """A list whose items each have the owned shape ``item``."""

    def __init__(self, item: Any):
        self.item = item


_LABEL_FILTER = {"value": "", "operation": "LOG_FILTER_OPERATION_TYPE_IS_OR_UNSPECIFIED"}
_LOGS_FILTER = {
    "simpleFilter": {
        "luceneQuery": "",
        "labelFilters": {
            "applicationName": Items(_LABEL_FILTER),
            "subsystemName": Items(_LABEL_FILTER),
            "severities": Items(Whole(None)),
        },
    }
}
_RULE = {
    "condition": {
        "threshold": 0,
        "timeWindow": Whole(None),
        "conditionType": "LOGS_THRESHOLD_CONDITION_TYPE_MORE_THAN_OR_UNSPECIFIED",
    },
    "override": {"priority": None},  # None: the alert's priority (the server fills it in)
}
_WEBHOOK = {"integration": Whole(None), "notifyOn": None, "minutes": None}  # None: the incident cadence's
_DESTINATION = {
    "connectorId": "",
    "presetId": "",
    "notifyOn": TRIGGERED_ONLY,
    "triggeredRoutingOverrides": Whole(None),
    "resolvedRouteOverrides": Whole(None),
    "retriggeringPeriodMinutes": None,  # None: the incident cadence's
}
_PAYLOAD = Items(Whole(None))
# Type-specific blocks; one of them is set. Blocks the pack does not know are owned whole.
TYPE_BLOCKS: dict[str, Any] = {
    "logsImmediate": {"logsFilter": _LOGS_FILTER, "notificationPayloadFilter": _PAYLOAD},
    "logsThreshold": {
        "logsFilter": _LOGS_FILTER,
        "rules": Items(_RULE),
        "notificationPayloadFilter": _PAYLOAD,
        "undetectedValuesManagement": Whole(None),
        "noDataPolicy": Whole(None),
        "evaluationDelayMs": 0,
    },
}
_NEW_VALUE_RULE = {"condition": {"keypathToTrack": "", "timeWindow": Whole(None)}}
_UNIQUE_COUNT_RULE = {"condition": {"maxUniqueCount": "0", "timeWindow": Whole(None)}}
_FLOW_GROUP = {
    "alertDefs": Items({"id": "", "not": False}),
    "alertsOp": "ALERTS_OP_AND_OR_UNSPECIFIED",
    "nextOp": "NEXT_OP_AND_OR_UNSPECIFIED",
}
_FLOW_STAGE = {
    "flowStagesGroups": {"groups": Items(_FLOW_GROUP)},
    "timeframeMs": "0",
    "timeframeType": "TIMEFRAME_TYPE_UNSPECIFIED",
}
TYPE_BLOCKS.update(
    {
        "logsNewValue": {
            "logsFilter": _LOGS_FILTER,
            "rules": Items(_NEW_VALUE_RULE),
            "notificationPayloadFilter": _PAYLOAD,
        },
        "logsUniqueCount": {
            "logsFilter": _LOGS_FILTER,
            "uniqueCountKeypath": "",
            "maxUniqueCountPerGroupByKey": None,
            "rules": Items(_UNIQUE_COUNT_RULE),
            "notificationPayloadFilter": _PAYLOAD,
        },
        "flow": {"enforceSuppression": False, "stages": Items(_FLOW_STAGE)},
    }
)
OWNED: dict[str, Any] = {
    "name": "",
    "description": "",
    "enabled": True,
    "priority": P5,
    "type": "ALERT_DEF_TYPE_LOGS_IMMEDIATE_OR_UNSPECIFIED",
    "entityLabels": Whole({}),
    "phantomMode": False,
    "groupByKeys": Items(Whole(None)),
    "incidentsSettings": {"minutes": None, "notifyOn": TRIGGERED_ONLY},
    "notificationGroup": {
        "groupByKeys": Items(Whole(None)),
        "webhooks": Items(_WEBHOOK),
        "destinations": Items(_DESTINATION),
        "router": Whole(None),
    },
    "activeOn": Whole(None),
    "dataSources": Items(Whole(None)),
}
NOT_OWNED = ("deleted", "notificationGroupExcess", *SERVER_FIELDS)


def owned_paths() -> list[str]:
    """Every owned field as a dotted path (``[]`` marks list items), for docs and tests."""
    return sorted(_paths(OWNED, "") + [p for block, s in TYPE_BLOCKS.items() for p in _paths(s, block)])


def _paths(spec: Any, prefix: str) -> list[str]:
    if isinstance(spec, dict):
        return [p for key, sub in spec.items() for p in _paths(sub, f"{prefix}.{key}" if prefix else key)]
    if isinstance(spec, Items) and isinstance(spec.item, dict):
        return _paths(spec.item, prefix + "[]")
    return [prefix]


def canonical_json(value: Any) -> str:
    return canonical(value)


def _is_default(value: Any) -> bool:
    if value is None or value is False or (value == 0 and not isinstance(value, bool)):
        return True
    if isinstance(value, str):
        return value == "" or value.endswith("UNSPECIFIED")
    return isinstance(value, list | dict) and not value


def _strip(value: Any, key: str = "") -> Any:
    """Proto3 zero values dropped (absent, ``null``, ``[]``, ``0`` and ``false`` read alike),
    set-like lists sorted, integral floats made ints (a server may print the double 10 as 10.0)."""
    if isinstance(value, dict):
        stripped = {k: _strip(v, k) for k, v in value.items()}
        return {k: v for k, v in stripped.items() if not _is_default(v)}
    if isinstance(value, list):
        items = [_strip(v) for v in value]
        return sorted(items, key=canonical_json) if key in SET_LIKE_KEYS else items
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _fill(value: Any, spec: Any, key: str = "") -> Any:
    """``value`` (stripped) reduced to ``spec``'s fields, each absent one set to its default."""
    if isinstance(spec, Whole):
        return spec.default if value is None else value
    if isinstance(spec, Items):
        items = [_fill(item, spec.item) for item in value] if isinstance(value, list) else []
        return sorted(items, key=canonical_json) if key in SET_LIKE_KEYS else items
    if isinstance(spec, dict):
        source = value if isinstance(value, dict) else {}
        return {k: _fill(source.get(k), sub, k) for k, sub in spec.items()}
    return spec if value is None else value


def owned_view(properties: dict[str, Any]) -> dict[str, Any]:
    """The owned fields of ``properties`` (what the pack renders, or what the account holds), with
    the API's defaults explicit and inherited values (a webhook's cadence, a rule's priority)
    filled in; the hash label is left out. Two alerts that the API treats alike give equal views."""
    stripped = _strip({k: v for k, v in properties.items() if k not in NOT_OWNED})
    view: dict[str, Any] = _fill(stripped, OWNED)
    labels = dict(view["entityLabels"])
    labels.pop(HASH_LABEL, None)
    view["entityLabels"] = labels
    enabled = properties.get("enabled")
    view["enabled"] = True if enabled is None else bool(enabled)  # absent or null: unset, proto default true
    for block, spec in TYPE_BLOCKS.items():
        if block in stripped:
            view[block] = _fill(stripped[block], spec)
    for block in sorted(set(stripped) - set(OWNED) - set(TYPE_BLOCKS)):  # set in the account only
        view[block] = stripped[block]  # not rendered by the pack, so a replace would erase it
    _inherit(view)
    return view


def _inherit(view: dict[str, Any]) -> None:
    """Values the API fills in from elsewhere in the alert, written out so both sides agree."""
    cadence = view["incidentsSettings"]
    group = view["notificationGroup"]
    for webhook in group["webhooks"]:
        for key in ("minutes", "notifyOn"):
            if webhook[key] is None:
                webhook[key] = cadence[key]
    for destination in group["destinations"]:
        if destination["retriggeringPeriodMinutes"] is None:
            destination["retriggeringPeriodMinutes"] = cadence["minutes"]
    for rule in (view.get("logsThreshold") or {}).get("rules", []):
        if rule["override"]["priority"] is None:
            rule["override"]["priority"] = view["priority"]
    for key in ("webhooks", "destinations"):
        group[key] = sorted(group[key], key=canonical_json)
    for rule in (view.get("logsNewValue") or {}).get("rules", [])[:1]:
        if not view["groupByKeys"]:  # the server groups a new-value alert by its keypath
            view["groupByKeys"] = [rule["condition"]["keypathToTrack"]]
    if "logsThreshold" in view:
        view["logsThreshold"]["rules"] = sorted(view["logsThreshold"]["rules"], key=canonical_json)


def content_hash(properties: dict[str, Any]) -> str:
    """Hash of the owned fields; the hash label itself is excluded."""
    return view_hash(owned_view(properties))


def view_hash(view: dict[str, Any]) -> str:
    """The content hash of an owned view (``owned_view``)."""
    return hashlib.sha256(canonical_json(view).encode("utf-8")).hexdigest()[:16]
