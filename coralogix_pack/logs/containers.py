"""What holds the records of one input, told from its first bytes: NDJSON or a JSON document (the
default), a CSV export (by name or by its header row), or an Event Hub Capture file (Avro); and the
records one JSON value holds (a message, a page, an answer)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from coralogix_pack.core.timeutil import utc_text

AVRO_MAGIC = b"Obj\x01"
# header columns of an AzureActivity export; one of them on a first line that is not JSON means CSV
_CSV_HEADER = re.compile(rb"(^|,)\"?(TimeGenerated|OperationNameValue|OperationName|ActivityStatusValue)\b")


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


class BrokenAvro(Exception):
    """An Avro file fastavro cannot read (a damaged header, schema or block), in words."""


def capture_events(handle: IO[bytes]) -> Iterator[tuple[Any, str | None]]:
    """(Body, EnqueuedTimeUtc as RFC 3339) of each event of an Event Hub Capture file; BrokenAvro
    when the file is truncated or stops making sense (after the events read before)."""
    from fastavro import reader

    try:
        events = reader(handle)
        _check_capture_schema(events.writer_schema)
        for event in events:
            if not isinstance(event, dict):
                yield None, None
                continue
            enqueued = event.get("EnqueuedTimeUtc")
            yield event.get("Body"), utc_text(enqueued) if isinstance(enqueued, str) else None
    except EOFError as exc:
        raise BrokenAvro(f"the file ends inside a block of events, truncated ({str(exc)[:120]})") from None
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:  # fastavro's errors
        raise BrokenAvro(str(exc)[:160] or type(exc).__name__) from None


def _check_capture_schema(schema: Any) -> None:
    """BrokenAvro for an Avro file whose events have no ``Body``: not an Event Hub Capture file."""
    fields = schema.get("fields", []) if isinstance(schema, dict) else []
    names = [str(f.get("name")) for f in fields if isinstance(f, dict)]
    if "Body" not in names:
        named = ", ".join(names[:8]) or "none"
        raise BrokenAvro(f"its events have no Body field (fields: {named}): not an Event Hub Capture file")


def records_of(value: Any) -> list[Any] | None:
    """The records of one JSON value: an Event Hub message, a REST ``value`` page, a Log Analytics
    ``tables`` answer, a JSON array, or one record."""
    if isinstance(value, list):
        return value
    if not isinstance(value, dict):
        return None
    for key in ("records", "value"):
        if isinstance(value.get(key), list):
            records: list[Any] = value[key]
            return records
    if isinstance(value.get("tables"), list):
        return _table_rows(value["tables"])
    answer = value.get("result") or (value.get("response") or {}).get("results")  # a DataPrime answer
    if isinstance(answer, dict) and isinstance(answer.get("results"), list):
        rows: list[Any] = answer["results"]
        return rows
    if len(value) == 1 and next(iter(value)) in _ANSWER_LINES:
        return []  # queryId, warning and statistics lines of a DataPrime answer hold no record
    return [value]


_ANSWER_LINES = ("queryId", "warning", "statistics")


def _table_rows(tables: list[Any]) -> list[Any]:
    rows: list[Any] = []
    for table in tables:
        if isinstance(table, dict):
            names = [c.get("name") for c in table.get("columns", []) if isinstance(c, dict)]
            rows += [
                dict(zip(names, row, strict=False)) for row in table.get("rows", []) if isinstance(row, list)
            ]
    return rows
