"""String escaping for the two output languages, used as Jinja filters."""

from __future__ import annotations

import json
import re
from typing import Any

from coralogix_pack.lucene.fields import FIELD_PREFIX_SENTINEL

_HCL_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # besides \t \n \r, which read better
_TEMPLATE_SEQUENCE = re.compile(r"([$%])(?=\{)")


def json_value(value: Any) -> str:
    """Any JSON-able value as JSON text (keys sorted, non-ASCII kept)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def hcl_string(value: str) -> str:
    """A quoted HCL string literal whose value is exactly ``value``.

    Besides backslash escapes, HCL treats ``${`` and ``%{`` as template
    sequences; doubling the sigil makes them literal.
    """
    escaped = (
        value.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )
    if not escaped.isprintable():  # (cheap) then look for control characters (costly)
        escaped = _HCL_CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", escaped)
    if "{" in escaped:
        escaped = _TEMPLATE_SEQUENCE.sub(r"\1\1", escaped)
    return '"' + escaped + '"'


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


def hcl_query(template: str) -> str:
    """An HCL string of a query whose field names start with the prefix sentinel: each becomes
    ``${local.field_prefix}``, so the module applies var.field_prefix itself."""
    return hcl_value(template).replace(FIELD_PREFIX_SENTINEL + ".", "${local.field_prefix}")


def hcl_stated(text: str, alert_id: str, threshold: Any) -> str:
    """An HCL string of ``text`` whose stated threshold count and window are read from the module's
    ``local.threshold`` (what var.detections sets), so names and descriptions follow the tfvars."""
    from coralogix_pack.catalog.wording import slots

    if threshold is None:
        return hcl_string(text)
    key = hcl_string(alert_id)
    pieces = []
    for kind, detail in slots(text, threshold):
        if kind == "text":
            pieces.append(hcl_string(detail)[1:-1])
        elif kind == "count":
            pieces.append(f"${{local.threshold[{key}].count}}")
        else:
            pieces.append(f"${{local.window_words[local.threshold[{key}].window].{detail}}}")
    return '"' + "".join(pieces) + '"'
