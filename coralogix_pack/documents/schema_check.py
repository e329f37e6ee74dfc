"""JSON Schema validation that reports located, readable diagnostics."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

from coralogix_pack.core.diagnostics import Diagnostic
from coralogix_pack.core.resources import SCHEMA_DIR
from coralogix_pack.documents.fast_schema import FastSchema
from coralogix_pack.documents.yaml_source import YamlDocument

if TYPE_CHECKING:  # jsonschema is imported only when a document needs its diagnostics
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

SCHEMA_CODES = {
    "additionalProperties": "CXP201",
    "required": "CXP202",
    "enum": "CXP203",
    "const": "CXP203",
    "type": "CXP204",
    "pattern": "CXP205",
    "minLength": "CXP206",
    "maxLength": "CXP206",
    "minItems": "CXP206",
    "maxItems": "CXP206",
    "minimum": "CXP206",
    "maximum": "CXP206",
}


@cache
def _bundled(schema_name: str) -> dict[str, Any]:
    return json.loads((SCHEMA_DIR / schema_name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@cache
def validator(schema_name: str) -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    # the bundled schemas are checked against the metaschema by the test suite, not on every run
    return Draft202012Validator(_bundled(schema_name), format_checker=Draft202012Validator.FORMAT_CHECKER)


@cache
def fast_check(schema_name: str) -> FastSchema:
    return FastSchema(_bundled(schema_name))


def dotted(path: tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def schema_diagnostics(doc: YamlDocument, schema_name: str, file: str) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    if not fast_check(schema_name).surely_valid(doc.data):
        for error in validator(schema_name).iter_errors(doc.data):
            found.extend(_diagnostic(leaf, doc, file) for leaf in _leaves(error))
    for path, line in doc.duplicates:
        found.append(
            Diagnostic(
                file=file,
                line=line,
                path=dotted(path),
                message="duplicate key",
                hint="each key may appear once",
                code="CXP105",
            )
        )
    return sorted(set(found))


def _leaves(error: ValidationError) -> list[ValidationError]:
    # oneOf/anyOf wrap their real causes; report the most specific ones
    if error.validator in ("oneOf", "anyOf") and error.context:
        deepest = max(len(e.absolute_path) for e in error.context)
        if deepest > len(error.absolute_path):
            return [e for e in error.context if len(e.absolute_path) == deepest]
    return [error]


def _diagnostic(error: ValidationError, doc: YamlDocument, file: str) -> Diagnostic:
    path = tuple(error.absolute_path)
    message, hint = _explain(error)
    if error.validator == "additionalProperties":
        extra = _extra_keys(error)
        if extra:
            path = (*path, extra[0])
    elif error.validator == "not" and isinstance(error.validator_value, dict):
        path = (*path, *error.validator_value.get("required", [])[:1])
    code = SCHEMA_CODES.get(str(error.validator), "CXP200")
    return Diagnostic(
        file=file, line=doc.line_of(path), path=dotted(path), message=message, hint=hint, code=code
    )


def _schema(error: ValidationError) -> dict[str, Any]:
    return dict(error.schema) if isinstance(error.schema, Mapping) else {}


def _extra_keys(error: ValidationError) -> list[str]:
    allowed = set(_schema(error).get("properties", {}))
    instance = error.instance if isinstance(error.instance, dict) else {}
    return sorted(k for k in instance if k not in allowed)


_SETTING_KIND = {
    "threshold": "threshold",
    "new_value": "new-value",
    "unique_count": "unique-count",
    "flow": "flow",
}


def _explain(error: ValidationError) -> tuple[str, str]:
    kind = error.validator
    schema = _schema(error)
    instance: Any = error.instance
    if kind == "additionalProperties":
        extra = _extra_keys(error)
        allowed = ", ".join(sorted(schema.get("properties", {})))
        return f"unknown field {', '.join(map(repr, extra))}", f"allowed fields: {allowed}"
    if kind == "required":
        return error.message.replace("is a required property", "is required"), "add the field"
    if kind == "enum":
        choices = ", ".join(map(str, schema["enum"]))
        return f"{error.instance!r} is not allowed", f"use one of: {choices}"
    if kind == "const":
        return f"{error.instance!r} is not allowed", f"use {schema['const']!r}"
    if kind == "type":
        return f"expected {schema['type']}, got {type(error.instance).__name__} {error.instance!r}", ""
    if kind == "pattern" and schema["pattern"] == "\\S":
        return "text is blank", "write some text (spaces alone do not count)"
    if kind == "pattern":
        return f"{error.instance!r} does not match the expected form", f"pattern {schema['pattern']}"
    if kind in ("minLength", "maxLength"):
        bound = "at least" if kind == "minLength" else "at most"
        return f"text is {len(instance)} characters; {bound} {error.validator_value} allowed", ""
    if kind in ("minItems", "maxItems"):
        bound = "at least" if kind == "minItems" else "at most"
        return f"list has {len(instance)} items; {bound} {error.validator_value} allowed", ""
    if kind in ("minimum", "maximum"):
        bound = "at least" if kind == "minimum" else "at most"
        return f"{error.instance!r} is out of range; {bound} {error.validator_value} allowed", ""
    if kind == "not" and isinstance(error.validator_value, dict):
        forbidden = error.validator_value.get("required", [None])[0]
        if forbidden == "query":
            return (
                "a flow detection has no query of its own",
                "remove it: the stages' detections have queries",
            )
        if forbidden in _SETTING_KIND:
            wanted = _SETTING_KIND[forbidden]
            return (
                f"{forbidden!r} is only allowed when kind is {wanted!r}",
                f"remove it or set kind: {wanted}",
            )
    if kind == "oneOf":
        options: list[Any] = list(schema.get("oneOf", []))
        alternatives = [" and ".join(o.get("required", [])) for o in options if isinstance(o, dict)]
        named = [c for c in alternatives if c]
        if len(named) == len(alternatives) and named:
            return f"must set exactly one of: {'; '.join(named)}", "keep one of them, remove the others"
        return "must set exactly one of the alternatives", "see the schema for this field"
    return error.message, ""
