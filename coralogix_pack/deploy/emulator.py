"""A local emulator of Coralogix's alert-definitions REST API (OpenAPI facade v5).

It serves list (paginated), get, create, replace and delete on the documented
paths, checks the Bearer key, validates request bodies against the subset of
AlertDefProperties that log alerts use (unknown fields are rejected with 400),
assigns UUID ids and a new alertVersionId on every change, and answers like the
real API: fields holding their default value (enum zero values, empty lists and
maps) are omitted. Faults can be injected from a script or at random with a seed.

Start it with `pack emulator --port N`, or in-process with `Emulator(...).start()`.
"""

from __future__ import annotations

import contextlib
import json
import random
import socket
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from coralogix_pack.render import vocabulary

PREFIX = "/mgmt/openapi/5"
COLLECTION = "/alerts/alerts/v3"

# ---- request-body validation: a compact structural spec written from the API reference ----


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
    "activeOn": {
        "dayOfWeek": [
            enum(
                "DAY_OF_WEEK_MONDAY_OR_UNSPECIFIED",
                "DAY_OF_WEEK_TUESDAY",
                "DAY_OF_WEEK_WEDNESDAY",
                "DAY_OF_WEEK_THURSDAY",
                "DAY_OF_WEEK_FRIDAY",
                "DAY_OF_WEEK_SATURDAY",
                "DAY_OF_WEEK_SUNDAY",
            )
        ],
        "startTime": TIME,
        "endTime": TIME,
    },
    "logsImmediate": {"logsFilter": LOGS_FILTER, "notificationPayloadFilter": [STR]},
    "logsThreshold": {
        "logsFilter": LOGS_FILTER,
        "notificationPayloadFilter": [STR],
        "rules": [
            {
                "condition": {
                    "threshold": NUM,
                    "timeWindow": {"logsTimeWindowSpecificValue": enum(*vocabulary.API_WINDOW.values())},
                    "conditionType": enum(
                        "LOGS_THRESHOLD_CONDITION_TYPE_MORE_THAN_OR_UNSPECIFIED",
                        "LOGS_THRESHOLD_CONDITION_TYPE_LESS_THAN",
                    ),
                },
                "override": {"priority": PRIORITY},
            }
        ],
        "undetectedValuesManagement": {"triggerUndetectedValues": BOOL, "autoRetireTimeframe": STR},
        "evaluationDelayMs": INT,
    },
}
TYPE_BLOCKS = ("logsImmediate", "logsThreshold")


class BadRequest(Exception):
    pass


def _check(value: Any, spec: Any, path: str) -> None:
    if isinstance(spec, dict):
        if not isinstance(value, dict):
            raise BadRequest(f"{path}: expected an object")
        for key, item in value.items():
            if key not in spec:
                raise BadRequest(f"{path}.{key}: unknown field")
            _check(item, spec[key], f"{path}.{key}")
    elif isinstance(spec, list):
        if not isinstance(value, list):
            raise BadRequest(f"{path}: expected an array")
        for index, item in enumerate(value):
            _check(item, spec[0], f"{path}[{index}]")
    elif isinstance(spec, tuple):
        if not isinstance(value, dict):
            raise BadRequest(f"{path}: expected a map")
        for key, item in value.items():
            _check(item, spec[1], f"{path}.{key}")
    elif isinstance(spec, Enum):
        if value not in spec.values:
            raise BadRequest(f"{path}: invalid value {value!r}")
    else:
        expected = {STR: str, BOOL: bool, INT: int, NUM: (int, float)}[spec]
        if (isinstance(value, bool) and spec != BOOL) or not isinstance(value, expected):
            raise BadRequest(f"{path}: expected {spec}")


def validate_properties(properties: Any) -> None:
    _check(properties, PROPERTIES_SPEC, "alertDefProperties")
    name = properties.get("name")
    if not isinstance(name, str) or not 1 <= len(name) <= 512:
        raise BadRequest("alertDefProperties.name: required, 1 to 512 characters")
    if len(properties.get("description", "")) > 3000:
        raise BadRequest("alertDefProperties.description: at most 3000 characters")
    blocks = [b for b in TYPE_BLOCKS if b in properties]
    if len(blocks) != 1:
        raise BadRequest("alertDefProperties: exactly one alert type block is required")
    rules = properties.get("logsThreshold", {}).get("rules")
    if "logsThreshold" in properties and not (isinstance(rules, list) and 1 <= len(rules) <= 5):
        raise BadRequest("alertDefProperties.logsThreshold.rules: 1 to 5 rules required")


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


# ---- faults ----

FAULT_KINDS = ("429", "500", "503", "drop", "slow", "lost")


@dataclass
class Fault:
    kind: str  # one of FAULT_KINDS
    method: str | None = None  # only requests with this method; None = any
    retry_after: float = 0.0
    delay: float = 2.0


@dataclass
class FaultPlan:
    scripted: deque = field(default_factory=deque)
    rate: float = 0.0
    kinds: tuple[str, ...] = FAULT_KINDS
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    slow_delay: float = 2.0

    def next(self, method: str) -> Fault | None:
        for index, fault in enumerate(self.scripted):
            if fault.method in (None, method):
                del self.scripted[index]
                return fault
        if self.rate and self.rng.random() < self.rate:
            kind = self.rng.choice(self.kinds)
            return Fault(kind, retry_after=self.rng.choice([0, 0.01]), delay=self.slow_delay)
        return None


# ---- the server ----


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    status: int | None  # None when the connection was dropped


