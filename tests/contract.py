"""Validation of request bodies against Coralogix's OpenAPI contract (shared/contracts).

openapi-schema-validator checks types, enums and limits; the contract does not
forbid unknown properties, so a strict walk also rejects keys it does not declare.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from openapi_schema_validator import OAS30Validator


@cache
def _document(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _resolve(doc: dict, schema: dict) -> dict:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = doc["components"]["schemas"][name]
    return schema


def _properties(doc: dict, schema: dict) -> dict[str, dict]:
    schema = _resolve(doc, schema)
    props = dict(schema.get("properties", {}))
    for part in schema.get("allOf", []):
        props.update(_properties(doc, part))
    return props


def _unknown_keys(doc: dict, schema: dict, value: Any, path: str) -> list[str]:
    schema = _resolve(doc, schema)
    if schema.get("allOf") and not schema.get("properties"):
        return [e for part in schema["allOf"] for e in _unknown_keys(doc, part, value, path)]
    problems = []
    if isinstance(value, dict) and schema.get("type") == "object" and "additionalProperties" not in schema:
        props = _properties(doc, schema)
        for key, item in value.items():
            if key not in props:
                problems.append(f"{path}.{key}: not in the contract")
            else:
                problems += _unknown_keys(doc, props[key], item, f"{path}.{key}")
    elif isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            problems += _unknown_keys(doc, schema["items"], item, f"{path}[{index}]")
    return problems


def request_schema(contract: Path, path: str, method: str) -> tuple[dict, dict]:
    doc = _document(contract)
    body = doc["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    return doc, body


def contract_errors(
    contract: Path, body: dict, path: str = "/alerts/alerts/v3", method: str = "post"
) -> list[str]:
    doc, schema = request_schema(contract, path, method)
    validator = OAS30Validator({**schema, "components": doc["components"]})
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(body)]
    return errors + _unknown_keys(doc, schema, body, "$")
