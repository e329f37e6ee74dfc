"""HTTP client for the alert-definitions API: retries, pagination, and errors a person can act on."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from coralogix_pack import __version__
from coralogix_pack.deploy.target import Target

ALERTS = "/alerts/alerts/v3"
RETRY_STATUSES = frozenset({429, 502, 503, 504})
# A read changes nothing, so an internal error on it is retried too.
RETRY_STATUSES_FOR_READS = RETRY_STATUSES | {500}
# How the list call asks for the next page. The query encoding of the object-typed
# `pagination` parameter is not confirmed; grpc-gateway's dotted form is used.
PAGE_TOKEN_PARAM = "pagination.pageToken"
PERMISSIONS_HINT = (
    "the key needs the Alerts preset: alerts:ReadConfig to plan or export, alerts:UpdateConfig to "
    "apply; a key from another region's team is rejected too, so check --region"
)


class ApiError(Exception):
    def __init__(self, message: str, status: int | None = None):
        self.status = status
        super().__init__(message)


class NotFound(ApiError):
    pass


class Transient(ApiError):
    """A failure that may succeed when retried (429, 502-504, connection problems)."""

    def __init__(self, message: str, status: int | None = None, retry_after: float | None = None):
        super().__init__(message, status)
        self.retry_after = retry_after  # seconds the server asked us to wait, if it said


@dataclass
class RetryPolicy:
    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        if retry_after is not None:
            return min(retry_after, self.max_retry_after)
        return rng.uniform(0, min(self.max_delay, self.base_delay * 2**attempt))  # full jitter


class CoralogixClient:
    def __init__(
        self,
        target: Target,
        *,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        seed: int | None = None,
    ):
        self.target = target
        self.retry = retry or RetryPolicy()
        self.sleep = sleep
        self.rng = random.Random(seed)
        self.http = httpx.Client(
            base_url=target.base_url,
            timeout=timeout,
            transport=transport,
            headers={
                "Authorization": f"Bearer {target.api_key}",
                "Content-Type": "application/json",
                "User-Agent": f"coralogix-pack/{__version__}",
            },
        )
        self.calls: list[str] = []  # "METHOD path" of every attempt, for reports and tests
        self.ambiguous_creates = 0  # creates whose answer was lost; one may still land later
        self.last_ambiguous_at = 0.0  # time.monotonic() of the latest such loss
        self.timeout = timeout

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> CoralogixClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- operations ----

    def list_alerts(self) -> list[dict[str, Any]]:
        alerts: list[dict[str, Any]] = []
        token: str | None = None
        seen: set[str] = set()
        while True:
            params = {PAGE_TOKEN_PARAM: token} if token else None
            body = self._idempotent("GET", ALERTS, params=params)
            alerts.extend(body.get("alertDefs", []))
            token = (body.get("pagination") or {}).get("nextPageToken") or None
            if not token or token in seen:
                return alerts
            seen.add(token)

    def get_alert(self, alert_id: str) -> dict[str, Any]:
        return self._idempotent("GET", f"{ALERTS}/{alert_id}")["alertDef"]

    def replace_alert(self, alert_id: str, properties: dict[str, Any]) -> dict[str, Any]:
        return self._idempotent("PUT", ALERTS, json={"id": alert_id, "alertDefProperties": properties})[
            "alertDef"
        ]

    def delete_alert(self, alert_id: str) -> None:
        try:
            self._idempotent("DELETE", f"{ALERTS}/{alert_id}")
        except NotFound:
            if not any(c == f"DELETE {ALERTS}/{alert_id}" for c in self.calls[:-1]):
                raise
            # an earlier attempt deleted it but its answer was lost

    def create_alert(
        self, properties: dict[str, Any], landed: Callable[[list[dict[str, Any]]], dict[str, Any] | None]
    ) -> dict[str, Any]:
        """Create, never duplicating: when an answer is lost, list again and use ``landed``
        to recognise the alert if the create went through before retrying."""
        for attempt in range(self.retry.attempts):
            try:
                return self._once("POST", ALERTS, json={"alertDefProperties": properties})["alertDef"]
            except Transient as exc:
                last = attempt + 1 == self.retry.attempts
                delay = self.retry.delay(attempt, exc.retry_after, self.rng)
                if exc.status != 429:  # 429 means rejected before processing; anything else may have landed
                    self.ambiguous_creates += 1
                    self.last_ambiguous_at = time.monotonic()
                    self.sleep(delay)  # give a request still in flight a chance to land before looking
                    existing = landed(self.list_alerts())
                    if existing is not None:
                        return existing
                elif not last:
                    self.sleep(delay)
                if last:
                    raise
        raise AssertionError("unreachable")

    # ---- transport ----

    def _idempotent(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        for attempt in range(self.retry.attempts):
            try:
                return self._once(method, path, **kwargs)
            except Transient as exc:
                if attempt + 1 == self.retry.attempts:
                    raise
                self.sleep(self.retry.delay(attempt, exc.retry_after, self.rng))
        raise AssertionError("unreachable")

    def _once(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(f"{method} {path}")
        url = f"{self.target.base_url}{path}"
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.TimeoutException:
            raise Transient(f"{method} {url} timed out") from None
        except httpx.ConnectError as exc:
            raise Transient(
                self._redact(f"cannot connect to {url}: {exc} (check --region / --api-url)")
            ) from None
        except httpx.TransportError as exc:
            raise Transient(
                self._redact(f"{method} {url} failed: connection lost ({type(exc).__name__})")
            ) from None
        return self._decode(method, url, response)

    def _decode(self, method: str, url: str, response: httpx.Response) -> dict[str, Any]:
        status = response.status_code
        message = self._server_message(response)
        if status in (RETRY_STATUSES_FOR_READS if method == "GET" else RETRY_STATUSES):
            raise Transient(
                f"{method} {url}: HTTP {status} {message}".strip(), status, _retry_after(response)
            )
        if status in (401, 403):
            raise ApiError(
                f"{method} {url}: HTTP {status}, authentication or permission denied ({PERMISSIONS_HINT})",
                status,
            )
        if status == 404:
            raise NotFound(f"{method} {url}: HTTP 404 not found {message}".strip(), status)
        if status == 400:
            raise ApiError(f"{method} {url}: HTTP 400, the API rejected the request: {message}", status)
        if status >= 400:
            raise ApiError(f"{method} {url}: HTTP {status} {message}".strip(), status)
        try:
            body = response.json()
        except ValueError:
            kind = response.headers.get("content-type", "unknown content")
            raise ApiError(
                f"{method} {url}: expected JSON, got {kind} (is the base URL right? it should end in "
                "/mgmt/openapi/5)",
                status,
            ) from None
        if not isinstance(body, dict):
            raise ApiError(f"{method} {url}: expected a JSON object in the answer", status)
        return body

    def _server_message(self, response: httpx.Response) -> str:
        try:
            body = response.json()
            text = body.get("message", "") if isinstance(body, dict) else ""
        except ValueError:
            text = response.text[:300]
        return self._redact(str(text))

    def _redact(self, text: str) -> str:
        return self.target.redact(text)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None
