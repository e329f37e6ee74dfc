"""Streaming readers for exported Activity Logs.

Accepted: NDJSON (one record per line, or one Event Hub message ``{"records": [...]}``
per line), a JSON document of the Event Hub form, and gzip of either. Lines are
read one at a time so memory stays flat; a whole-file JSON document (pretty
printed) is the one form that is read at once.
"""

from __future__ import annotations

import gzip
import heapq
import io
import json
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from coralogix_pack.testing.formats import FORMATS, describe_shape, to_eventhub
from coralogix_pack.testing.rawscan import RawScan

try:  # orjson parses several times faster; the stdlib is the fallback
    import orjson

    _loads: Callable[[bytes], Any] = orjson.loads
    _DecodeError: type[Exception] = orjson.JSONDecodeError
except ImportError:  # pragma: no cover - depends on the environment
    _loads = json.loads
    _DecodeError = json.JSONDecodeError


@dataclass(frozen=True)
class Match:
    time: float
    number: int
    detections: tuple[str, ...]
    groups: tuple[str | None, ...] = ()  # per detection: its group-by key, when it counts per group
    where: Where | None = None  # the file, line and index inside an Event Hub message


@dataclass(frozen=True)
class Skipped:
    where: str
    reason: str


STDIN = Path("-")
MAX_LINE_BYTES = 16 * 2**20  # an Event Hub message of many records fits; beyond it, skip the line
OVERLONG = b"\x00overlong\n"  # stands for a line over MAX_LINE_BYTES: never valid JSON
MAX_DOCUMENT_BYTES = 256 * 2**20  # a pretty-printed JSON document is read whole; NDJSON streams
# What a damaged gzip or a failing disk raises while reading (EOFError: a truncated gzip).
READ_ERRORS = (OSError, EOFError, zlib.error)


class _Window(io.RawIOBase):
    """The next ``size`` bytes of a raw file: a segment for a worker of ``--jobs``."""

    def __init__(self, inner: Any, size: int):
        super().__init__()
        self.inner, self.remaining = inner, size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.remaining <= 0:
            return 0
        view = memoryview(buffer)[: self.remaining]
        count = int(self.inner.readinto(view) or 0)
        self.remaining -= count
        return count


class _Counting(io.RawIOBase):
    """Reports the bytes read from the file itself: for gzip input that is the compressed size,
    the same unit as the file sizes a progress bar totals."""

    def __init__(self, inner: Any, on_bytes: Callable[[int], None]):
        super().__init__()
        self.inner, self.on_bytes = inner, on_bytes

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = int(self.inner.readinto(buffer) or 0)
        self.on_bytes(count)
        return count

    def close(self) -> None:
        self.inner.close()
        super().close()


def _open(path: Path, on_bytes: Callable[[int], None] | None = None) -> IO[bytes]:
    """Open once (a pipe cannot be reopened), sniff gzip from the first bytes."""
    raw: Any = sys.stdin.buffer if path == STDIN else path.open("rb", buffering=0)
    if on_bytes is not None and path != STDIN:
        raw = _Counting(raw, on_bytes)
    buffered = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(raw, 1 << 20)
    if buffered.peek(2)[:2] == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=buffered, mode="rb")  # type: ignore[return-value]
    return buffered


def _records_of(value: Any) -> list[Any] | None:
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
    return [value]


def _table_rows(tables: list[Any]) -> list[Any]:
    rows: list[Any] = []
    for table in tables:
        if isinstance(table, dict):
            names = [c.get("name") for c in table.get("columns", []) if isinstance(c, dict)]
            rows += [
                dict(zip(names, row, strict=False)) for row in table.get("rows", []) if isinstance(row, list)
            ]
    return rows


