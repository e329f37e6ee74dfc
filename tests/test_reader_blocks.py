"""The block reader under backtest: whole lines whatever the read sizes, overlong lines as one marker."""

from __future__ import annotations

import io
from unittest import mock

from hypothesis import given
from hypothesis import strategies as st

from coralogix_pack.logs import bytestreams
from coralogix_pack.logs.bytestreams import OVERLONG, every_line
from coralogix_pack.logs.bytestreams import blocks as _blocks

SMALL_MAX = 40  # MAX_LINE_BYTES for these tests, so overlong lines stay small


def _expected(lines: list[bytes], trailing_newline: bool) -> list[bytes]:
    out = []
    for index, line in enumerate(lines):
        last = index == len(lines) - 1
        whole = line + b"\n"
        if last and not trailing_newline and not line:
            continue  # nothing after the final newline
        out.append(OVERLONG if len(whole) > SMALL_MAX else whole)
    return out


def _read_in(chunks: list[int], data: bytes):
    stream = io.BytesIO(data)
    sizes = iter(chunks)

    def read(limit: int) -> bytes:
        return stream.read(min(limit, next(sizes, limit)))

    return read


@given(
    lines=st.lists(st.binary(max_size=60).map(lambda b: b.replace(b"\n", b"x")), min_size=1, max_size=30),
    trailing_newline=st.booleans(),
    chunks=st.lists(st.integers(1, 90), max_size=40),
    block=st.sampled_from([1, 7, 23, SMALL_MAX]),  # as in use: a block never exceeds the line cap
)
def test_blocks_yield_every_line_once_whatever_the_read_sizes(lines, trailing_newline, chunks, block):
    data = b"\n".join(lines) + (b"\n" if trailing_newline else b"")
    got = []
    small = mock.patch.object(bytestreams, "MAX_LINE_BYTES", SMALL_MAX)
    with small, mock.patch.object(bytestreams, "BLOCK_BYTES", block):
        for buffer, start, stop in _blocks(_read_in(chunks, data)):
            assert buffer[stop - 1 : stop] == b"\n"  # whole lines only
            count, found = every_line(buffer, start, stop)
            assert count == len(found)
            got += [buffer[begin:end] for _, begin, end in found]
    assert got == _expected(lines, trailing_newline)


def test_an_overlong_line_is_one_skip_with_its_number_and_reading_goes_on(tmp_path):
    from conftest import CATALOG

    from coralogix_pack.catalog.loader import load_catalog
    from coralogix_pack.offline.backtest import backtest
    from coralogix_pack.values.model import Values

    record = b'{"time":"2026-11-20T10:00:00Z","operationName":"Microsoft.Compute/virtualMachines/delete",'
    record += b'"resultType":"Success","resultSignature":"Succeeded."}\n'
    path = tmp_path / "logs.ndjson"
    path.write_bytes(record + b'{"time":"' + b"x" * (17 * 2**20) + b'"}\n' + record)
    result = backtest(load_catalog(CATALOG), [path], Values())
    assert (result.records, result.skipped) == (2, 1)
    assert [(str(s.where), s.reason) for s in result.skip_reasons] == [(f"{path}:2", "line over 16 MiB")]
    alerts = [a["records"] for a in result.as_dict()["alerts"] if a["detection"] == "vm-deleted"]
    assert alerts == [[f"{path}:1"], [f"{path}:3"]]
