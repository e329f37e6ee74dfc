"""The DataPrime query API (POST /api/v1/dataprime/query): paced, retried, NDJSON read in full.

A 200 answer is not success yet: the stream may end in an ``error`` line or a ``statistics``
status other than COMPLETED, and a limit warning makes every count in it a lower bound.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

import httpx

from coralogix_pack import __version__
from coralogix_pack.coralogix.api import API_PATH, QUERIES_PER_MINUTE, QUERY_PATH
from coralogix_pack.deploy.answers import ApiError, retry_after
from coralogix_pack.deploy.client import MAX_ANSWER_BYTES, RetryPolicy
from coralogix_pack.deploy.deadline import Deadline, DeadlineTransport
from coralogix_pack.deploy.target import Target, checked_url

_RNG = random.Random(0)  # back-off jitter only
LIMIT_WARNINGS = (
    "numberOfResultsLimitWarning",
    "bytesScannedLimitWarning",
    "blocksLimitWarning",
    "aggregationBucketsLimitWarning",
    "archiveWarning",
    "timeRangeWarning",
)
QUERY_PERMISSIONS_HINT = (
    "the key needs the DataQuerying preset (LOGS.DATA-API#HIGH:READDATA, LOGS.DATA-API#LOW:READDATA, "
    "LEGACY-ARCHIVE-QUERIES:EXECUTE) to run queries"
)


class Tier(StrEnum):
    """Where a DataPrime query reads (the API's spelling); ``pack doctor --tier`` uses the names."""

    ARCHIVE = "TIER_ARCHIVE"
    FREQUENT = "TIER_FREQUENT_SEARCH"

    @classmethod
    def named(cls, name: str) -> Tier:
        return {"archive": cls.ARCHIVE, "frequent": cls.FREQUENT}[name.lower()]


class QueryFailed(ApiError):
    """The query did not complete: an HTTP error, an error line mid-stream, or a failed status."""


@dataclass
class Row:
    data: Any  # userData: the record (raw rows) or the output columns (aggregations)
    labels: dict[str, str] = field(default_factory=dict)
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass
class QueryResult:
    rows: list[Row]
    lower_bound: bool = False  # a limit was hit: counts are at least these
    warnings: list[str] = field(default_factory=list)


def query_url_for(target: Target, override: str | None = None) -> str:
    """The query endpoint on the same host as the alerts API, unless overridden."""
    if override:
        return checked_url(override.rstrip("/"))
    parts = urlsplit(target.base_url)
    origin = target.base_url[: len(target.base_url) - len(parts.path)] if parts.path else target.base_url
    path = parts.path.removesuffix(API_PATH)
    return f"{origin}{path}{QUERY_PATH}"


class QueryClient:
    def __init__(
        self,
        target: Target,
        *,
        query_url: str | None = None,
        timeout: float = 120.0,
        retry: RetryPolicy | None = None,
        interval: float = 60.0 / QUERIES_PER_MINUTE,
        tier: Tier = Tier.ARCHIVE,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.target = target
        self.url = query_url_for(target, query_url)
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.interval = interval
        self.tier = tier
        self.sleep = sleep
        self.sent = 0
        self._last = float("-inf")
        self.deadline = Deadline()
        self.http = httpx.Client(
            timeout=timeout,
            transport=DeadlineTransport(self.deadline),
            follow_redirects=False,
            headers={
                "Authorization": f"Bearer {target.api_key}",
                "Content-Type": "application/json",
                "User-Agent": f"coralogix-pack/{__version__}",
            },
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> QueryClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def run(self, query: str, start: str, end: str, limit: int = 1000) -> QueryResult:
        body = {
            "query": query,
            "metadata": {
                "tier": self.tier,
                "syntax": "QUERY_SYNTAX_DATAPRIME",
                "startDate": start,
                "endDate": end,
                "defaultSource": "logs",
                "limit": limit,
            },
        }
        for attempt in range(self.retry.attempts):
            self._pace()
            status, lines, wait = self._post(body)
            if status == 429 and attempt + 1 < self.retry.attempts:
                self.sleep(self.retry.delay(attempt, wait, _RNG))
                continue
            return self._result(status, lines)
        raise AssertionError("unreachable")

    def _pace(self) -> None:
        """At most QUERIES_PER_MINUTE: the limit is per team, shared with everyone else's queries."""
        wait = self._last + self.interval - time.monotonic()
        if wait > 0:
            self.sleep(wait)
        self._last = time.monotonic()

    def _post(self, body: dict[str, Any]) -> tuple[int, list[bytes], float | None]:
        self.sent += 1
        deadline = time.monotonic() + self.timeout
        self.deadline.at = deadline  # headers included: a trickling server cannot hold the run
        try:
            with self.http.stream("POST", self.url, json=body) as response:
                data = bytearray()
                for chunk in response.iter_bytes():
                    data += chunk
                    if len(data) > MAX_ANSWER_BYTES or time.monotonic() > deadline:
                        raise QueryFailed(f"POST {self.url}: the answer is too large or too slow")
                return response.status_code, bytes(data).splitlines(), retry_after(response)
        except httpx.HTTPError as exc:
            raise QueryFailed(self.target.redact(f"POST {self.url} failed: {type(exc).__name__}")) from None
        finally:
            self.deadline.at = None

    def _result(self, status: int, lines: list[bytes]) -> QueryResult:
        if status in (401, 403):
            raise QueryFailed(f"POST {self.url}: HTTP {status} ({QUERY_PERMISSIONS_HINT})", status)
        if status != 200:
            text = self.target.redact(b"\n".join(lines).decode("utf-8", "replace"))[:300]
            raise QueryFailed(f"POST {self.url}: HTTP {status} {text}".strip(), status)
        result = QueryResult([])
        for line in lines:
            if line.strip():
                self._line(line, result)
        return result

    def _line(self, line: bytes, result: QueryResult) -> None:
        try:
            item = json.loads(line)
        except (ValueError, RecursionError):
            raise QueryFailed(f"POST {self.url}: the answer is not NDJSON") from None
        if not isinstance(item, dict):
            return
        if "error" in item:
            message = (
                (item["error"] or {}).get("message", "") if isinstance(item["error"], dict) else item["error"]
            )
            raise QueryFailed(self.target.redact(f"the query failed after it started: {message}"))
        if "warning" in item and isinstance(item["warning"], dict):
            for kind, detail in item["warning"].items():
                result.lower_bound |= kind in LIMIT_WARNINGS
                result.warnings.append(f"{kind}: {json.dumps(detail, sort_keys=True)}")
        if "result" in item and isinstance(item["result"], dict):
            result.rows += [_row(r) for r in item["result"].get("results") or [] if isinstance(r, dict)]
        status = (
            (item.get("statistics") or {}).get("status") if isinstance(item.get("statistics"), dict) else None
        )
        if status is not None and status != "COMPLETED":
            raise QueryFailed(f"the query ended with status {status}")


def _pairs(items: Any) -> dict[str, str]:
    if not isinstance(items, list):
        return {}
    return {str(i.get("key")): str(i.get("value")) for i in items if isinstance(i, dict)}


def _row(raw: dict[str, Any]) -> Row:
    text = raw.get("userData")
    try:
        data = json.loads(text) if isinstance(text, str) else text
    except ValueError:
        data = text
    return Row(data, _pairs(raw.get("labels")), _pairs(raw.get("metadata")))