class Reader:
    """Yields ``(record, where)`` for every JSON object record of the inputs, reporting each
    unusable line as Skipped. ``where`` is a plain tuple so the hot path never formats text."""

    def __init__(
        self,
        paths: Iterable[Path],
        on_skip: Callable[[Skipped], None],
        on_bytes: Callable[[int], None] | None = None,
        input_format: str = "auto",
    ):
        self.paths = list(paths)
        self.on_skip = on_skip
        self.on_bytes = on_bytes
        self.input_format = input_format
        self._unknown_reported: set[Path] = set()
        self.raw_scan: RawScan | None = None
        self.unparsed = 0
        self.window: tuple[int, int] | None = None  # read only these bytes of a single path

    def __iter__(self) -> Iterator[tuple[dict[str, Any], Where]]:
        for path in self.paths:
            yield from self._file(path) if self.window is None else self.segment(path, *self.window)

    def _file(self, path: Path) -> Iterator[tuple[dict[str, Any], Where]]:
        try:
            handle = _open(path, self.on_bytes)
        except READ_ERRORS as exc:
            self.on_skip(Skipped(str(path), f"cannot read: {_why(exc)}"))
            return
        self._at = 0
        try:
            with handle:
                csv_file = path.name.lower().removesuffix(".gz").endswith(".csv")
                yield from self._csv(path, handle) if csv_file else self._lines(path, handle)
        except READ_ERRORS as exc:
            self.on_skip(Skipped(f"{path}:{self._at + 1}", f"stopped reading this file: {_why(exc)}"))

    def _lines(self, path: Path, handle: IO[bytes]) -> Iterator[tuple[dict[str, Any], Where]]:
        first = handle.readline()
        start = 2
        if first.lstrip().startswith((b"{", b"[")) and not parses(first):
            second = handle.readline()
            if not (second.strip() and parses(second)):  # one pretty-printed JSON document, read whole
                text = first + second + handle.read(MAX_DOCUMENT_BYTES)
                if len(text) > MAX_DOCUMENT_BYTES:
                    self.on_skip(
                        Skipped(str(path), "a JSON document over 256 MiB; convert it to NDJSON (jq -c)")
                    )
                    return
                yield from self._line(path, 1, text)
                return
            yield from self._line(path, 1, first)  # NDJSON whose first line is broken: stream the rest
            first, start = second, 3
            self._at = 1
        yield from self._line(path, start - 1, first)
        yield from self._ndjson(path, handle, start)

    def segment(self, path: Path, start: int, end: int) -> Iterator[tuple[dict[str, Any], Where]]:
        """The NDJSON lines of ``path`` from byte ``start`` (a line start) to ``end``, numbered from
        1 at ``start``; the first segment of a file is read like the whole file. ``lines_read``
        then says how many lines it held."""
        self._at = 0
        try:
            with path.open("rb", buffering=0) as raw:
                raw.seek(start)
                handle = io.BufferedReader(_Window(raw, end - start), 1 << 20)
                yield from self._lines(path, handle) if start == 0 else self._ndjson(path, handle, 1)
        except READ_ERRORS as exc:
            self.on_skip(Skipped(f"{path}:{self._at + 1}", f"stopped reading this file: {_why(exc)}"))

    @property
    def lines_read(self) -> int:
        return self._at

    def _ndjson(self, path: Path, handle: IO[bytes], start: int) -> Iterator[tuple[dict[str, Any], Where]]:
        """Lines from ``handle`` numbered from ``start``, through the raw scan when there is one."""
        scan = self.raw_scan.lines_to_parse if self.raw_scan is not None else every_line
        read = 0  # lines read so far
        for block, pos, stop in _blocks(getattr(handle, "read1", handle.read)):
            count, to_parse = scan(block, pos, stop)
            self.unparsed += count - len(to_parse)  # records no query can match: counted, never parsed
            for index, begin, end in to_parse:  # the hot loop: no generator between block and parse
                line = block[begin:end]
                line_number = start + read + index
                try:
                    value = _loads(line)
                except (_DecodeError, ValueError):
                    yield from self._line(path, line_number, line)  # the slow path reports why
                    continue
                if type(value) is dict and "time" in value and "records" not in value:  # the common case
                    yield value, (path, line_number, 0)
                else:
                    yield from self._line(path, line_number, line)
            read += count
            self._at = start - 1 + read

    def _line(self, path: Path, line_number: int, line: bytes) -> Iterator[tuple[dict[str, Any], Where]]:
        if not line.strip():
            return
        try:
            value = _loads(line)
        except (_DecodeError, ValueError, UnicodeDecodeError) as exc:
            reason = "line over 16 MiB" if line == OVERLONG else f"not JSON ({str(exc).splitlines()[0][:80]})"
            self.on_skip(Skipped(f"{path}:{line_number}", reason))
            return
        records = _records_of(value)
        if records is None:
            self.on_skip(Skipped(f"{path}:{line_number}", "not a JSON object"))
            return
        batch = len(records) > 1 or records[:1] != [value]
        for index, record in enumerate(records, 1):
            where = (path, line_number, index if batch else 0)
            if not isinstance(record, dict):
                self.on_skip(Skipped(describe(where), "record is not a JSON object"))
                continue
            mapped = self._mapped(record, where)
            if mapped is not None:
                yield mapped, where

    def _csv(self, path: Path, handle: IO[bytes]) -> Iterator[tuple[dict[str, Any], Where]]:
        """A Log Analytics (AzureActivity) CSV export: a header row, then one record per row."""
        import csv

        text = io.TextIOWrapper(handle, encoding="utf-8-sig", errors="replace", newline="")
        rows = csv.DictReader(text)
        for row in rows:
            self._at = rows.line_num - 1
            where = (path, rows.line_num, 0)
            mapped = self._mapped({k: v for k, v in row.items() if k is not None}, where)
            if mapped is not None:
                yield mapped, where

    def _mapped(self, record: dict[str, Any], where: Where) -> dict[str, Any] | None:
        """The record in Event Hub form; an unknown shape is reported (its keys once per file)."""
        mapped, _ = to_eventhub(record, self.input_format)
        if mapped is None:
            path = where[0]
            if path not in self._unknown_reported:
                self._unknown_reported.add(path)
                self.on_skip(
                    Skipped(
                        describe(where), f"{describe_shape(record)}; readable forms: {', '.join(FORMATS)}"
                    )
                )
            else:
                self.on_skip(Skipped(describe(where), "unknown record shape"))
        return mapped


