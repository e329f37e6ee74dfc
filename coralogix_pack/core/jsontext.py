"""JSON text written by orjson where it gives exactly the standard library's bytes."""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

# orjson and the standard library write some floats differently (1.5e-05) and orjson refuses
# integers beyond 64 bits. Every float orjson writes is a number token holding `.` or an exponent,
# first or after `:`, `[` or `,` (text inside strings may look the same, which only costs the slower
# path); two patterns, so the search can skip ahead to the punctuation instead of trying every
# position
FLOAT_TEXT = re.compile(rb"[:\[,]-?[0-9]+[.eE]")
FLOAT_FIRST = re.compile(rb"-?[0-9]+[.eE]")


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


def loads(text: str) -> Any:
    """``json.loads``, through orjson when it reads the text (it refuses integers beyond 64 bits
    and lone surrogates, which the standard library then reads)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)
