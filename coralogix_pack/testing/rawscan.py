"""Which NDJSON lines a backtest must parse at all: the raw-bytes prefilter.

On mixed traffic nearly every line is an Event Hub record whose operation no detection looks at,
and parsing it would be most of the cost of a replay. So a block of whole lines is scanned as bytes
first, and a line is left unparsed only when it is certainly such a record:

- it opens with a top-level ``"time"`` holding a valid UTC time (so parsing would count a record,
  not a skip) and its object closes at the end of the line;
- it has exactly one visible ``"operationName"`` key, written ``"operationName":"`` and holding a
  plain string (no escape, valid UTF-8) that no query's operation tokens accept;
- no ``\\u`` escape could hide a second ``operationName`` key.

Every doubt means "parse it": other spacing, key order, a nested or duplicate key, an escape,
CRLF, a blank or broken line. The answer per operation value is remembered. What the skip cannot
see are defects inside a line that opens and closes like a record (broken JSON in the middle, a
duplicate ``time``, a ``records`` array beside a top-level time): those lines are counted as records
instead of skips, which changes no match and no alert; ``--strict`` parses every line.
"""

from __future__ import annotations

import re

from coralogix_pack.lucene.prefilter import Prefilter

KEY = b'"operationName"'
VALUE_AT = len(KEY)  # the value opens with `:"` right after the key
# `{"time":"` and a UTC time the parser accepts: years 1900-2099, real days (29 February is left
# to the parser), hours, minutes and seconds in range.
OPENS_RECORD = re.compile(
    rb'\{"time":"(?:19|20)\d\d-'
    rb"(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)"
    rb'T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,9})?Z"'
)
CLOSE_BRACE = ord("}")
MEMO_LIMIT = 100_000

Line = tuple[int, int, int]  # index of the line in the block, its start and its end (after the newline)


class RawScan:
    """The raw check for one set of queries: build it with ``for_prefilter``."""

    def __init__(self, prefilter: Prefilter):
        self.prefilter = prefilter
        self._irrelevant: dict[bytes, bool] = {}

    @classmethod
    def for_prefilter(cls, prefilter: Prefilter) -> RawScan | None:
        """None unless every query needs tokens of the top-level ``operationName``."""
        if prefilter.single_field != "operationName" or prefilter.always:
            return None
        return cls(prefilter)

    def lines_to_parse(self, block: bytes, pos: int, stop: int) -> tuple[int, list[Line]]:
        """The number of lines in ``block[pos:stop]`` (whole lines, each ending in a newline) and the
        lines among them that must be parsed. One loop, no call per line: this is the hot path."""
        find = block.find
        known = self._irrelevant.get
        opens_record = OPENS_RECORD.match
        key, after_key, close_brace = KEY, VALUE_AT, CLOSE_BRACE  # locals: read once per line
        to_parse: list[Line] = []
        index = 0
        key_at = find(key, pos, stop)  # the next visible key: each byte is searched once
        while pos < stop:
            newline = find(b"\n", pos, stop)
            if 0 <= key_at < newline:
                value_end = find(b'"', key_at + after_key + 2, newline)
                value = block[key_at + after_key : value_end] if value_end > 0 else b""
                irrelevant = known(value)
                if irrelevant is None:
                    irrelevant = self._learn(value)
                key_at = find(key, key_at + after_key, stop)
                if (
                    irrelevant
                    and not 0 <= key_at < newline
                    and block[newline - 1] == close_brace
                    and opens_record(block, pos)
                    and (find(b"\\", pos, newline) < 0 or find(b"\\u", pos, newline) < 0)
                ):
                    pos = newline + 1
                    index += 1
                    continue
                while 0 <= key_at < newline:
                    key_at = find(key, key_at + after_key, stop)
            to_parse.append((index, pos, newline + 1))
            pos = newline + 1
            index += 1
        return index, to_parse

    def _learn(self, value: bytes) -> bool:
        """``value`` is `:"` and the raw operation name: True when no query can accept it."""
        verdict = value[:2] == b':"' and _irrelevant(value[2:], self.prefilter)
        if len(self._irrelevant) < MEMO_LIMIT:
            self._irrelevant[value] = verdict
        return verdict


def _irrelevant(raw: bytes, prefilter: Prefilter) -> bool:
    if b"\\" in raw:
        return False
    try:
        operation = raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not prefilter.candidates({"operationName": operation})
