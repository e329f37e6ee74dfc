"""Streaming readers for exported Activity Logs.

Accepted: NDJSON (one record per line, or one Event Hub message ``{"records": [...]}``
per line), a JSON document of the Event Hub form, and gzip of either. Lines are
read one at a time so memory stays flat; a whole-file JSON document (pretty
printed) is the one form that is read at once.
"""

from __future__ import annotations

import heapq
import io
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import IO, Any, NamedTuple

from coralogix_pack.logs.bytestreams import (
    MAX_LINE_BYTES,
    OVERLONG,
    READ_ERRORS,
    STDIN,
    Window,
    blocks,
    bounded_line,
    every_line,
    open_input,
    why,
)
from coralogix_pack.logs.containers import BrokenAvro, capture_events, container, records_of
from coralogix_pack.logs.formats import FORM_NAMES, FORMATS, describe_shape, missing_time, to_eventhub
from coralogix_pack.logs.inputs import is_log_file
from coralogix_pack.logs.rawscan import RawScan

try:  # orjson parses several times faster; the stdlib is the fallback
    import orjson

    _loads: Callable[[bytes], Any] = orjson.loads
    _DecodeError: type[Exception] = orjson.JSONDecodeError
except ImportError:  # pragma: no cover - depends on the environment
    _loads = json.loads
    _DecodeError = json.JSONDecodeError


class Location(NamedTuple):
    """Location a record or a skip is: a file, a line (0: the whole file) and the 1-based index of a
    record inside an Event Hub message (0: none). A tuple, so the hot path builds it cheaply; text
    only when printed."""

    file: Path
    line: int = 0  # or, in an Event Hub Capture file, the event
    item: int = 0  # (not ``index``: that would shadow tuple.index)
    unit: str = "line"  # or "event": file#event:record

    def __str__(self) -> str:
        if self.unit == "event":
            return f"{self.file}#{self.line}" + (f":{self.item}" if self.item else "")
        line = f":{self.line}" if self.line else ""
        return f"{self.file}{line}" + (f"#{self.item}" if self.item else "")

    def shifted(self, lines: int) -> Location:
        """The same place in a file whose first ``lines`` lines a worker did not see."""
        return self._replace(line=self.line + lines) if self.line else self


class SkipKind(StrEnum):
    UNREADABLE = "unreadable"  # the file could not be opened, or reading it stopped
    LINE = "line"  # a line that is not JSON, over the cap, or not an object
    RECORD = "record"  # a record that is not an object, lacks a time, or has an unknown shape
    SHAPE = "shape"  # a file's first record of unknown shape, described in full (once per file)


@dataclass(frozen=True)
class Match:
    time: float
    number: int
    detections: tuple[str, ...]
    groups: tuple[Any, ...] = ()  # per detection: its group (or new value) when its firing needs one
    where: Location | None = None
    arrival: float | None = None  # when the record reached Coralogix, when the backtest models it


@dataclass(frozen=True)
class Skipped:
    where: Location
    reason: str
    kind: SkipKind = SkipKind.LINE


MAX_CSV_COLUMNS = 10_000  # an AzureActivity export has about 50
MAX_DOCUMENT_BYTES = 256 * 2**20  # a pretty-printed JSON document is read whole; NDJSON streams


