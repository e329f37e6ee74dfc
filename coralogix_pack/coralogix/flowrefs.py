"""Flow alerts name their stages by alert-definition id, which only the account knows.

A render writes a stand-in id for each stage: a UUID derived from the pack and the detection id,
so rendered files stay valid against the API and identical across accounts. ``pack plan`` puts in
the live id of each stage's managed alert; ``pack apply`` puts in the id of a stage alert it has
just created. The content-hash label is computed again on the result.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from typing import Any

from coralogix_pack.coralogix.alertdef import content_hash
from coralogix_pack.coralogix.ownership import HASH_LABEL

_NAMESPACE = uuid.UUID("6f1c6a52-3b8e-5d55-9c43-0d9a4b1e7a21")


def stage_placeholder(pack: str, detection_id: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{pack}/{detection_id}"))


def _alert_defs(properties: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for stage in (properties.get("flow") or {}).get("stages", []):
        for group in (stage.get("flowStagesGroups") or {}).get("groups", []):
            yield from group.get("alertDefs", [])


def stage_ids(properties: dict[str, Any]) -> list[str]:
    """The alert ids a flow's stages name, in order."""
    return [str(d.get("id")) for d in _alert_defs(properties)]


def with_stage_ids(properties: dict[str, Any], ids: dict[str, str]) -> dict[str, Any]:
    """A copy of ``properties`` with the stand-in ids found in ``ids`` replaced, hash recomputed."""
    if not any(d.get("id") in ids for d in _alert_defs(properties)):
        return properties
    resolved = copy.deepcopy(properties)
    for definition in _alert_defs(resolved):
        definition["id"] = ids.get(definition["id"], definition["id"])
    resolved["entityLabels"][HASH_LABEL] = content_hash(resolved)
    return resolved
