"""A compiled yes/no JSON Schema check, for the common case where a document is valid.

jsonschema explains errors well but walks the schema interpretively, and importing it costs more
than compiling one of our schemas: so fastjsonschema compiles the schema into Python and answers
only "valid?". On any doubt the caller runs jsonschema (imported then), which produces the
diagnostics, so messages never depend on this module. Formats are checked by the strict functions
below, never more lenient than jsonschema's; a schema using another format is left to jsonschema.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import fastjsonschema

Check = Callable[[Any], Any]

_RFC3339 = re.compile(r"\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(?:\.\d+)?(?:[Zz]|[+-]\d\d:\d\d)")


def _date_time(value: str) -> bool:
    """RFC 3339 and a real date and time (no leap second: stricter than any jsonschema setup)."""
    if not _RFC3339.fullmatch(value):
        return False
    try:
        datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


FORMATS: dict[str, Callable[[str], bool]] = {"date-time": _date_time}


def _formats(schema: Any) -> Iterator[str]:
    if isinstance(schema, dict):
        if isinstance(schema.get("format"), str):
            yield schema["format"]
        for value in schema.values():
            yield from _formats(value)
    elif isinstance(schema, list):
        for item in schema:
            yield from _formats(item)


def compile_check(schema: dict[str, Any]) -> Check | None:
    """A compiled validator, or None when the schema uses something this module cannot check."""
    if any(name not in FORMATS for name in _formats(schema)):
        return None
    try:
        return fastjsonschema.compile(schema, formats=FORMATS, use_default=False)
    except fastjsonschema.JsonSchemaDefinitionException:
        return None


def surely_valid(check: Check | None, instance: Any) -> bool:
    """True only when the compiled check accepts ``instance``; False means "ask jsonschema"."""
    if check is None:
        return False
    try:
        check(instance)
    except Exception:  # a rejection, or a compiled check tripping on odd input: ask jsonschema
        return False
    return True


class FastSchema:
    """A schema's compiled check, compiled on first use."""

    def __init__(self, schema: dict[str, Any]):
        self.schema = schema
        self._check: Check | None = None
        self._compiled = False

    def compiled(self) -> Check | None:
        if not self._compiled:
            self._check = compile_check(self.schema)
            self._compiled = True
        return self._check

    def surely_valid(self, instance: Any) -> bool:
        return surely_valid(self.compiled(), instance)
