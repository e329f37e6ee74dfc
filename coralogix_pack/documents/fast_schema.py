"""A compiled yes/no JSON Schema check, for the common case where a document is valid.

jsonschema explains errors well but walks the schema interpretively; at catalog scale (thousands
of detections) that walk is most of the run. fastjsonschema compiles the same schema into Python
once. It is used only to answer "valid?": on any doubt the caller runs jsonschema, which produces
the diagnostics, so messages never depend on this module. Formats are delegated to jsonschema's
own checker so the compiled check is never more lenient than the interpreted one.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import fastjsonschema
from jsonschema import Draft202012Validator

Check = Callable[[Any], Any]


@cache
def _format(name: str) -> Callable[[Any], bool]:
    checker = Draft202012Validator.FORMAT_CHECKER
    return lambda value: checker.conforms(value, name)


def compile_check(schema: dict[str, Any]) -> Check | None:
    """A compiled validator, or None when the schema uses something fastjsonschema cannot compile."""
    formats = {name: _format(name) for name in Draft202012Validator.FORMAT_CHECKER.checkers}
    try:
        return fastjsonschema.compile(schema, formats=formats, use_default=False)
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
    """A schema's compiled check, built only once enough documents need it: compiling costs about
    as much as interpreting a hundred small documents, so small catalogs never pay for it."""

    WARMUP = 100

    def __init__(self, schema: dict[str, Any]):
        self.schema = schema
        self.seen = 0
        self._check: Check | None = None
        self._compiled = False

    def compiled(self) -> Check | None:
        if not self._compiled:
            self._check = compile_check(self.schema)
            self._compiled = True
        return self._check

    def surely_valid(self, instance: Any) -> bool:
        self.seen += 1
        return self.seen > self.WARMUP and surely_valid(self.compiled(), instance)
