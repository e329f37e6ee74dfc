"""Streaming readers for exported Activity Logs.

Accepted: NDJSON (one record per line, or one Event Hub message ``{"records": [...]}``
per line), a JSON document of the Event Hub form, and gzip of either. Lines are
read one at a time so memory stays flat; a whole-file JSON document (pretty
printed) is the one form that is read at once.
"""

from __future__ import annotations

import gzip
import heapq
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from coralogix_pack.testing.timeutil import BadTime, parse_time

try:  # orjson parses several times faster; the stdlib is the fallback
    import orjson

    _loads: Callable[[bytes], Any] = orjson.loads
    _DecodeError: type[Exception] = orjson.JSONDecodeError
except ImportError:  # pragma: no cover - depends on the environment
    _loads = json.loads
    _DecodeError = json.JSONDecodeError


@dataclass(frozen=True)
class Entry:
    time: float
    number: int  # 1-based record number across all inputs, in reading order
    where: str  # file:line (and #index inside an Event Hub message)
    record: dict[str, Any]


@dataclass(frozen=True)
class Match:
    time: float
    number: int
    detections: tuple[str, ...]


@dataclass(frozen=True)
class Skipped:
    where: str
    reason: str


def _open(path: Path) -> IO[bytes]:
    raw = path.open("rb")
    if raw.read(2) == b"\x1f\x8b":
        raw.seek(0)
        return gzip.GzipFile(fileobj=raw)  # type: ignore[return-value]
    raw.seek(0)
    return raw


def _records_of(value: Any) -> list[Any] | None:
    if isinstance(value, dict) and isinstance(value.get("records"), list):
        return value["records"]
    if isinstance(value, dict):
        return [value]
    return None


class Reader:
    """Yields Entry objects from files, reporting each unusable line as Skipped."""

    def __init__(
        self,
        paths: Iterable[Path],
        on_skip: Callable[[Skipped], None],
        on_bytes: Callable[[int], None] | None = None,
    ):
        self.paths = list(paths)
        self.on_skip = on_skip
        self.on_bytes = on_bytes or (lambda n: None)
        self.number = 0

    def __iter__(self) -> Iterator[Entry]:
        for path in self.paths:
            yield from self._file(path)

    def _file(self, path: Path) -> Iterator[Entry]:
        try:
            handle = _open(path)
        except OSError as exc:
            self.on_skip(Skipped(str(path), f"cannot read: {exc.strerror or exc}"))
            return
        with handle:
            first = handle.readline()
            if first.lstrip().startswith(b"{") and not _parses(first):
                # one pretty-printed JSON document
                text = first + handle.read()
                self.on_bytes(len(text))
                yield from self._line(path, 1, text)
                return
            self.on_bytes(len(first))
            yield from self._line(path, 1, first)
            for line_number, line in enumerate(handle, 2):
                self.on_bytes(len(line))
                yield from self._line(path, line_number, line)

    def _line(self, path: Path, line_number: int, line: bytes) -> Iterator[Entry]:
        if not line.strip():
            return
        where = f"{path}:{line_number}"
        try:
            value = _loads(line)
        except (_DecodeError, ValueError, UnicodeDecodeError) as exc:
            self.on_skip(Skipped(where, f"not JSON ({str(exc).splitlines()[0][:80]})"))
            return
        records = _records_of(value)
        if records is None:
            self.on_skip(Skipped(where, "not a JSON object"))
            return
        batch = len(records) > 1 or isinstance(value.get("records"), list)
        for index, record in enumerate(records, 1):
            label = f"{where}#{index}" if batch else where
            if not isinstance(record, dict):
                self.on_skip(Skipped(label, "record is not a JSON object"))
                continue
            try:
                moment = parse_time(record.get("time"))
            except BadTime as exc:
                self.on_skip(Skipped(label, str(exc)))
                continue
            self.number += 1
            yield Entry(moment, self.number, label, record)


def _parses(line: bytes) -> bool:
    try:
        _loads(line)
        return True
    except (_DecodeError, ValueError):
        return False


def in_time_order(entries: Iterable[Match], tolerance_seconds: float) -> Iterator[Match]:
    """Release items in time order, holding each until the stream has moved
    ``tolerance_seconds`` past it: memory is bounded by that span, not by the input."""
    heap: list[tuple[float, int, Match]] = []
    newest = float("-inf")
    for entry in entries:
        newest = max(newest, entry.time)
        heapq.heappush(heap, (entry.time, entry.number, entry))
        while heap and heap[0][0] <= newest - tolerance_seconds:
            yield heapq.heappop(heap)[2]
    while heap:
        yield heapq.heappop(heap)[2]
