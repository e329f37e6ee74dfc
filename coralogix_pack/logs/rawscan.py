"""Which NDJSON lines a backtest must parse at all: the raw-bytes prefilter.

On mixed traffic nearly every line is an Event Hub record that no detection can match, and parsing
it would be most of the cost of a replay. So a block of whole lines is scanned as bytes first, and a
line is left unparsed only when it is certainly such a record:

- it opens with a top-level ``"time"`` holding a valid UTC time (so parsing would count a record,
  not a skip) and its object closes at the end of the line;
- it has exactly one visible ``"operationName"`` key, written ``"operationName":"`` (or with one
  space after the colon, as ``json.dumps`` and Azure's exports write it) and holding a plain
  string (no escape, valid UTF-8), and no query can match that operation whatever the other
  fields hold (``lucene.partial``); for an operation some query looks at, the fields those queries
  require on their own (``resultType``) are read the same way, and the line is still skipped when
  the values read rule every query out (a NIC write that only started), or when a word a query
  needs appears nowhere in the line (ASCII, no ``\\u`` escape);
- no ``\\u`` escape could hide a second key.

Every doubt means "parse it": other spacing, key order, a nested or duplicate key, an escape,
CRLF, a blank or broken line. The answer per operation value is remembered. What the skip cannot
see are defects inside a line that opens and closes like a record (broken JSON in the middle, a
duplicate ``time``, a ``records`` array beside a top-level time): those lines are counted as records
instead of skips, which changes no match and no alert; ``--strict`` parses every line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from coralogix_pack.lucene.evaluator import CompiledQuery
from coralogix_pack.lucene.partial import conjunct_fields, fields_of, possible, required_words

KEY = b'"operationName"'
VALUE_AT = len(KEY)  # the value opens with `:"` (or `: "`) right after the key
# `{"time":"` (a space allowed after `{` and after `:`) and a UTC time the parser accepts: years
# 1900-2099, real days (29 February is left to the parser), hours, minutes and seconds in range.
OPENS_RECORD = re.compile(
    rb'\{ ?"time": ?"(?:19|20)\d\d-'
    rb"(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)"
    rb'T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,9})?Z"'
)
CLOSE_BRACE = ord("}")
SPACE = ord(" ")
MEMO_LIMIT = 100_000

Line = tuple[int, int, int]  # index of the line in the block, its start and its end (after the newline)


class RawScan:
    """The raw check for one set of queries: build it with ``for_queries``."""

    def __init__(self, queries: Sequence[CompiledQuery]):
        self.queries = list(queries)
        self._irrelevant: dict[bytes, bool] = {}  # `:"<operation>` -> no query can match it
        # for a line whose operation some query looks at: the fields read next, the queries those
        # values leave possible, and the words each query needs somewhere in the line
        self._second = [f for f in conjunct_fields(queries) if f != "operationName"]
        self._second_keys = [f'"{f}"'.encode() for f in self._second]
        self._possible: dict[tuple[bytes, tuple[bytes | None, ...]], tuple[int, ...]] = {}
        self._words = [
            sorted(
                (tuple(w.encode() for w in sorted(group)) for group in required_words(q.root)),
                key=lambda group: -max(len(w) for w in group),  # long words first: rarer, decided sooner
            )
            for q in queries
        ]

    @classmethod
    def for_queries(cls, queries: Sequence[CompiledQuery]) -> RawScan | None:
        """None when some query does not look at ``operationName``: then no line could be skipped."""
        if not queries or any("operationName" not in set(fields_of(q.root)) for q in queries):
            return None
        return cls(queries)

    def lines_to_parse(self, block: bytes, pos: int, stop: int) -> tuple[int, list[Line]]:
        """The number of lines in ``block[pos:stop]`` (whole lines, each ending in a newline) and the
        lines among them that must be parsed. One loop, no call per line: this is the hot path."""
        find = block.find
        known = self._irrelevant.get
        opens_record = OPENS_RECORD.match
        key, after_key, close_brace, space = KEY, VALUE_AT, CLOSE_BRACE, SPACE  # locals: read once per line
        to_parse: list[Line] = []
        index = 0
        # the next visible key and backslash, `stop` when there is none: each byte is searched once
        key_at = find(key, pos, stop)
        key_at = stop if key_at < 0 else key_at
        slash_at = find(b"\\", pos, stop)
        slash_at = stop if slash_at < 0 else slash_at
        while pos < stop:
            newline = find(b"\n", pos, stop)
            if key_at < newline:
                value_at = key_at + after_key
                value_end = find(b'"', value_at + 2, newline)
                if value_end == value_at + 2 and block[value_at + 1] == space:  # `: "`, json.dumps' style
                    value_end = find(b'"', value_at + 3, newline)
                value = block[value_at:value_end] if value_end > 0 else b""
                irrelevant = known(value)
                if irrelevant is None:
                    irrelevant = self._learn(value)
                key_at = find(key, value_at, stop)
                key_at = stop if key_at < 0 else key_at
                if (
                    key_at > newline
                    and block[newline - 1] == close_brace
                    and opens_record(block, pos)
                    and (slash_at > newline or find(b"\\u", slash_at, newline) < 0)
                    and (irrelevant or self._rules_out(block, pos, newline, value))
                ):
                    pos = newline + 1
                    index += 1
                    if slash_at < pos:
                        slash_at = find(b"\\", pos, stop)
                        slash_at = stop if slash_at < 0 else slash_at
                    continue
                while key_at < newline:
                    key_at = find(key, key_at + after_key, stop)
                    key_at = stop if key_at < 0 else key_at
            to_parse.append((index, pos, newline + 1))
            pos = newline + 1
            index += 1
            if slash_at < pos:
                slash_at = find(b"\\", pos, stop)
                slash_at = stop if slash_at < 0 else slash_at
        return index, to_parse

    def _learn(self, value: bytes) -> bool:
        """``value`` is `:"` and the raw operation name: True when no query can match it."""
        operation = _plain(value)
        verdict = operation is not None and not possible(self.queries, {"operationName": operation})
        if len(self._irrelevant) < MEMO_LIMIT:
            self._irrelevant[value] = verdict
        return verdict

    def _rules_out(self, block: bytes, pos: int, newline: int, value: bytes) -> bool:
        """For a line whose operation some query looks at: do the other fields the queries require on
        their own (``resultType``), or the words they need anywhere in the line, rule every query
        out? Runs for few lines, so it may cost a few searches."""
        raws = tuple([_raw_value(block, key, pos, newline) for key in self._second_keys])
        left = self._possible.get((value, raws))
        if left is None:
            left = self._still_possible(value, raws)
        return not left or self._words_absent(block[pos:newline], left)

    def _still_possible(self, value: bytes, raws: tuple[bytes | None, ...]) -> tuple[int, ...]:
        operation = _plain(value)
        if operation is None:
            return tuple(range(len(self.queries)))
        read = {"operationName": operation}
        for name, raw in zip(self._second, raws, strict=True):
            text = _plain(raw) if raw is not None else None
            if text is not None:
                read[name] = text
        left = tuple(possible(self.queries, read))
        if len(self._possible) < MEMO_LIMIT:
            self._possible[(value, raws)] = left
        return left

    def _words_absent(self, line: bytes, left: tuple[int, ...]) -> bool:
        """Every query in ``left`` lacks all words of one of its word groups in ``line``, which the
        caller has found free of ``\\u`` escapes. In an ASCII line a value's tokens are then text of
        the line (in lower case when folded)."""
        if not line.isascii():
            return False
        lowered = line.lower()
        for index in left:
            text = line if self.queries[index].case_sensitive else lowered
            if all(any(word in text for word in group) for group in self._words[index]):
                return False
        return True


def _raw_value(block: bytes, key: bytes, pos: int, newline: int) -> bytes | None:
    """`:"<value>` of the one visible ``key`` in the line, or None (absent, repeated or not plain)."""
    at = block.find(key, pos, newline)
    if at < 0:
        return None
    value_at = at + len(key)
    end = block.find(b'"', value_at + 2, newline)
    if end == value_at + 2 and block[value_at + 1] == SPACE:
        end = block.find(b'"', value_at + 3, newline)
    if end < 0 or block.find(key, end, newline) >= 0:
        return None
    return block[value_at:end]


def _plain(value: bytes) -> str | None:
    """The text of a raw `:"<string>` (or `: "<string>`) with no escape, or None."""
    opening = 2 if value[:2] == b':"' else 3 if value[:3] == b': "' else 0
    if not opening or b"\\" in value:
        return None
    try:
        return value[opening:].decode("utf-8")
    except UnicodeDecodeError:
        return None
