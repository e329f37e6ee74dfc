"""Saved plans: `pack plan --out FILE`, then `pack apply FILE` applies exactly that plan.

The file holds what each action sends (no secret: the key is never part of a plan, and server
text is redacted) and what it was planned against: the target, a fingerprint of the desired
alerts, and each touched alert's ``alertVersionId``. Applying refuses, changing nothing, when
the inputs now render other alerts or any touched alert changed in the account since.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coralogix_pack.alertdef import canonical_json
from coralogix_pack.deploy.live import managed_alerts
from coralogix_pack.deploy.plan import Action, Plan
from coralogix_pack.errors import CoralogixPackError
from coralogix_pack.redaction import redact_json

KIND = "coralogix-pack saved plan"
FORMAT_VERSION = "1"


class StalePlan(CoralogixPackError):
    """The saved plan no longer describes the account or the inputs; nothing was changed."""


def fingerprint(desired: dict[str, dict[str, Any]]) -> str:
    return hashlib.sha256(canonical_json(desired).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SavedInputs:
    catalog: str | None
    templates: str | None
    values: tuple[str, ...]


def save(plan: Plan, desired: dict[str, dict[str, Any]], inputs: SavedInputs) -> str:
    actions = [
        {
            "action": a.action,
            "detection": a.detection,
            "alert_id": a.alert_id,
            "alert_version_id": a.version,
            "name": a.name,
            "reason": a.reason,
            "duplicate": a.duplicate,
            "properties": a.properties if a.action in ("create", "update") else None,
        }
        for a in plan.actions
    ]
    document = {
        "kind": KIND,
        "format_version": FORMAT_VERSION,
        "pack": {"name": plan.pack, "version": plan.version},
        "target": plan.target,
        "only": sorted(plan.only) if plan.only else None,
        "inputs": {"catalog": inputs.catalog, "templates": inputs.templates, "values": list(inputs.values)},
        "desired_sha256": fingerprint(desired),
        "actions": redact_json(actions),
        "plan": redact_json(plan.as_dict()),
    }
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@dataclass(frozen=True)
class SavedPlan:
    document: dict[str, Any]
    path: Path

    @property
    def inputs(self) -> SavedInputs:
        raw = self.document["inputs"]
        return SavedInputs(raw.get("catalog"), raw.get("templates"), tuple(raw.get("values") or ()))

    @property
    def target(self) -> str:
        return str(self.document["target"])

    def plan(self) -> Plan:
        """The saved actions as a plan that apply can carry out."""
        actions = [
            Action(
                a["action"],
                a["detection"],
                a["alert_id"],
                a["name"],
                a["reason"],
                properties=a["properties"],
                duplicate=bool(a["duplicate"]),
                version=a["alert_version_id"],
            )
            for a in self.document["actions"]
        ]
        only = frozenset(self.document["only"]) if self.document.get("only") else None
        pack = self.document["pack"]
        return Plan(pack["name"], pack["version"], self.target, actions, [], [], 0, only)


def load(path: Path) -> SavedPlan:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise StalePlan(f"cannot read the saved plan {path}: {exc}") from None
    if not isinstance(document, dict) or document.get("kind") != KIND:
        raise StalePlan(f"{path} is not a plan saved by `pack plan --out`")
    if document.get("format_version") != FORMAT_VERSION:
        raise StalePlan(
            f"{path} was saved by another version of pack (format {document.get('format_version')})"
        )
    return SavedPlan(document, path)


def check_current(
    saved: SavedPlan, target: str, desired: dict[str, dict[str, Any]], live: list[dict[str, Any]]
) -> None:
    """Raise StalePlan when applying the saved plan would not do what was reviewed."""
    name = saved.path
    if target != saved.target:
        raise StalePlan(f"{name} was made for {saved.target}, not {target}; plan again for this account")
    if fingerprint(desired) != saved.document["desired_sha256"]:
        raise StalePlan(
            f"{name} was made from other inputs (the catalog, values or templates changed); plan again"
        )
    pack = saved.document["pack"]["name"]
    versions = {a.id: a.version for a in managed_alerts(live, pack)}
    detections = {a.detection for a in managed_alerts(live, pack)}
    changed = []
    for action in saved.plan().actions:
        touched = action.action in ("update", "delete", "unchanged") and action.alert_id is not None
        if touched and versions.get(str(action.alert_id), "<gone>") != action.version:
            changed.append(f"{action.detection} ({action.alert_id})")
        if action.action == "create" and action.detection in detections:
            changed.append(f"{action.detection} (created since)")
    if changed:
        raise StalePlan(
            f"the account changed since {name} was made: {', '.join(changed)}; nothing applied, plan again"
        )