class Reader:
    """Yields ``(record, where)`` for every JSON object record of the inputs, reporting each
    unusable line as Skipped. ``where`` is a Location: a tuple, so the hot path never formats text.

    ``raw_scan`` counts lines no query can match without parsing them; ``window`` reads only the
    bytes ``(start, end)`` of a single path (a part of ``--jobs``)."""

    def __init__(
        self,
        paths: Iterable[Path],
        on_skip: Callable[[Skipped], None],
        on_bytes: Callable[[int], None] | None = None,
        input_format: str = "auto",
        *,
        raw_scan: RawScan | None = None,
        window: tuple[int, int] | None = None,
    ):
        self.paths = list(paths)
        self.on_skip = on_skip
        self.on_bytes = on_bytes
        self.input_format = input_format
        self._unknown_reported: set[Path] = set()
        self.raw_scan = raw_scan
        self.unparsed = 0
        self.window = window
        self.seen: Counter[Path] = Counter()  # records read per file (unparsed ones included)

    def __iter__(self) -> Iterator[tuple[dict[str, Any], Location]]:
        for path in self.paths:
            yield from self._file(path) if self.window is None else self.segment(path, *self.window)

    def _file(self, path: Path) -> Iterator[tuple[dict[str, Any], Location]]:
        try:
            handle = open_input(path, self.on_bytes)
        except READ_ERRORS as exc:
            self.on_skip(Skipped(Location(path), f"cannot read: {why(exc)}", SkipKind.UNREADABLE))
            return
        self._at = 0
        try:
            with handle:
                kind = container(path, handle, self.input_format)
                if kind == "csv":
                    yield from self._csv(path, handle)
                elif kind == "avro":
                    yield from self._avro(path, handle)
                else:
                    yield from self._lines(path, handle)
        except READ_ERRORS as exc:
            reason = f"stopped reading this file: {why(exc)}"
            self.on_skip(Skipped(Location(path, self._at + 1), reason, SkipKind.UNREADABLE))
        except BrokenAvro as exc:
            reason = f"stopped reading this Event Hub Capture (Avro) file: {exc}"
            self.on_skip(Skipped(Location(path, self._at + 1, 0, "event"), reason, SkipKind.UNREADABLE))

    def _lines(self, path: Path, handle: IO[bytes]) -> Iterator[tuple[dict[str, Any], Location]]:
        first = bounded_line(handle)
        start = 2
        if first.lstrip().startswith((b"{", b"[")) and not parses(first):
            second = bounded_line(handle)
            if not (second.strip() and parses(second)):  # one pretty-printed JSON document, read whole
                text = first + second + handle.read(MAX_DOCUMENT_BYTES)
                if len(text) > MAX_DOCUMENT_BYTES:
                    self.on_skip(
                        Skipped(
                            Location(path),
                            "a JSON document over 256 MiB; convert it to NDJSON (jq -c)",
                            SkipKind.UNREADABLE,
                        )
                    )
                    return
                yield from self._line(path, 1, text)
                return
            yield from self._line(path, 1, first)  # NDJSON whose first line is broken: stream the rest
            first, start = second, 3
            self._at = 1
        yield from self._line(path, start - 1, first)
        yield from self._ndjson(path, handle, start)

    def segment(self, path: Path, start: int, end: int) -> Iterator[tuple[dict[str, Any], Location]]:
        """The NDJSON lines of ``path`` from byte ``start`` (a line start) to ``end``, numbered from
        1 at ``start``; the first segment of a file is read like the whole file. ``lines_read``
        then says how many lines it held."""
        self._at = 0
        try:
            with path.open("rb", buffering=0) as raw:
                raw.seek(start)
                handle = io.BufferedReader(Window(raw, end - start), 1 << 20)
                yield from self._lines(path, handle) if start == 0 else self._ndjson(path, handle, 1)
        except READ_ERRORS as exc:
            reason = f"stopped reading this file: {why(exc)}"
            self.on_skip(Skipped(Location(path, self._at + 1), reason, SkipKind.UNREADABLE))

    @property
    def lines_read(self) -> int:
        return self._at

    def _ndjson(self, path: Path, handle: IO[bytes], start: int) -> Iterator[tuple[dict[str, Any], Location]]:
        """Lines from ``handle`` numbered from ``start``, through the raw scan when there is one."""
        scan = self.raw_scan.lines_to_parse if self.raw_scan is not None else every_line
        read = 0  # lines read so far
        seen = self.seen
        for block, pos, stop in blocks(getattr(handle, "read1", handle.read)):
            count, to_parse = scan(block, pos, stop)
            unparsed = count - len(to_parse)
            self.unparsed += unparsed  # records no query can match: counted, never parsed
            common = 0
            for index, begin, end in to_parse:  # the hot loop: no generator between block and parse
                line = block[begin:end]
                line_number = start + read + index
                try:
                    value = _loads(line)
                except (_DecodeError, ValueError):
                    yield from self._line(path, line_number, line)  # the slow path reports why
                    continue
                if type(value) is dict and "time" in value and "records" not in value:  # the common case
                    common += 1
                    yield value, Location(path, line_number)
                else:
                    yield from self._line(path, line_number, line)
            seen[path] += common + unparsed
            read += count
            self._at = start - 1 + read

    def _line(self, path: Path, line_number: int, line: bytes) -> Iterator[tuple[dict[str, Any], Location]]:
        if not line.strip():
            return
        try:
            value = _loads(line)
        except (_DecodeError, ValueError, UnicodeDecodeError) as exc:
            reason = "line over 16 MiB" if line == OVERLONG else f"not JSON ({str(exc).splitlines()[0][:80]})"
            self.on_skip(Skipped(Location(path, line_number), reason))
            return
        yield from self._value(Location(path, line_number), value)

    def _value(
        self, where: Location, value: Any, extra: dict[str, Any] | None = None
    ) -> Iterator[tuple[dict[str, Any], Location]]:
        """The records of one JSON value at ``where``; ``extra`` fields are added to each."""
        if isinstance(value, dict) and len(value) == 1 and isinstance(value.get("error"), dict | str):
            message = json.dumps(value["error"], ensure_ascii=False)[:160]
            self.on_skip(Skipped(where, f"a DataPrime answer's error line: {message}"))
            return
        records = records_of(value)
        if records is None:
            self.on_skip(Skipped(where, "not a JSON object"))
            return
        batch = len(records) > 1 or not records or records[0] is not value  # identity: no deep compare
        for index, record in enumerate(records, 1):
            at = where._replace(item=index) if batch else where
            if not isinstance(record, dict):
                self.on_skip(Skipped(at, "record is not a JSON object", SkipKind.RECORD))
                continue
            if extra:
                record = {**extra, **record}
            mapped = self._mapped(record, at)
            if mapped is not None:
                yield mapped, at

    def _avro(self, path: Path, handle: IO[bytes]) -> Iterator[tuple[dict[str, Any], Location]]:
        """An Event Hub Capture file: each event's Body is a message of records; the event's
        EnqueuedTimeUtc (its arrival) is kept on each record for ``--arrival-field``."""
        for number, (body, enqueued) in enumerate(capture_events(handle), 1):
            self._at = number
            where = Location(path, number, 0, "event")
            try:
                value = _loads(body) if isinstance(body, bytes) else None
            except (_DecodeError, ValueError) as exc:
                self.on_skip(Skipped(where, f"event body is not JSON ({str(exc).splitlines()[0][:80]})"))
                continue
            if value is None:
                self.on_skip(Skipped(where, "event without a body"))
                continue
            yield from self._value(where, value, {"EnqueuedTimeUtc": enqueued} if enqueued else None)

    def _csv(self, path: Path, handle: IO[bytes]) -> Iterator[tuple[dict[str, Any], Location]]:
        """A Log Analytics (AzureActivity) CSV export: a header row, then one record per row."""
        import csv

        csv.field_size_limit(MAX_LINE_BYTES)  # the default (128 KiB) raised on long fields
        text = io.TextIOWrapper(handle, encoding="utf-8-sig", errors="replace", newline="")
        rows = csv.DictReader(text)
        count = 0
        try:
            for row in rows:
                count += 1
                self._at = rows.line_num - 1
                where = Location(path, rows.line_num)
                if len(row) > MAX_CSV_COLUMNS:
                    self.on_skip(Skipped(where, f"a row of over {MAX_CSV_COLUMNS} columns", SkipKind.RECORD))
                    continue
                mapped = self._mapped({_column(k): v for k, v in row.items() if k is not None}, where)
                if mapped is not None:
                    yield mapped, where
            if rows.fieldnames and not count:
                self.on_skip(Skipped(Location(path, 1), "a CSV header and no rows", SkipKind.UNREADABLE))
        except csv.Error as exc:
            reason = (
                f"stopped reading this CSV file: {str(exc)[:120]} (a field over 16 MiB or a broken quote)"
            )
            self.on_skip(Skipped(Location(path, rows.line_num), reason, SkipKind.UNREADABLE))

    def _mapped(self, record: dict[str, Any], where: Location) -> dict[str, Any] | None:
        """The record in Event Hub form; an unknown shape is reported (its keys once per file), and
        so is a record of a known form without its time field (naming both)."""
        forced = self.input_format if self.input_format in FORMATS else "auto"
        mapped, form = to_eventhub(record, forced)
        if mapped is not None:
            if "time" not in mapped:
                self.on_skip(Skipped(where, f"no usable time: {missing_time(record, form)}", SkipKind.RECORD))
                return None
            self.seen[where.file] += 1
            return mapped
        if form == "coralogix":  # a known form whose record is missing or not JSON
            self.on_skip(
                Skipped(where, f"{FORM_NAMES[form][0]} whose userData is not a JSON object", SkipKind.RECORD)
            )
            return None
        if where.file not in self._unknown_reported:
            self._unknown_reported.add(where.file)
            described = f"{describe_shape(record)}; readable forms: {', '.join(FORMATS)}"
            self.on_skip(Skipped(where, described, SkipKind.SHAPE))
        else:
            self.on_skip(Skipped(where, "unknown record shape", SkipKind.RECORD))
        return None


def _column(name: str) -> str:
    """A CSV column name without the portal's time-zone suffix (``TimeGenerated [UTC]``)."""
    return name[:-6] if name.endswith(" [UTC]") else name


def input_problem(path: Path) -> str:
    """Why a backtest input cannot be read, or "" (stdin as -, files, named pipes and folders with
    log files are fine)."""
    if path == STDIN:
        return ""
    try:
        if path.is_dir():
            if any(is_log_file(p) for p in path.rglob("*")):
                return ""
            return "a folder without log files (.json, .ndjson, .jsonl, .csv, .avro, or gzip of them)"
        if not path.exists():
            return "input file not found"
        if not (path.is_file() or path.is_fifo()):
            return "not a file or a pipe"
    except OSError as exc:
        return f"cannot read: {exc.strerror}"
    return ""


def parses(line: bytes) -> bool:
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
