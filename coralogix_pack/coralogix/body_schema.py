"""JSON Schema of the alert-definition body the pack may send (AlertDefProperties, log alerts).

Written from the reference notes on Coralogix's v5 API and strict on unknown fields: the real
gateway silently drops a field it does not know, so a typo in a custom template would become a
permanent difference instead of an error. ``pack render`` checks every alert against it, and the
emulator uses it to answer 400. tests/test_api_schema.py checks it against Coralogix's OpenAPI
document.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from coralogix_pack.coralogix import api, vocabulary
from coralogix_pack.documents.fast_schema import FastSchema

if TYPE_CHECKING:  # imported only when a body needs its diagnostics
    from jsonschema import Draft202012Validator


def _object(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "additionalProperties": False, "properties": properties}
    if required:
        schema["required"] = list(required)
    return schema


def _enum(values: Any) -> dict[str, Any]:
    return {"enum": sorted(set(values))}


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
MINUTES = {"type": "integer", "minimum": 1, "maximum": api.MINUTES_MAX}
LABEL_FILTER = _object({"value": STRING, "operation": _enum(vocabulary.API_LABEL_OPERATION.values())})
LOGS_FILTER = _object(
    {
        "simpleFilter": _object(
            {
                "luceneQuery": STRING,
                "labelFilters": _object(
                    {
                        "applicationName": {"type": "array", "items": LABEL_FILTER},
                        "subsystemName": {"type": "array", "items": LABEL_FILTER},
                        "severities": {"type": "array", "items": _enum(vocabulary.API_SEVERITY.values())},
                    }
                ),
            }
        )
    }
)
PAYLOAD_FILTER = {"type": "array", "items": STRING}
PRIORITY = _enum(vocabulary.API_PRIORITY.values())
NOTIFY_ON = _enum(vocabulary.API_NOTIFY_ON.values())
TIME_OF_DAY = _object({"hours": {"type": "integer", "minimum": 0, "maximum": 23}, "minutes": INTEGER})
DAYS = (
    "DAY_OF_WEEK_MONDAY_OR_UNSPECIFIED",
    "DAY_OF_WEEK_TUESDAY",
    "DAY_OF_WEEK_WEDNESDAY",
    "DAY_OF_WEEK_THURSDAY",
    "DAY_OF_WEEK_FRIDAY",
    "DAY_OF_WEEK_SATURDAY",
    "DAY_OF_WEEK_SUNDAY",
)
CONDITION_TYPES = (
    "LOGS_THRESHOLD_CONDITION_TYPE_MORE_THAN_OR_UNSPECIFIED",
    "LOGS_THRESHOLD_CONDITION_TYPE_LESS_THAN",
)
THRESHOLD_RULE = _object(
    {
        "condition": _object(
            {
                "threshold": {"type": "number", "minimum": 0},
                "timeWindow": _object({"logsTimeWindowSpecificValue": _enum(vocabulary.API_WINDOW.values())}),
                "conditionType": _enum(CONDITION_TYPES),
            },
            ("threshold", "timeWindow"),
        ),
        "override": _object({"priority": PRIORITY}),
    },
    ("condition",),
)
WEBHOOK = _object(
    {
        "integration": _object(
            {
                "integrationId": {"type": "integer", "minimum": 0, "maximum": 2**32 - 1},
                "recipients": _object({"emails": {"type": "array", "items": STRING, "minItems": 1}}),
            }
        ),
        "notifyOn": NOTIFY_ON,
        "minutes": MINUTES,
    },
    ("integration",),
)
DESTINATION = _object(
    {
        "connectorId": {"type": "string", "minLength": 1},
        "presetId": STRING,
        "notifyOn": NOTIFY_ON,
        "retriggeringPeriodMinutes": {"type": "integer", "minimum": 0},
        "triggeredRoutingOverrides": {"type": "object"},
        "resolvedRouteOverrides": {"type": "object"},
    },
    ("connectorId",),
)
INT64_TEXT = {"type": "string", "pattern": "^-?[0-9]+$", "minLength": 1, "maxLength": 20}


def _one_rule(fields: dict[str, Any], window_key: str, windows: Any) -> dict[str, Any]:
    """``rules``: exactly one rule whose condition holds ``fields`` and a time window of one of
    ``windows`` (the new-value and unique-count alerts take a single rule)."""
    window = _object({window_key: _enum(windows)})
    condition = _object({**fields, "timeWindow": window}, (*fields, "timeWindow"))
    return {
        "type": "array",
        "minItems": 1,
        "maxItems": 1,
        "items": _object({"condition": condition}, ("condition",)),
    }


NEW_VALUE = _object(
    {
        "logsFilter": LOGS_FILTER,
        "notificationPayloadFilter": PAYLOAD_FILTER,
        "rules": _one_rule(
            {"keypathToTrack": STRING},
            "logsNewValueTimeWindowSpecificValue",
            vocabulary.API_NEW_VALUE_WINDOW.values(),
        ),
    },
    ("rules",),
)
UNIQUE_COUNT = _object(
    {
        "logsFilter": LOGS_FILTER,
        "notificationPayloadFilter": PAYLOAD_FILTER,
        "uniqueCountKeypath": {"type": "string", "minLength": 1},
        "maxUniqueCountPerGroupByKey": INT64_TEXT,
        "rules": _one_rule(
            {"maxUniqueCount": INT64_TEXT},
            "logsUniqueValueTimeWindowSpecificValue",
            vocabulary.API_UNIQUE_COUNT_WINDOW.values(),
        ),
    },
    ("uniqueCountKeypath", "rules"),
)
ALERT_DEF_REF = _object(
    {"id": {"type": "string", "minLength": 1, "maxLength": 36}, "not": {"type": "boolean"}}, ("id",)
)
FLOW_GROUP = _object(
    {
        "alertDefs": {"type": "array", "items": ALERT_DEF_REF, "minItems": 1, "maxItems": 30},
        "alertsOp": _enum(vocabulary.API_STAGE_OP.values()),
        "nextOp": _enum((vocabulary.API_NEXT_OP_AND, "NEXT_OP_OR")),
    },
    ("alertDefs",),
)
FLOW = _object(
    {
        "enforceSuppression": {"type": "boolean"},
        "stages": {
            "type": "array",
            "minItems": 1,
            "maxItems": 30,
            "items": _object(
                {
                    "flowStagesGroups": _object(
                        {"groups": {"type": "array", "items": FLOW_GROUP, "maxItems": 30}}
                    ),
                    "timeframeMs": INT64_TEXT,
                    "timeframeType": _enum(("TIMEFRAME_TYPE_UNSPECIFIED", vocabulary.API_TIMEFRAME_UP_TO)),
                },
                ("flowStagesGroups",),
            ),
        },
    },
    ("stages",),
)
TYPE_BLOCK_NAMES = ("logsImmediate", "logsThreshold", "logsNewValue", "logsUniqueCount", "flow")
ALERT_PROPERTIES: dict[str, Any] = {
    **_object(
        {
            "name": {"type": "string", "minLength": 1, "maxLength": api.NAME_MAX, "pattern": r"\S"},
            "description": {"type": "string", "maxLength": api.DESCRIPTION_MAX},
            "enabled": {"type": "boolean"},
            "priority": PRIORITY,
            "type": _enum(vocabulary.API_TYPE.values()),
            "groupByKeys": {"type": "array", "items": STRING, "maxItems": 100},
            "entityLabels": {"type": "object", "additionalProperties": STRING},
            "phantomMode": {"type": "boolean"},
            "deleted": {"type": "boolean"},
            "incidentsSettings": _object({"minutes": MINUTES, "notifyOn": NOTIFY_ON}),
            "notificationGroup": _object(
                {
                    "groupByKeys": {"type": "array", "items": STRING},
                    "webhooks": {"type": "array", "items": WEBHOOK, "maxItems": 100},
                    "destinations": {"type": "array", "items": DESTINATION, "maxItems": 100},
                    "router": _object({"id": STRING, "notifyOn": NOTIFY_ON}),
                }
            ),
            "dataSources": {
                "type": "array",
                "maxItems": 1,
                "items": _object(
                    {
                        "dataSpace": {"type": "string", "minLength": 1, "maxLength": 50},
                        "dataSet": {"type": "string", "minLength": 1, "maxLength": 300},
                    },
                    ("dataSpace", "dataSet"),
                ),
            },
            "activeOn": _object(
                {
                    "dayOfWeek": {"type": "array", "items": _enum(DAYS)},
                    "startTime": TIME_OF_DAY,
                    "endTime": TIME_OF_DAY,
                }
            ),
            "logsImmediate": _object(
                {"logsFilter": LOGS_FILTER, "notificationPayloadFilter": PAYLOAD_FILTER}
            ),
            "logsThreshold": _object(
                {
                    "logsFilter": LOGS_FILTER,
                    "notificationPayloadFilter": PAYLOAD_FILTER,
                    "rules": {
                        "type": "array",
                        "items": THRESHOLD_RULE,
                        "minItems": 1,
                        "maxItems": api.THRESHOLD_RULES_MAX,
                    },
                    "undetectedValuesManagement": _object(
                        {"triggerUndetectedValues": {"type": "boolean"}, "autoRetireTimeframe": STRING}
                    ),
                    "evaluationDelayMs": {"type": "integer", "minimum": 0, "maximum": 10_800_000},
                },
                ("rules",),
            ),
            "logsNewValue": NEW_VALUE,
            "logsUniqueCount": UNIQUE_COUNT,
            "flow": FLOW,
        },
        ("name",),
    ),
    # exactly one alert type block
    "oneOf": [{"required": [name]} for name in TYPE_BLOCK_NAMES],
}
CREATE_BODY = _object(
    {"alertDefProperties": ALERT_PROPERTIES, "accessPolicy": STRING}, ("alertDefProperties",)
)


@cache
def properties_validator() -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(ALERT_PROPERTIES)


@cache
def body_validator() -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(CREATE_BODY)


@cache
def fast_body_check() -> FastSchema:
    return FastSchema(CREATE_BODY)


def body_problems(body: Any) -> list[tuple[str, str]]:
    """(dotted field path, message) for every way ``body`` is not a create body the API accepts."""
    found: list[tuple[str, str]] = []
    if fast_body_check().surely_valid(body):
        return found
    for error in sorted(body_validator().iter_errors(body), key=lambda e: list(map(str, e.absolute_path))):
        path = ".".join(str(p) for p in error.absolute_path)
        if error.validator == "additionalProperties":
            allowed = set(error.schema.get("properties", {}))
            extra = sorted(k for k in error.instance if k not in allowed)
            path = f"{path}.{extra[0]}" if path else extra[0]
            found.append((path, "unknown field: the API would drop it silently"))
        elif error.validator == "oneOf":
            found.append((path, "needs exactly one of " + ", ".join(TYPE_BLOCK_NAMES)))
        else:
            found.append((path, error.message[:200]))
    return found
