"""What the emulator accepts in a create or replace body: the AlertDefProperties subset log alerts use.

Written from the API reference; unknown fields are rejected with 400, which is stricter than the
real gateway (it drops them silently) and so catches template typos in tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from coralogix_pack.render import vocabulary


@dataclass(frozen=True)
class Enum:
    values: frozenset[str]


def enum(*values: str) -> Enum:
    return Enum(frozenset(values))


STR, BOOL, INT, NUM = "string", "boolean", "integer", "number"
PRIORITY = enum(*vocabulary.API_PRIORITY.values())
NOTIFY_ON = enum(*vocabulary.API_NOTIFY_ON.values())
OPERATION = enum(*vocabulary.API_LABEL_OPERATION.values())
SEVERITY = enum(*vocabulary.API_SEVERITY.values())
LABEL_FILTER = {"value": STR, "operation": OPERATION}
LOGS_FILTER = {
    "simpleFilter": {
        "luceneQuery": STR,
        "labelFilters": {
            "applicationName": [LABEL_FILTER],
            "subsystemName": [LABEL_FILTER],
            "severities": [SEVERITY],
        },
    }
}
TIME = {"hours": INT, "minutes": INT}
DAYS = enum(
    "DAY_OF_WEEK_MONDAY_OR_UNSPECIFIED",
    "DAY_OF_WEEK_TUESDAY",
    "DAY_OF_WEEK_WEDNESDAY",
    "DAY_OF_WEEK_THURSDAY",
    "DAY_OF_WEEK_FRIDAY",
    "DAY_OF_WEEK_SATURDAY",
    "DAY_OF_WEEK_SUNDAY",
)
CONDITION_TYPE = enum(
    "LOGS_THRESHOLD_CONDITION_TYPE_MORE_THAN_OR_UNSPECIFIED", "LOGS_THRESHOLD_CONDITION_TYPE_LESS_THAN"
)
PROPERTIES_SPEC: dict[str, Any] = {
    "name": STR,
    "description": STR,
    "enabled": BOOL,
    "priority": PRIORITY,
    "type": enum(*vocabulary.API_TYPE.values()),
    "groupByKeys": [STR],
    "entityLabels": ("map", STR),
    "phantomMode": BOOL,
    "deleted": BOOL,
    "incidentsSettings": {"minutes": INT, "notifyOn": NOTIFY_ON},
    "notificationGroup": {
        "groupByKeys": [STR],
        "webhooks": [
            {
                "integration": {"integrationId": INT, "recipients": {"emails": [STR]}},
                "notifyOn": NOTIFY_ON,
                "minutes": INT,
            }
        ],
    },
    "activeOn": {"dayOfWeek": [DAYS], "startTime": TIME, "endTime": TIME},
    "logsImmediate": {"logsFilter": LOGS_FILTER, "notificationPayloadFilter": [STR]},
    "logsThreshold": {
        "logsFilter": LOGS_FILTER,
        "notificationPayloadFilter": [STR],
        "rules": [
            {
                "condition": {
                    "threshold": NUM,
                    "timeWindow": {"logsTimeWindowSpecificValue": enum(*vocabulary.API_WINDOW.values())},
                    "conditionType": CONDITION_TYPE,
                },
                "override": {"priority": PRIORITY},
            }
        ],
        "undetectedValuesManagement": {"triggerUndetectedValues": BOOL, "autoRetireTimeframe": STR},
        "evaluationDelayMs": INT,
    },
}
TYPE_BLOCKS = ("logsImmediate", "logsThreshold")
MAX_DEPTH = 32


class BadRequest(Exception):
    pass


def _check(value: Any, spec: Any, path: str, depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        raise BadRequest(f"{path}: nested too deeply")
    if isinstance(spec, dict):
        if not isinstance(value, dict):
            raise BadRequest(f"{path}: expected an object")
        for key, item in value.items():
            if key not in spec:
                raise BadRequest(f"{path}.{key}: unknown field")
            _check(item, spec[key], f"{path}.{key}", depth + 1)
    elif isinstance(spec, list):
        if not isinstance(value, list):
            raise BadRequest(f"{path}: expected an array")
        for index, item in enumerate(value):
            _check(item, spec[0], f"{path}[{index}]", depth + 1)
    elif isinstance(spec, tuple):
        if not isinstance(value, dict):
            raise BadRequest(f"{path}: expected a map")
        for key, item in value.items():
            _check(item, spec[1], f"{path}.{key}", depth + 1)
    elif isinstance(spec, Enum):
        if value not in spec.values:
            raise BadRequest(f"{path}: invalid value {str(value)[:64]!r}")
    else:
        expected = {STR: str, BOOL: bool, INT: int, NUM: (int, float)}[spec]
        if (isinstance(value, bool) and spec != BOOL) or not isinstance(value, expected):
            raise BadRequest(f"{path}: expected {spec}")


def validate_properties(properties: Any) -> None:
    _check(properties, PROPERTIES_SPEC, "alertDefProperties")
    name = properties.get("name")
    if not isinstance(name, str) or not 1 <= len(name) <= 512 or not name.strip():
        raise BadRequest("alertDefProperties.name: required, 1 to 512 characters, not only spaces")
    if len(properties.get("description", "")) > 3000:
        raise BadRequest("alertDefProperties.description: at most 3000 characters")
    blocks = [b for b in TYPE_BLOCKS if b in properties]
    if len(blocks) != 1:
        raise BadRequest("alertDefProperties: exactly one alert type block is required")
    rules = properties.get("logsThreshold", {}).get("rules")
    if "logsThreshold" in properties and not (isinstance(rules, list) and 1 <= len(rules) <= 5):
        raise BadRequest("alertDefProperties.logsThreshold.rules: 1 to 5 rules required")
