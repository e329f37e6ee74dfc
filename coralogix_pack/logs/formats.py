"""The Activity Log forms users export, mapped to the Event Hub record form the queries are written for.

Event Hub field <- REST / portal | Azure SDK (snake_case) | Log Analytics (AzureActivity):

- time <- eventTimestamp | event_timestamp | TimeGenerated
- operationName <- operationName.value | operation_name.value | OperationNameValue
- resultType <- status.value | status.value | ActivityStatusValue (each mapped, below)
- resultSignature <- subStatus.value | sub_status.value | ActivitySubstatusValue
- resourceId <- resourceId | resource_id | _ResourceId, else ResourceId
- category <- category.value | category.value | CategoryValue
- correlationId <- correlationId | correlation_id | CorrelationId
- level <- level | level | Level
- callerIpAddress <- httpRequest.clientIpAddress | http_request.client_ip_address | CallerIpAddress
- identity.claims <- claims | claims | Claims_d, else Claims (JSON text)
- identity.authorization <- authorization | authorization | Authorization_d, else Authorization
- properties <- properties | properties | Properties_d, else Properties (JSON text)
- caller <- caller | caller | Caller

Status values are mapped to the Event Hub words: Succeeded -> Success, Failed -> Failure,
Started -> Start, Accepted -> Accept (others kept). A Coralogix logs export or query result row
carries the record as a JSON string in ``userData`` (or ``text``); it is unwrapped, then mapped.
"""

from __future__ import annotations

import json
from typing import Any

from coralogix_pack.core.timeutil import utc_text

FORMATS = ("eventhub", "rest", "sdk", "log-analytics", "coralogix")
STATUS = {"Succeeded": "Success", "Failed": "Failure", "Started": "Start", "Accepted": "Accept"}


def detect(record: dict[str, Any]) -> str | None:
    """The form of one record, or None when it is none of the known ones. Told by the time field,
    else by the operation field (so a record without its time is still named by its form)."""
    if "userData" in record or (
        "text" in record and isinstance(record.get("text"), str) and "time" not in record
    ):
        return "coralogix"
    if "eventTimestamp" in record or isinstance(record.get("operationName"), dict):
        return "rest"
    if "event_timestamp" in record or "operation_name" in record:
        return "sdk"
    if "TimeGenerated" in record or "OperationNameValue" in record:
        return "log-analytics"
    if "time" in record or "operationName" in record:
        return "eventhub"
    return None


FORM_NAMES = {
    "eventhub": ("an Event Hub / storage-account export record", "time"),
    "rest": ("a REST API / portal record", "eventTimestamp"),
    "sdk": ("an Azure SDK record", "event_timestamp"),
    "log-analytics": ("a Log Analytics (AzureActivity) record", "TimeGenerated"),
    "coralogix": ("a Coralogix export row", "time (inside userData)"),
}


def missing_time(record: dict[str, Any], form: str | None) -> str:
    """Why a record of a known form has no time, naming the form and the field it lacks."""
    name, field = FORM_NAMES.get(form or "", ("a record", "time"))
    return f"{name} without {field} (keys: {', '.join(sorted(map(str, record))[:8])})"


def _portal_time(value: Any) -> Any:
    """Log Analytics times as the portal's CSV export writes them (see docs/testing.md)."""
    return utc_text(value) if isinstance(value, str) and "/" in value else value  # ISO has no "/"


def _value(field: Any) -> Any:
    return field.get("value") if isinstance(field, dict) else field


def _status(field: Any) -> Any:
    value = _value(field)
    return STATUS.get(value, value) if isinstance(value, str) else value


def _json_text(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _clean(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if v is not None and v != {} and v != ""}


def _rest(r: dict[str, Any], snake: bool) -> dict[str, Any]:
    def key(camel: str, snake_case: str) -> str:
        return snake_case if snake else camel

    http = r.get(key("httpRequest", "http_request"))
    address = http.get(key("clientIpAddress", "client_ip_address")) if isinstance(http, dict) else None
    identity = _clean({"claims": r.get("claims"), "authorization": r.get("authorization")})
    return _clean(
        {
            "time": r.get(key("eventTimestamp", "event_timestamp")),
            "operationName": _value(r.get(key("operationName", "operation_name"))),
            "resultType": _status(r.get("status")),
            "resultSignature": _value(r.get(key("subStatus", "sub_status"))),
            "resourceId": r.get(key("resourceId", "resource_id")),
            "category": _value(r.get("category")),
            "correlationId": r.get(key("correlationId", "correlation_id")),
            "level": r.get("level"),
            "callerIpAddress": address,
            "caller": r.get("caller"),
            "identity": identity or None,
            "properties": r.get("properties"),
        }
    )


def _log_analytics(r: dict[str, Any]) -> dict[str, Any]:
    identity = _clean(
        {
            "claims": _json_text(r.get("Claims_d") or r.get("Claims")),
            "authorization": _json_text(r.get("Authorization_d") or r.get("Authorization")),
        }
    )
    return _clean(
        {
            "time": _portal_time(r.get("TimeGenerated")),
            "operationName": r.get("OperationNameValue"),
            "resultType": _status(r.get("ActivityStatusValue")),
            "resultSignature": r.get("ActivitySubstatusValue"),
            "resourceId": r.get("_ResourceId") or r.get("ResourceId"),
            "category": r.get("CategoryValue"),
            "correlationId": r.get("CorrelationId"),
            "level": r.get("Level"),
            "callerIpAddress": r.get("CallerIpAddress"),
            "caller": r.get("Caller"),
            "identity": identity or None,
            "properties": _json_text(r.get("Properties_d") or r.get("Properties")),
        }
    )


def to_eventhub(
    record: dict[str, Any], forced: str = "auto", depth: int = 0
) -> tuple[dict[str, Any] | None, str | None]:
    """(the record in Event Hub form, its form); (None, None) when the form is unknown.

    ``forced`` (``--input-format``) skips detection."""
    form = detect(record) if forced == "auto" else forced
    if form in ("eventhub", None):
        return (record if form else None), form
    if form == "rest":
        return _rest(record, snake=False), form
    if form == "sdk":
        return _rest(record, snake=True), form
    if form == "log-analytics":
        return _log_analytics(record), form
    inner = _json_text(record.get("userData", record.get("text")))
    if not isinstance(inner, dict) or depth > 2:
        return None, form
    mapped, _ = to_eventhub(inner, "auto", depth + 1)
    return mapped, form


def describe_shape(record: dict[str, Any]) -> str:
    keys = sorted(map(str, record))[:8]
    return "an unknown record shape (keys: " + ", ".join(keys) + (", ..." if len(record) > 8 else "") + ")"
