"""The emulator's HTTP server: routes, the Bearer check, faults, and loopback-only binding."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from coralogix_pack.coralogix.api import ALERTS, API_PATH, CONNECTORS, PRESETS, QUERY_PATH
from coralogix_pack.coralogix.flowrefs import stage_ids
from coralogix_pack.core.network import is_loopback
from coralogix_pack.emulator.alert_spec import BadRequest, validate_properties
from coralogix_pack.emulator.behaviour import Behaviour, FaultKind, FaultPlan
from coralogix_pack.emulator.logs import CompileError, LogStore, answer_query
from coralogix_pack.emulator.store import AlertStore

PREFIX = API_PATH
COLLECTION = ALERTS
MAX_BODY = 1024 * 1024


class NotLoopback(ValueError):
    pass


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    status: int | None  # None when the connection was dropped
    at: float = 0.0  # time.monotonic() when the request arrived


class Emulator:
    """A local stand-in for the alert-definitions API; it refuses to listen beyond loopback."""

    def __init__(
        self,
        api_key: str,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        page_size: int = 50,
        faults: FaultPlan | None = None,
        behaviour: Behaviour | None = None,
        logs: LogStore | None = None,
        connectors: list[dict[str, Any]] | None = None,
        presets: list[dict[str, Any]] | None = None,
    ):
        if not is_loopback(host):
            raise NotLoopback(f"the emulator only binds loopback addresses, not {host!r}")
        self.api_key = api_key
        self.faults = faults or FaultPlan()
        self.behaviour = behaviour or Behaviour()
        self.store = AlertStore(self.behaviour, page_size)
        self.logs = logs or LogStore()
        # Notification Center, read-only: [{id, name, type}] and [{id, name, connectorType}]
        self.connectors = list(connectors or [])
        self.presets = list(presets or [])
        self.requests: list[Recorded] = []
        self.lock = self.store.lock
        self.server = ThreadingHTTPServer((host, port), _handler_for(self))
        self.server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def alerts(self) -> dict[str, dict[str, Any]]:
        return self.store.alerts

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}{PREFIX}"

    def start(self) -> Emulator:
        # a short poll interval: stop() waits for the serving loop to notice, once per test
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # tests seed unmanaged alerts or edit alerts "in the UI" with these
    def put_alert(self, properties: dict[str, Any], alert_id: str | None = None) -> dict[str, Any]:
        return self.store.put(properties, alert_id)

    def public(self, alert_id: str) -> dict[str, Any]:
        return self.store.public(alert_id)


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
            record = Recorded(method, url.path, parse_qs(url.query), None, None, time.monotonic())
            try:
                record.body = _maybe_json(self._read_body())
            except BadRequest as exc:
                self.close_connection = True
                return self._reply(record, 400, {"code": 400, "message": f"Bad Request: {exc}"})
            with emulator.lock:
                emulator.requests.append(record)
            fault = emulator.faults.next(method, url.path)
            if fault and fault.kind is FaultKind.DROP:
                return self._drop()
            if fault and fault.kind in (FaultKind.TOO_MANY, FaultKind.INTERNAL, FaultKind.UNAVAILABLE):
                headers = (
                    {"Retry-After": f"{fault.retry_after:g}"} if fault.kind is FaultKind.TOO_MANY else {}
                )
                return self._reply(
                    record, int(fault.kind), {"code": int(fault.kind), "message": "injected fault"}, headers
                )
            if fault and fault.kind is FaultKind.SLOW:
                time.sleep(fault.delay)
            try:
                if url.path == QUERY_PATH and method == "POST":
                    return self._query(
                        record, midstream_error=bool(fault and fault.kind is FaultKind.MIDSTREAM)
                    )
                status, body = self._route(method, url.path, record)
            except (BadRequest, CompileError) as exc:
                status, body = 400, {"code": 400, "message": f"Bad Request: {exc}"}
            except Exception as exc:  # a stand-in must answer, never drop a request with a trace
                status, body = 500, {"code": 500, "message": f"emulator error: {type(exc).__name__}"}
            if fault and fault.kind is FaultKind.LOST:
                return self._drop()  # the change happened; the answer never arrives
            self._reply(record, status, body)

        def _query(self, record: Recorded, midstream_error: bool) -> None:
            if self.headers.get("Authorization") != f"Bearer {emulator.api_key}":
                return self._reply(record, 401, {"code": 401, "message": "Unauthorized"})
            try:
                lines = answer_query(emulator.logs, record.body, midstream_error)
            except (CompileError, BadRequest, ValueError, RecursionError) as exc:  # bad Lucene, odd text
                reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
                return self._reply(record, 400, {"code": 400, "message": f"Compilation errors: {reason}"})
            record.status = 200
            data = "".join(json.dumps(line) + "\n" for line in lines).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-ndjson")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _read_body(self) -> bytes:
            raw_length = self.headers.get("Content-Length") or "0"
            if not raw_length.isdigit():
                raise BadRequest("Content-Length is not a number")
            length = int(raw_length)
            if length > MAX_BODY:
                raise BadRequest(f"body over {MAX_BODY} bytes")
            return self.rfile.read(length) if length else b""

        def _route(self, method: str, path: str, record: Recorded) -> tuple[int, Any]:
            if self.headers.get("Authorization") != f"Bearer {emulator.api_key}":
                return 401, {"code": 401, "message": "Unauthorized: invalid or missing API key"}
            path = path.removeprefix(PREFIX)
            try:
                if path == COLLECTION:
                    return self._collection(method, record)
                if path in (CONNECTORS, PRESETS) and method == "GET":
                    key = "connectors" if path == CONNECTORS else "presetSummaries"
                    return 200, {key: emulator.connectors if path == CONNECTORS else emulator.presets}
                if path.startswith(COLLECTION + "/") and "/" not in path[len(COLLECTION) + 1 :]:
                    return self._item(method, path[len(COLLECTION) + 1 :])
            except BadRequest as exc:
                return 400, {"code": 400, "message": f"Bad Request: {exc}"}
            return 404, {"code": 404, "message": "Not Found: Not Found"}

        def _collection(self, method: str, record: Recorded) -> tuple[int, Any]:
            body = record.body
            if method == "GET":
                # the gateway matches proto and JSON field names and ignores other keys
                token = _query(record, "pagination.pageToken", "pagination.page_token")
                size = _query(record, "pagination.pageSize", "pagination.page_size")
                if token is not None and not (token.isascii() and token.isdigit() and len(token) <= 9):
                    raise BadRequest("pagination.pageToken: not a token this server issued")
                if size is not None and not (
                    size.isascii() and size.isdigit() and len(size) <= 4 and int(size) <= 1000
                ):
                    raise BadRequest("pagination.pageSize: a whole number from 0 to 1000")
                page = emulator.store.page(token, int(size) if size else None)
                return (302 if emulator.behaviour.redirect else 200), page
            if method not in ("POST", "PUT"):
                return 405, {"code": 405, "message": "Method Not Allowed"}
            if not isinstance(body, dict):
                raise BadRequest("body must be a JSON object")
            allowed = {"alertDefProperties", "accessPolicy"} | ({"id"} if method == "PUT" else set())
            unknown = sorted(set(body) - allowed)
            if unknown:
                raise BadRequest(f"{unknown[0]}: unknown field")
            validate_properties(body.get("alertDefProperties"))
            with emulator.lock:
                unknown_stages = [
                    i for i in stage_ids(body["alertDefProperties"]) if i not in emulator.alerts
                ]
            if unknown_stages:
                raise BadRequest(f"flow: alert definition {unknown_stages[0]} not found")
            if method == "POST":
                created = emulator.put_alert(body["alertDefProperties"])
                return 200, {"alertDef": {**created, "id": ""} if emulator.behaviour.empty_id else created}
            alert_id = body.get("id")
            with emulator.lock:
                if not isinstance(alert_id, str) or alert_id not in emulator.alerts:
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
            if status == 302:
                headers = {**(headers or {}), "Location": "https://login.elsewhere.example/alerts"}
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def _drop(self) -> None:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)

    return Handler


def _query(record: Recorded, *names: str) -> str | None:
    for name in names:
        if record.query.get(name):
            return record.query[name][0]
    return None


def _maybe_json(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return raw.decode("utf-8", "replace")