Where = tuple[Path, int, int]  # file, line, 1-based index inside an Event Hub message (0: none)


def describe(where: Where) -> str:
    path, line, index = where
    return f"{path}:{line}" + (f"#{index}" if index else "")


def input_problem(path: Path) -> str:
    """Why a backtest input cannot be read, or "" (stdin as -, files and named pipes are fine)."""
    if path == STDIN:
        return ""
    try:
        if path.is_dir():
            return "is a folder, not a log file"
        if not path.exists():
            return "input file not found"
        if not (path.is_file() or path.is_fifo()):
            return "not a file or a pipe"
    except OSError as exc:
        return f"cannot read: {exc.strerror}"
    return ""


BLOCK_BYTES = 1 << 20


def _blocks(read: Callable[[int], bytes]) -> Iterator[tuple[bytes, int, int]]:
    """The input as blocks of whole lines, ``(block, start, stop)`` with ``block[start:stop]`` ending
    in a newline. A line longer than MAX_LINE_BYTES is consumed and comes as OVERLONG, so memory
    stays flat whatever the input; the last line gets the newline it may lack."""
    carry: list[bytes] = []  # the start of a line that continues in the next block
    carried = 0
    dropping = False  # inside an overlong line: discard up to its newline
    while data := read(BLOCK_BYTES):
        first = data.find(b"\n")
        if first < 0:
            if not dropping:
                carry.append(data)
                carried += len(data)
                if carried >= MAX_LINE_BYTES:
                    yield OVERLONG, 0, len(OVERLONG)
                    carry, carried, dropping = [], 0, True
            continue
        start = 0
        if dropping or carry:
            if not dropping:
                head = b"".join([*carry, data[: first + 1]])
                yield (head, 0, len(head)) if len(head) <= MAX_LINE_BYTES else (OVERLONG, 0, len(OVERLONG))
            carry, carried, dropping, start = [], 0, False, first + 1
        last = data.rfind(b"\n") + 1
        if last > start:
            yield data, start, last
        if last < len(data):
            carry, carried = [data[last:]], len(data) - last
    if carry and not dropping:
        tail = b"".join([*carry, b"\n"])
        yield tail, 0, len(tail)


def every_line(block: bytes, pos: int, stop: int) -> tuple[int, list[tuple[int, int, int]]]:
    """All lines of ``block[pos:stop]`` as (index, start, end): the scan when nothing may be skipped."""
    lines = []
    index = 0
    find = block.find
    while pos < stop:
        end = find(b"\n", pos, stop) + 1
        lines.append((index, pos, end))
        pos = end
        index += 1
    return index, lines


def _why(exc: BaseException) -> str:
    if isinstance(exc, EOFError):
        return "the gzip stream is truncated"
    if isinstance(exc, gzip.BadGzipFile | zlib.error):
        return f"not a valid gzip file ({exc})"
    if isinstance(exc, IsADirectoryError):
        return "is a folder"
    return str(getattr(exc, "strerror", None) or exc)


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
