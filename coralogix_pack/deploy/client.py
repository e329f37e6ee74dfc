"""HTTP client for the alert-definitions API: retries, pagination, and errors a person can act on."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from coralogix_pack import __version__
from coralogix_pack.coralogix.api import ALERTS, CONNECTORS, PAGE_TOKEN_PARAM, PRESETS
from coralogix_pack.deploy.answers import (
    ApiError,
    ListError,
    NotFound,
    Transient,
    alert_def,
    page_parts,
    parse_answer,
    redirect_message,
    retry_after,
)
from coralogix_pack.deploy.deadline import Deadline, DeadlineTransport
from coralogix_pack.deploy.target import Target

RETRY_STATUSES = frozenset({429, 502, 503, 504})
# A read changes nothing, so an internal error on it is retried too.
RETRY_STATUSES_FOR_READS = RETRY_STATUSES | {500}
MAX_ANSWER_BYTES = 64 * 2**20  # 1,000 alerts of the largest size the API allows fit well inside
MAX_PAGES = 1000  # a million alerts at the maximum page size: beyond it, pagination is broken
PERMISSIONS_HINT = (
    "the key needs the Alerts preset: alerts:ReadConfig to plan or export, alerts:UpdateConfig to "
    "apply; a key from another region's team is rejected too, so check --region"
)


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
        self.deadline = Deadline()
        self.sleep = sleep
        self.rng = random.Random(seed)
        self.http = httpx.Client(
            base_url=target.base_url,
            timeout=timeout,
            transport=transport if transport is not None else DeadlineTransport(self.deadline),
            follow_redirects=False,
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
        """Every alert definition, or an error: a plan is only ever built from a list proven complete.

        Every page must be a 2xx JSON answer of the documented shape, every page must state
        ``totalSize``, no id may repeat, and the ids collected must equal ``totalSize`` when the
        pages end. A server that ignores the page token (the gateway drops query keys it does not
        know) answers page 1 again, and one that stops early leaves alerts out: planning from
        either would delete, re-create or duplicate live alerts.
        """
        alerts: dict[str, dict[str, Any]] = {}
        token: str | None = None
        tokens: set[str] = set()
        for page in range(1, MAX_PAGES + 1):
            params = {PAGE_TOKEN_PARAM: token} if token else None
            body = self._idempotent("GET", ALERTS, params=params)
            items, token, total = page_parts(body, page)
            for item in items:
                if item["id"] in alerts:
                    raise ListError(f"page {page} of the alert list repeats alert {item['id']}")
                alerts[item["id"]] = item
            if len(alerts) > total:
                raise ListError(
                    f"the alert list returned {len(alerts)} alerts, more than its totalSize {total}"
                )
            if not token:
                if len(alerts) < total:
                    raise ListError(
                        f"the alert list ended after {len(alerts)} alerts on page {page}, but its "
                        f"totalSize is {total}"
                    )
                return list(alerts.values())
            if not items:
                raise ListError(f"page {page} of the alert list is empty but names another page")
            if token in tokens:
                raise ListError(f"page {page} of the alert list repeats an earlier page token")
            tokens.add(token)
        raise ListError(f"the alert list did not end after {MAX_PAGES} pages")

    def list_connectors(self) -> list[dict[str, Any]]:
        """Notification Center connectors the key can see: ``[{id, name, type, ...}]``."""
        return _named_items(self._idempotent("GET", CONNECTORS), "connectors")

    def list_presets(self) -> list[dict[str, Any]]:
        """Notification Center preset summaries for alerts: ``[{id, name, ...}]``."""
        return _named_items(
            self._idempotent("GET", PRESETS, params={"entity_type": "ALERTS"}), "presetSummaries"
        )

    def get_alert(self, alert_id: str) -> dict[str, Any]:
        return alert_def(self._idempotent("GET", f"{ALERTS}/{alert_id}"), "GET")

    def replace_alert(self, alert_id: str, properties: dict[str, Any]) -> dict[str, Any]:
        body = self._idempotent("PUT", ALERTS, json={"id": alert_id, "alertDefProperties": properties})
        return alert_def(body, "PUT")

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
        started = time.monotonic()
        for attempt in range(self.retry.attempts):
            try:
                return alert_def(self._once("POST", ALERTS, json={"alertDefProperties": properties}), "POST")
            except Transient as exc:
                delay = self.retry.delay(attempt, exc.retry_after, self.rng)
                last = attempt + 1 == self.retry.attempts or not self._in_budget(started, delay)
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
        started = time.monotonic()
        for attempt in range(self.retry.attempts):
            try:
                return self._once(method, path, **kwargs)
            except Transient as exc:
                delay = self.retry.delay(attempt, exc.retry_after, self.rng)
                if attempt + 1 == self.retry.attempts or not self._in_budget(started, delay):
                    raise
                self.sleep(delay)
        raise AssertionError("unreachable")

    def _in_budget(self, started: float, delay: float) -> bool:
        """Retries of one call end with its --timeout: a server too slow to answer once is not
        asked again and again."""
        return time.monotonic() - started + delay < self.timeout

    def _once(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(f"{method} {path}")
        url = f"{self.target.base_url}{path}"
        try:
            response = self._bounded(method, path, **kwargs)
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

    def _bounded(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """The whole answer within one deadline and a size cap: httpx's timeout is per read, so a
        server that trickles bytes, or streams without end, would otherwise hold the run forever."""
        deadline = time.monotonic() + self.timeout
        self.deadline.at = deadline  # every socket operation of this exchange, headers included
        try:
            with self.http.stream(method, path, **kwargs) as response:
                body = bytearray()
                for chunk in response.iter_bytes():  # decoded, so a compressed bomb hits the cap too
                    body += chunk
                    if len(body) > MAX_ANSWER_BYTES:
                        raise ApiError(f"{method} {path}: the answer is over {MAX_ANSWER_BYTES // 2**20} MiB")
                    if time.monotonic() > deadline:
                        raise httpx.ReadTimeout("deadline passed while reading the answer")
                headers = {
                    k: v
                    for k, v in response.headers.items()
                    if k not in ("content-encoding", "content-length")
                }
                return httpx.Response(
                    response.status_code, headers=headers, content=bytes(body), request=response.request
                )
        finally:
            self.deadline.at = None

    def _decode(self, method: str, url: str, response: httpx.Response) -> dict[str, Any]:
        status = response.status_code
        message = self._server_message(response)
        if status in (RETRY_STATUSES_FOR_READS if method == "GET" else RETRY_STATUSES):
            raise Transient(f"{method} {url}: HTTP {status} {message}".strip(), status, retry_after(response))
        if status in (401, 403):
            raise ApiError(
                f"{method} {url}: HTTP {status}, authentication or permission denied ({PERMISSIONS_HINT})",
                status,
            )
        if status == 404:
            raise NotFound(f"{method} {url}: HTTP 404 not found {message}".strip(), status)
        if status == 400:
            raise ApiError(f"{method} {url}: HTTP 400, the API rejected the request: {message}", status)
        if 300 <= status < 400:
            raise ApiError(redirect_message(method, url, response), status)
        if not 200 <= status < 300:
            raise ApiError(f"{method} {url}: HTTP {status} {message}".strip(), status)
        body = parse_answer(response.content, f"{method} {url}", response.headers.get("content-type"))
        if not isinstance(body, dict):
            raise ApiError(f"{method} {url}: expected a JSON object in the answer", status)
        return body

    def _server_message(self, response: httpx.Response) -> str:
        if 200 <= response.status_code < 300:
            return ""  # a success carries no error message; its body is read once, by _decode
        try:
            body = response.json()
            text = body.get("message", "") if isinstance(body, dict) else ""
        except (ValueError, RecursionError):
            text = response.text
        # redact first: a cut can split the key and leave most of it unmatched
        message = self._redact(str(text))
        return message if len(message) <= 300 else message[:300] + "..."

    def _redact(self, text: str) -> str:
        return self.target.redact(text)


def _named_items(body: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """The list under ``key`` of a Notification Center answer: objects with a text id, names as text."""
    items = body.get(key, [])
    if not isinstance(items, list) or not all(
        isinstance(i, dict) and isinstance(i.get("id"), str) for i in items
    ):
        raise ApiError(f"the Notification Center answer has no list of {key} with ids")
    return [{**i, "name": str(i.get("name", ""))} for i in items]
