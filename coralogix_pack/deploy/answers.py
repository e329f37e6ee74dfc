"""Reading the API's answers: errors, list pages, alert bodies, Retry-After, odd JSON.

Everything here comes from the server and is untrusted: any shape, size, nesting or text must
give a clear ApiError, never a crash.
"""

from __future__ import annotations

import json
import math
import re
import time
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from coralogix_pack.coralogix.api import ALERTS
from coralogix_pack.core.errors import CoralogixPackError

_ASCII_DIGITS = re.compile(r"[0-9]{1,18}")


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


def redirect_message(method: str, url: str, response: httpx.Response) -> str:
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


def page_parts(body: dict[str, Any], page: int) -> tuple[list[dict[str, Any]], str | None, int]:
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


def alert_def(body: dict[str, Any], method: str) -> dict[str, Any]:
    alert = body.get("alertDef")
    if not isinstance(alert, dict) or not isinstance(alert.get("id"), str) or not alert["id"].strip():
        raise ApiError(
            f"{method} {ALERTS}: no alertDef with an id in the answer (is this the Coralogix API?)"
        )
    return alert
