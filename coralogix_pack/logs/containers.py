"""What holds the records of one input, told from its first bytes: NDJSON or a JSON document (the
default), a CSV export (by name or by its header row), or an Event Hub Capture file (Avro)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

AVRO_MAGIC = b"Obj\x01"
# header columns of an AzureActivity export; one of them on a first line that is not JSON means CSV
_CSV_HEADER = re.compile(rb"(^|,)\"?(TimeGenerated|OperationNameValue|OperationName|ActivityStatusValue)\b")
_US_TIME = re.compile(
    r"^(\d{1,2})/(\d{1,2})/(\d{4}),? (\d{1,2}):(\d{2}):(\d{2})(\.\d+)? ?([AP]M)$", re.IGNORECASE
)
_SLASHED_TIME = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2}) (\d{1,2}):(\d{2}):(\d{2})(\.\d+)?$")


def container(path: Path, handle: IO[bytes], forced: str) -> str:
    """``csv``, ``avro`` or ``lines`` (NDJSON or a JSON document) for an open input."""
    if forced == "csv" or path.name.lower().removesuffix(".gz").endswith(".csv"):
        return "csv"
    head = handle.peek(4096)[:4096]  # type: ignore[attr-defined]
    if head.startswith(AVRO_MAGIC):
        return "avro"
    first = head.split(b"\n", 1)[0].lstrip(b"\xef\xbb\xbf").strip()
    if first[:1] not in (b"{", b"[") and b"," in first and _CSV_HEADER.search(first):
        return "csv"
    return "lines"


def utc_text(value: str) -> str:
    """A Windows or portal display time as RFC 3339 (``2/3/2026 6:04:55 PM``, ``2026/02/03
    18:04:55.123``: both UTC where they come from); any other text unchanged."""
    value = value.strip()
    if found := _US_TIME.match(value):
        month, day, year, hour, minute, second, fraction, half = found.groups()
        hour24 = int(hour) % 12 + (12 if half.upper() == "PM" else 0)
        return _rfc3339(int(year), int(month), int(day), hour24, int(minute), int(second), fraction)
    if found := _SLASHED_TIME.match(value):
        year, month, day, hour, minute, second, fraction = found.groups()
        return _rfc3339(int(year), int(month), int(day), int(hour), int(minute), int(second), fraction)
    return value


def _rfc3339(
    year: int, month: int, day: int, hour: int, minute: int, second: int, fraction: str | None
) -> str:
    try:
        moment = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        return f"{year}/{month}/{day} {hour}:{minute}:{second}"  # not a date: parse_time says so
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + (fraction or "") + "Z"


class BrokenAvro(Exception):
    """An Avro file fastavro cannot read (a damaged header, schema or block), in words."""


def capture_events(handle: IO[bytes]) -> Iterator[tuple[Any, str | None]]:
    """(Body, EnqueuedTimeUtc as RFC 3339) of each event of an Event Hub Capture file; BrokenAvro
    when the file is truncated or stops making sense (after the events read before)."""
    from fastavro import reader

    try:
        for event in reader(handle):
            if not isinstance(event, dict):
                yield None, None
                continue
            enqueued = event.get("EnqueuedTimeUtc")
            yield event.get("Body"), utc_text(enqueued) if isinstance(enqueued, str) else None
    except EOFError as exc:
        raise BrokenAvro(f"the file ends inside a block of events, truncated ({str(exc)[:120]})") from None
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:  # fastavro's errors
        raise BrokenAvro(str(exc)[:160] or type(exc).__name__) from None
