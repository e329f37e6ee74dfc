"""Canonical form of an alert definition, shared by render (content hash) and plan (diff).

The API omits fields that hold their default (proto3 JSON), so two definitions
are compared only after both are normalised: defaults dropped, set-like lists
sorted, server-only fields removed.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from coralogix_pack.ownership import HASH_LABEL

SERVER_FIELDS = ("id", "alertVersionId", "createdTime", "updatedTime", "lastTriggeredTime", "status")
# Lists whose order carries no meaning in the API (sets in the provider too).
SET_LIKE_KEYS = frozenset(
    {
        "applicationName",
        "subsystemName",
        "severities",
        "webhooks",
        "notificationPayloadFilter",
        "groupByKeys",
        "rules",
        "destinations",
        "dayOfWeek",
    }
)


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _is_default(value: Any) -> bool:
    if value is None or value is False or (value == 0 and not isinstance(value, bool)):
        return True
    if isinstance(value, str):
        return value == "" or value.endswith("UNSPECIFIED")
    return isinstance(value, list | dict) and not value


def _strip(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        stripped = {k: _strip(v, k) for k, v in value.items()}
        return {k: v for k, v in stripped.items() if not _is_default(v)}
    if isinstance(value, list):
        items = [_strip(v) for v in value]
        return sorted(items, key=canonical_json) if key in SET_LIKE_KEYS else items
    if isinstance(value, float) and value.is_integer():
        return int(value)  # a server may print the double 10 as 10.0
    return value


def normalize_properties(properties: dict[str, Any], *, drop_hash: bool = False) -> dict[str, Any]:
    """Defaults removed, set-like lists sorted; ``enabled`` made explicit (it defaults to true)."""
    properties = dict(properties)
    enabled = properties.pop("enabled", True)
    if drop_hash:
        labels = dict(properties.get("entityLabels", {}))
        labels.pop(HASH_LABEL, None)
        properties["entityLabels"] = labels
    normalized: dict[str, Any] = _strip(properties)
    normalized["enabled"] = bool(enabled)
    return normalized


def content_hash(properties: dict[str, Any]) -> str:
    """Hash of what the pack manages; the hash label itself is excluded."""
    canonical = canonical_json(normalize_properties(properties, drop_hash=True))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def shape_of(value: Any) -> Any:
    """The fields ``value`` sets: nested dicts of True leaves; a list's items merged into one shape."""
    if isinstance(value, dict):
        return {k: shape_of(v) for k, v in value.items()}
    if isinstance(value, list):
        merged: Any = True
        for item in value:
            merged = _merge_shapes(merged, shape_of(item))
        return [merged]
    return True


def _merge_shapes(a: Any, b: Any) -> Any:
    if isinstance(a, dict) and isinstance(b, dict):
        return {k: _merge_shapes(a.get(k, True), b.get(k, True)) for k in a.keys() | b.keys()}
    return b if a is True else a


def owned(live: Any, shape: Any, key: str = "") -> Any:
    """``live`` restricted to ``shape``: what the server added beyond the pack's fields is dropped."""
    if isinstance(shape, dict) and isinstance(live, dict):
        return {k: owned(live[k], shape[k], k) for k in shape if k in live}
    if isinstance(shape, list) and isinstance(live, list):
        items = [owned(item, shape[0]) for item in live]
        return sorted(items, key=canonical_json) if key in SET_LIKE_KEYS else items
    return live


def owned_properties(live: dict[str, Any], desired: dict[str, Any]) -> dict[str, Any]:
    """The live alert as the pack sees it: normalised, and only the fields the desired one sets.

    Values the backend fills in (an incident cadence, ``phantomMode: false``, a webhook's minutes)
    are neither a change nor drift; a field the pack sets that was edited or removed is both.
    """
    want = normalize_properties(desired, drop_hash=True)
    result = owned(normalize_properties(live, drop_hash=True), shape_of(want))
    assert isinstance(result, dict)
    result["enabled"] = normalize_properties(live)["enabled"]
    return result
