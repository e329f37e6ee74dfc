"""HTTP client for the alert-definitions API: retries, pagination, and errors a person can act on."""

from __future__ import annotations

import json
import math
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from coralogix_pack import __version__
from coralogix_pack.coralogix_api import ALERTS, PAGE_TOKEN_PARAM
from coralogix_pack.deploy.target import Target
from coralogix_pack.errors import CoralogixPackError

RETRY_STATUSES = frozenset({429, 502, 503, 504})
# A read changes nothing, so an internal error on it is retried too.
RETRY_STATUSES_FOR_READS = RETRY_STATUSES | {500}
MAX_ANSWER_BYTES = 64 * 2**20  # 1,000 alerts of the largest size the API allows fit well inside
MAX_PAGES = 1000  # a million alerts at the maximum page size: beyond it, pagination is broken
_ASCII_DIGITS = re.compile(r"[0-9]{1,18}")
PERMISSIONS_HINT = (
    "the key needs the Alerts preset: alerts:ReadConfig to plan or export, alerts:UpdateConfig to "
    "apply; a key from another region's team is rejected too, so check --region"
)


class ApiError(CoralogixPackError):
    def __init__(self, message: str, status: int | None = None):
        self.status = status
        super().__init__(message)


class NotFound(ApiError):
    pass


class ListError(ApiError):
    """The alert list cannot be trusted to be complete: nothing may be planned from it."""

    def __init__(self, message: str):
        super().__init__(
            f"{message}; refusing to plan from an incomplete or inconsistent list (nothing was changed). "
            "Check --api-url / --region points at the Coralogix API, or report this server behaviour",
        )


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
            items, token, total = _page_parts(body, page)
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

    def get_alert(self, alert_id: str) -> dict[str, Any]:
        return _alert_def(self._idempotent("GET", f"{ALERTS}/{alert_id}"), "GET")

    def replace_alert(self, alert_id: str, properties: dict[str, Any]) -> dict[str, Any]:
        body = self._idempotent("PUT", ALERTS, json={"id": alert_id, "alertDefProperties": properties})
        return _alert_def(body, "PUT")

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
                return _alert_def(self._once("POST", ALERTS, json={"alertDefProperties": properties}), "POST")
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
        with self.http.stream(method, path, **kwargs) as response:
            body = bytearray()
            for chunk in response.iter_bytes():  # decoded, so a compressed bomb hits the cap too
                body += chunk
                if len(body) > MAX_ANSWER_BYTES:
                    raise ApiError(f"{method} {path}: the answer is over {MAX_ANSWER_BYTES // 2**20} MiB")
                if time.monotonic() > deadline:
                    raise httpx.ReadTimeout("deadline passed while reading the answer")
            headers = {
                k: v for k, v in response.headers.items() if k not in ("content-encoding", "content-length")
            }
            return httpx.Response(
                response.status_code, headers=headers, content=bytes(body), request=response.request
            )

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
            raise ApiError(_redirect_message(method, url, response), status)
        if not 200 <= status < 300:
            raise ApiError(f"{method} {url}: HTTP {status} {message}".strip(), status)
        body = parse_answer(response.content, f"{method} {url}", response.headers.get("content-type"))
        if not isinstance(body, dict):
            raise ApiError(f"{method} {url}: expected a JSON object in the answer", status)
        return body

    def _server_message(self, response: httpx.Response) -> str:
        try:
            body = response.json()
            text = body.get("message", "") if isinstance(body, dict) else ""
        except ValueError:
            text = response.text
        # redact first: a cut can split the key and leave most of it unmatched
        message = self._redact(str(text))
        return message if len(message) <= 300 else message[:300] + "..."

    def _redact(self, text: str) -> str:
        return self.target.redact(text)


def _redirect_message(method: str, url: str, response: httpx.Response) -> str:
    location = response.headers.get("Location", "")
    host = urlsplit(location).hostname if location else None
    where = f"to host {host}" if host else "elsewhere" if location else "without a Location"
    return (
        f"{method} {url}: HTTP {response.status_code}, a redirect {where}; API calls do not follow "
        "redirects (the key would travel with them): pass the API's own base URL as --api-url"
    )


def parse_answer(content: bytes, what: str, content_type: str | None = None) -> Any:
    """A server's JSON answer, or an ApiError saying what is wrong with it; text with lone
    surrogates is mended (they cannot be printed or written as UTF-8)."""
    try:
        return _mend_surrogates(json.loads(content))
    except RecursionError:
        raise ApiError(f"{what}: the answer is JSON nested too deeply to read") from None
    except UnicodeDecodeError:
        raise ApiError(f"{what}: the answer is not UTF-8 text") from None
    except ValueError as exc:
        if "integer string conversion" in str(exc):
            raise ApiError(f"{what}: the answer holds a number too large to read") from None
        kind = content_type or "unknown content"
        raise ApiError(
            f"{what}: expected JSON, got {kind} (is the base URL right? it should end in /mgmt/openapi/5)"
        ) from None


def _mend_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return (
            value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
            if _has_surrogate(value)
            else value
        )
    if isinstance(value, list):
        return [_mend_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {_mend_surrogates(k): _mend_surrogates(v) for k, v in value.items()}
    return value


def _has_surrogate(text: str) -> bool:
    return any("\ud800" <= c <= "\udfff" for c in text)


def retry_after(response: httpx.Response) -> float | None:
    """Seconds the server asked to wait (a number or an HTTP date), or None when it said nothing
    usable: a non-finite number or a date beyond the calendar counts as not said."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError, OverflowError):
            return None
    return max(0.0, seconds) if math.isfinite(seconds) else None


def _page_parts(body: dict[str, Any], page: int) -> tuple[list[dict[str, Any]], str | None, int]:
    """(alerts, next token, totalSize) of one list answer, checked for the shape the API documents."""
    items = body.get("alertDefs")
    items = [] if items is None else items
    if not isinstance(items, list) or not all(isinstance(a, dict) for a in items):
        raise ApiError(f"page {page} of the alert list: 'alertDefs' is not a list of objects")
    for item in items:
        if not isinstance(item.get("id"), str) or not item["id"]:
            raise ApiError(f"page {page} of the alert list: an alert has no id")
        if not isinstance(item.get("alertDefProperties") or {}, dict):
            raise ApiError(
                f"page {page} of the alert list: alert {item['id']} has no alertDefProperties object"
            )
    pagination = body.get("pagination") or {}
    if not isinstance(pagination, dict):
        raise ApiError(f"page {page} of the alert list: 'pagination' is not an object")
    token = pagination.get("nextPageToken") or None
    if token is not None and not isinstance(token, str):
        raise ApiError(f"page {page} of the alert list: 'nextPageToken' is not text")
    total = pagination.get("totalSize")
    if isinstance(total, str) and _ASCII_DIGITS.fullmatch(total):
        total = int(total)  # 64-bit integers travel as quoted strings
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        raise ListError(
            f"page {page} of the alert list has no usable totalSize ({_short(total)}), so it cannot be "
            "proven complete"
        )
    return items, token, total


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=True)
    return text if len(text) <= 40 else text[:37] + "..."


def _alert_def(body: dict[str, Any], method: str) -> dict[str, Any]:
    alert = body.get("alertDef")
    if not isinstance(alert, dict) or not isinstance(alert.get("id"), str) or not alert["id"].strip():
        raise ApiError(
            f"{method} {ALERTS}: no alertDef with an id in the answer (is this the Coralogix API?)"
        )
    return alert
