"""Bytes in bounded pieces: files and stdin opened once (gzip sniffed), lines and blocks of
lines capped at MAX_LINE_BYTES so memory stays flat whatever the input, byte counts for progress.
"""

from __future__ import annotations

import gzip
import io
import sys
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

STDIN = Path("-")
MAX_LINE_BYTES = 16 * 2**20  # an Event Hub message of many records fits; beyond it, skip the line
OVERLONG = b"\x00overlong\n"  # stands for a line over MAX_LINE_BYTES: never valid JSON
# What a damaged gzip or a failing disk raises while reading (EOFError: a truncated gzip).
READ_ERRORS = (OSError, EOFError, zlib.error)


class Window(io.RawIOBase):
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


def open_input(path: Path, on_bytes: Callable[[int], None] | None = None) -> IO[bytes]:
    """Open once (a pipe cannot be reopened), sniff gzip from the first bytes."""
    raw: Any = sys.stdin.buffer if path == STDIN else path.open("rb", buffering=0)
    if on_bytes is not None and path != STDIN:
        raw = _Counting(raw, on_bytes)
    buffered = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(raw, 1 << 20)
    if buffered.peek(2)[:2] == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=buffered, mode="rb")  # type: ignore[return-value]
    return buffered


def bounded_line(handle: IO[bytes]) -> bytes:
    """The next line, or OVERLONG for one over MAX_LINE_BYTES (consumed in pieces, never held:
    a small gzip can expand to one line of gigabytes)."""
    line = handle.readline(MAX_LINE_BYTES + 1)
    if len(line) <= MAX_LINE_BYTES or line.endswith(b"\n"):
        return line
    while True:
        piece = handle.readline(1 << 20)
        if not piece or piece.endswith(b"\n"):
            return OVERLONG


BLOCK_BYTES = 1 << 20


def blocks(read: Callable[[int], bytes]) -> Iterator[tuple[bytes, int, int]]:
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
        yield (tail, 0, len(tail)) if len(tail) <= MAX_LINE_BYTES else (OVERLONG, 0, len(OVERLONG))


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


def why(exc: BaseException) -> str:
    if isinstance(exc, EOFError):
        return "the gzip stream is truncated"
    if isinstance(exc, gzip.BadGzipFile | zlib.error):
        return f"not a valid gzip file ({exc})"
    if isinstance(exc, IsADirectoryError):
        return "is a folder"
    return str(getattr(exc, "strerror", None) or exc)
