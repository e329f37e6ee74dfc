"""What the emulator accepts in a create or replace body: the pack's strict schema of AlertDefProperties.

Stricter than the real gateway (it drops unknown fields silently), so tests catch template typos.
"""

from __future__ import annotations

from typing import Any

from coralogix_pack.coralogix.body_schema import properties_validator


class BadRequest(Exception):
    pass


def validate_properties(properties: Any) -> None:
    try:
        errors = sorted(properties_validator().iter_errors(properties), key=lambda e: list(map(str, e.path)))
    except RecursionError:
        raise BadRequest("alertDefProperties: nested too deeply") from None
    if errors:
        error = errors[0]
        path = ".".join(["alertDefProperties", *map(str, error.absolute_path)])
        if error.validator == "additionalProperties":
            allowed = set(error.schema.get("properties", {}))
            extra = sorted(k for k in error.instance if k not in allowed)
            raise BadRequest(f"{path}.{extra[0]}: unknown field")
        raise BadRequest(f"{path}: {error.message[:200]}")