class Emulator:
    def __init__(
        self,
        api_key: str,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        page_size: int = 50,
        faults: FaultPlan | None = None,
    ):
        self.api_key = api_key
        self.page_size = page_size
        self.faults = faults or FaultPlan()
        self.alerts: dict[str, dict[str, Any]] = {}
        self.requests: list[Recorded] = []
        self.lock = threading.RLock()
        self.server = ThreadingHTTPServer((host, port), _handler_for(self))
        self.server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{PREFIX}"

    def start(self) -> Emulator:
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- state changes (also used by tests to seed unmanaged alerts or edit alerts "in the UI")

    def put_alert(self, properties: dict[str, Any], alert_id: str | None = None) -> dict[str, Any]:
        with self.lock:
            now = _now()
            alert_id = alert_id or str(uuid.uuid4())
            previous = self.alerts.get(alert_id)
            self.alerts[alert_id] = {
                "id": alert_id,
                "alertVersionId": str(uuid.uuid4()),
                "alertDefProperties": json.loads(json.dumps(properties)),
                "createdTime": previous["createdTime"] if previous else now,
                "updatedTime": now,
                "status": "ALERT_DEF_STATUS_OK",
            }
            return self.public(alert_id)

    def public(self, alert_id: str) -> dict[str, Any]:
        return omit_defaults(self.alerts[alert_id])

    def page(self, token: str | None, size: int | None) -> dict[str, Any]:
        with self.lock:
            ids = sorted(self.alerts, key=lambda i: (self.alerts[i]["createdTime"], i))
            start = int(token) if token else 0
            size = size or self.page_size
            chunk = ids[start : start + size]
            body: dict[str, Any] = {
                "alertDefs": [self.public(i) for i in chunk],
                "pagination": {"totalSize": len(ids)},
            }
            if start + size < len(ids):
                body["pagination"]["nextPageToken"] = str(start + size)
            return body


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _handler_for(emulator: Emulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Without this, Nagle's algorithm holds each small answer ~40 ms waiting for an ACK.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def do_PUT(self) -> None:
            self._serve("PUT")

        def do_DELETE(self) -> None:
            self._serve("DELETE")

        def _serve(self, method: str) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            record = Recorded(method, url.path, parse_qs(url.query), _maybe_json(raw), None)
            with emulator.lock:
                emulator.requests.append(record)
            fault = emulator.faults.next(method)
            if fault and fault.kind == "drop":
                return self._drop()
            if fault and fault.kind in ("429", "500", "503"):
                headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.kind == "429" else {}
                return self._reply(
                    record, int(fault.kind), {"code": int(fault.kind), "message": "injected fault"}, headers
                )
            if fault and fault.kind == "slow":
                time.sleep(fault.delay)
            status, body = self._route(method, url.path, record)
            if fault and fault.kind == "lost":
                return self._drop()  # the change happened; the answer never arrives
            self._reply(record, status, body)

        def _route(self, method: str, path: str, record: Recorded) -> tuple[int, Any]:
            if self.headers.get("Authorization") != f"Bearer {emulator.api_key}":
                return 401, {"code": 401, "message": "Unauthorized: invalid or missing API key"}
            path = path.removeprefix(PREFIX)
            try:
                if path == COLLECTION:
                    return self._collection(method, record)
                if path.startswith(COLLECTION + "/") and "/" not in path[len(COLLECTION) + 1 :]:
                    return self._item(method, path[len(COLLECTION) + 1 :])
            except BadRequest as exc:
                return 400, {"code": 400, "message": f"Bad Request: {exc}"}
            return 404, {"code": 404, "message": "Not Found: Not Found"}

        def _collection(self, method: str, record: Recorded) -> tuple[int, Any]:
            body = record.body
            if method == "GET":
                token = (record.query.get("pagination.pageToken") or [None])[0]
                size = (record.query.get("pagination.pageSize") or [None])[0]
                return 200, emulator.page(token, int(size) if size else None)
            if method not in ("POST", "PUT"):
                return 405, {"code": 405, "message": "Method Not Allowed"}
            if not isinstance(body, dict):
                raise BadRequest("body must be a JSON object")
            allowed = {"alertDefProperties", "accessPolicy"} | ({"id"} if method == "PUT" else set())
            unknown = sorted(set(body) - allowed)
            if unknown:
                raise BadRequest(f"{unknown[0]}: unknown field")
            validate_properties(body.get("alertDefProperties"))
            if method == "POST":
                return 200, {"alertDef": emulator.put_alert(body["alertDefProperties"])}
            alert_id = body.get("id")
            with emulator.lock:
                if alert_id not in emulator.alerts:
                    return 404, {"code": 404, "message": f"Not Found: alert definition {alert_id} not found"}
                return 200, {"alertDef": emulator.put_alert(body["alertDefProperties"], alert_id)}

        def _item(self, method: str, alert_id: str) -> tuple[int, Any]:
            with emulator.lock:
                if alert_id not in emulator.alerts:
                    return 404, {"code": 404, "message": f"Not Found: alert definition {alert_id} not found"}
                if method == "GET":
                    return 200, {"alertDef": emulator.public(alert_id)}
                if method == "DELETE":
                    del emulator.alerts[alert_id]
                    return 200, {}
            return 405, {"code": 405, "message": "Method Not Allowed"}

        def _reply(
            self, record: Recorded, status: int, body: Any, headers: dict[str, str] | None = None
        ) -> None:
            record.status = status
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def _drop(self) -> None:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)

    return Handler


def _maybe_json(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")
