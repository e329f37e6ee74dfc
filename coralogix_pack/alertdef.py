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
    return value


def normalize_properties(properties: dict[str, Any], *, drop_hash: bool = False) -> dict[str, Any]:
    """Defaults removed, set-like lists sorted; ``enabled`` made explicit (it defaults to true)."""
    properties = dict(properties)
    enabled = properties.pop("enabled", True)
    if drop_hash:
        labels = dict(properties.get("entityLabels", {}))
        labels.pop(HASH_LABEL, None)
        properties["entityLabels"] = labels
    normalized = _strip(properties)
    normalized["enabled"] = bool(enabled)
    return normalized


def content_hash(properties: dict[str, Any]) -> str:
    """Hash of what the pack manages; the hash label itself is excluded."""
    canonical = canonical_json(normalize_properties(properties, drop_hash=True))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]
