"""JSON text written by orjson where it gives exactly the standard library's bytes."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import orjson

# orjson and the standard library write some floats differently (1.5e-05) and orjson refuses
# integers beyond 64 bits. Every float orjson writes is a number token holding `.` or an exponent,
# first or after `:`, `[` or `,` (text inside strings may look the same, which only costs the slower
# path); two patterns, so the search can skip ahead to the punctuation instead of trying every
# position
FLOAT_TEXT = re.compile(rb"[:\[,]-?[0-9]+[.eE]")
FLOAT_FIRST = re.compile(rb"-?[0-9]+[.eE]")
LONG_DIGITS = re.compile(r"[0-9]{19}")


def orjson_agrees(compact: bytes) -> bool:
    """Whether orjson's compact text of a value holds no float (where the two writers differ)."""
    return not (FLOAT_TEXT.search(compact) or FLOAT_FIRST.match(compact))


def canonical(value: Any) -> str:
    """Keys sorted, no spaces, non-ASCII kept: ``json.dumps(sort_keys=True, separators=(",", ":"),
    ensure_ascii=False)``, byte for byte."""
    try:
        text = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
        if orjson_agrees(text):
            return text.decode("utf-8")
    except TypeError:  # an integer beyond 64 bits, or a type orjson does not write
        pass
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def pretty_json(value: Any, *, sort_keys: bool = False) -> str:
    """JSON with two-space indents and non-ASCII kept, exactly as ``json.dumps(indent=2)`` writes it.

    orjson writes the same bytes a hundred times faster, except for some floats (``1.5e-05``) and
    integers beyond 64 bits: a value that may hold either goes through the standard library."""
    option = orjson.OPT_INDENT_2 | (orjson.OPT_SORT_KEYS if sort_keys else 0)
    try:
        if orjson_agrees(orjson.dumps(value)):
            return orjson.dumps(value, option=option).decode("utf-8")
    except TypeError:
        pass
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=sort_keys)


def pretty_json_pieces(value: dict[str, Any], key: str, batch: int = 1000) -> Iterator[str]:
    """``pretty_json(value)`` in pieces, the list under the top-level ``key`` a ``batch`` of items
    at a time: a report of many alerts is never held as one text."""
    items = value[key]
    if not items:
        yield pretty_json(value)
        return
    head = pretty_json({**value, key: []})
    marker = f"\n  {json.dumps(key, ensure_ascii=False)}: []"  # the one top-level line at two spaces
    end = head.index(marker) + len(marker)
    yield head[: end - 1] + "\n"
    for start in range(0, len(items), batch):
        text = pretty_json(items[start : start + batch])  # `[`, items at two spaces, `]`
        lines = text[2:-2].replace("\n", "\n  ")
        yield ("" if start == 0 else ",\n") + "  " + lines
    yield "\n  ]" + head[end:]


def loads(text: str) -> Any:
    """``json.loads``, through orjson when it reads the text the same way: it refuses lone
    surrogates and reads an integer beyond 64 bits as a float, so a text holding a run of 19
    digits (which may be such an integer) goes to the standard library."""
    if LONG_DIGITS.search(text) is None:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text)
