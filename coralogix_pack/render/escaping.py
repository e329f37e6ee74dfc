"""String escaping for the two output languages, used as Jinja filters."""

from __future__ import annotations

import json
from typing import Any

_HCL_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def json_value(value: Any) -> str:
    """Any JSON-able value as JSON text (keys sorted, non-ASCII kept)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def hcl_string(value: str) -> str:
    """A quoted HCL string literal whose value is exactly ``value``.

    Besides backslash escapes, HCL treats ``${`` and ``%{`` as template
    sequences; doubling the sigil makes them literal.
    """
    out = []
    for index, char in enumerate(value):
        following = value[index + 1 : index + 2]
        if char in _HCL_ESCAPES:
            out.append(_HCL_ESCAPES[char])
        elif char in "$%" and following == "{":
            out.append(char * 2)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def hcl_key(value: str) -> str:
    """An HCL object key: bare when it is an identifier, quoted otherwise."""
    if value and (value[0].isalpha() or value[0] == "_") and all(c.isalnum() or c in "_-" for c in value):
        return value
    return hcl_string(value)


def hcl_value(value: Any) -> str:
    """A scalar or flat list/map as an HCL literal (single line)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, str):
        return hcl_string(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(hcl_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{hcl_key(k)} = {hcl_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} as HCL")


def resource_name(detection_id: str) -> str:
    """Terraform resource name for a detection id."""
    return detection_id.replace("-", "_")
