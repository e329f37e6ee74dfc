"""Saved plans: `pack plan --out FILE`, then `pack apply FILE` applies exactly that plan.

The file holds what each action sends (no secret: the key is never part of a plan, and server
text is redacted) and what it was planned against: the target, a fingerprint of the desired
alerts, ``--prune`` and ``--only``, and each touched alert's ``alertVersionId``.

A plan file is a request, not a credential: anyone who can edit it could otherwise aim it at
other alerts. So applying reads it defensively (a regular file, size-capped, schema-checked),
then plans afresh from the recorded inputs and the live account, and goes ahead only when every
saved action is exactly the fresh plan's action for that alert (same target alert, managed by
this pack, at the recorded ``alertVersionId``, same body) and nothing else changed. Any
difference refuses the whole plan, naming the action; nothing is sent.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from coralogix_pack.coralogix.alertdef import canonical_json
from coralogix_pack.coralogix.ownership import DETECTION_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE, PACK_LABEL
from coralogix_pack.core.diagnostics import Diagnostic, PackError
from coralogix_pack.core.errors import CoralogixPackError
from coralogix_pack.core.files import Unreadable, read_bounded
from coralogix_pack.core.redaction import redact_json
from coralogix_pack.core.resources import SCHEMA_DIR
from coralogix_pack.deploy.live import LiveAlert
from coralogix_pack.deploy.plan import Action, ActionKind, Plan

KIND = "coralogix-pack saved plan"
FORMAT_VERSION = "2"
MAX_PLAN_BYTES = 8 * 2**20  # a plan of 1,000 alerts of the largest size fits well inside


class StalePlan(CoralogixPackError):
    """The saved plan no longer describes the account or the inputs; nothing was changed."""


def fingerprint(desired: dict[str, dict[str, Any]]) -> str:
    return hashlib.sha256(canonical_json(desired).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SavedInputs:
    catalog: str | None
    templates: str | None
    values: tuple[str, ...]


def _action_record(a: Action) -> dict[str, Any]:
    return {
        "action": a.action,
        "detection": a.detection,
        "alert_id": a.alert_id,
        "alert_version_id": a.version,
        "name": a.name,
        "reason": a.reason,
        "duplicate": a.duplicate,
        "properties": a.properties if a.action in (ActionKind.CREATE, ActionKind.UPDATE) else None,
    }


def save(plan: Plan, desired: dict[str, dict[str, Any]], inputs: SavedInputs, prune: bool = False) -> str:
    document = {
        "kind": KIND,
        "format_version": FORMAT_VERSION,
        "pack": {"name": plan.pack, "version": plan.version},
        "target": plan.target,
        "only": sorted(plan.only) if plan.only else None,
        "prune": prune,
        "inputs": {"catalog": inputs.catalog, "templates": inputs.templates, "values": list(inputs.values)},
        "desired_sha256": fingerprint(desired),
        "actions": redact_json([_action_record(a) for a in plan.actions]),
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
        return SavedInputs(raw["catalog"], raw["templates"], tuple(raw["values"]))

    @property
    def target(self) -> str:
        return str(self.document["target"])

    @property
    def prune(self) -> bool:
        return bool(self.document["prune"])

    @property
    def only(self) -> list[str]:
        return list(self.document["only"] or [])


def _parse(path: Path) -> Any:
    try:
        data = read_bounded(path, MAX_PLAN_BYTES)
    except Unreadable as exc:
        raise StalePlan(f"cannot read the saved plan {path}: {exc.reason}") from None
    try:
        return json.loads(data)
    except RecursionError:
        raise StalePlan(f"{path} is JSON nested too deeply to be a saved plan") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise StalePlan(f"{path} is not a plan saved by `pack plan --out` (not JSON: {exc})") from None


@cache
def _validator() -> Any:
    from jsonschema import Draft202012Validator

    schema = json.loads((SCHEMA_DIR / "saved-plan.schema.json").read_text(encoding="utf-8"))
    return Draft202012Validator(schema)


def load(path: Path) -> SavedPlan:
    document = _parse(path)
    if not isinstance(document, dict) or document.get("kind") != KIND:
        raise StalePlan(f"{path} is not a plan saved by `pack plan --out`")
    if document.get("format_version") != FORMAT_VERSION:
        raise StalePlan(
            f"{path} was saved by another version of pack (format {document.get('format_version')!r}); "
            "plan again with this one"
        )
    errors = sorted(_validator().iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        error = errors[0]
        where = (
            "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path) or "the file"
        )
        raise StalePlan(
            f"{path}: {where.lstrip('.')}: {error.message[:200]}; the file was edited or damaged, plan again"
        )
    return SavedPlan(document, path)


def is_saved_plan(path: Path) -> bool:
    """Whether ``path`` holds a plan saved by pack (so that --out may replace it)."""
    try:
        document = _parse(path)
    except StalePlan:
        return False
    return isinstance(document, dict) and document.get("kind") == KIND


def _owned_by(properties: dict[str, Any] | None, pack: str, detection: str) -> bool:
    labels = (properties or {}).get("entityLabels")
    return (
        isinstance(labels, dict)
        and labels.get(MANAGED_BY_LABEL) == MANAGED_BY_VALUE
        and labels.get(PACK_LABEL) == pack
        and labels.get(DETECTION_LABEL) == detection
    )


def _key(record: dict[str, Any]) -> str:
    """What an action does, for comparison: the name and reason are for readers only."""
    return canonical_json({k: v for k, v in record.items() if k not in ("name", "reason")})


def _problem(record: dict[str, Any], fresh: dict[str, Action], live: dict[str, LiveAlert], pack: str) -> str:
    action, detection, alert_id = record["action"], record["detection"], record["alert_id"]
    if action == ActionKind.CREATE:
        if not _owned_by(record["properties"], pack, detection):
            return "the alert it creates lacks this pack's ownership labels"
    elif action != ActionKind.UNCHANGED:
        alert = live.get(str(alert_id))
        if alert is None:
            return f"alert {alert_id} is not in the account"
        if not alert.managed_by(pack) or alert.detection != detection:
            return f"alert {alert_id} is not {detection!r} of pack {pack!r} in the account"
        if alert.version != record["alert_version_id"]:
            return f"alert {alert_id} changed since the plan was made (alertVersionId differs)"
    if _key(record) not in fresh:
        return "a fresh plan from the same inputs does not do this"
    return ""


def check_current(
    saved: SavedPlan, target: str, desired: dict[str, dict[str, Any]], live: list[dict[str, Any]], fresh: Plan
) -> Plan:
    """``fresh`` (planned now from the recorded inputs) when it is exactly the saved plan; else
    StalePlan naming every action that differs, and nothing is applied."""
    name = saved.path
    if target != saved.target:
        raise StalePlan(f"{name} was made for {saved.target}, not {target}; plan again for this account")
    if fingerprint(desired) != saved.document["desired_sha256"]:
        raise StalePlan(
            f"{name} was made from other inputs (the catalog, values or templates changed); plan again"
        )
    pack = saved.document["pack"]["name"]
    alerts = {a.id: a for a in map(LiveAlert, live)}
    planned = {_key(_action_record(a)): a for a in fresh.actions}
    problems = []
    seen = set()
    for index, record in enumerate(saved.document["actions"], 1):
        problem = _problem(record, planned, alerts, pack)
        key = _key(record)
        if not problem and key in seen:
            problem = "it repeats an earlier action"
        seen.add(key)
        if problem:
            what = f"{record['action']} {record['detection']}" + (
                f" ({record['alert_id']})" if record["alert_id"] else ""
            )
            problems.append(f"action {index} ({what}): {problem}")
    missing = [a for key, a in planned.items() if key not in seen and a.action != ActionKind.UNCHANGED]
    problems += [f"{a.action} {a.detection}: needed now but not in the saved plan" for a in missing]
    if problems:
        raise StalePlan(
            f"the account changed since {name} was made, or the file was edited; nothing applied, plan "
            "again. "
            + "; ".join(problems[:20])
            + (f"; and {len(problems) - 20} more" if len(problems) > 20 else "")
        )
    return fresh


def check_destination(out: Path, inputs: Sequence[Path], folders: Sequence[Path]) -> None:
    """Refuse a plan file that would replace an input of the run, anything inside ``folders``
    (the catalog and templates), or an existing file that is not a saved plan."""

    def refuse(why: str) -> PackError:
        hint = "choose a new file name for --out (an earlier plan file may be replaced)"
        return PackError(
            [
                Diagnostic(
                    file=str(out),
                    path="--out",
                    message=f"refusing to write the plan: {why}",
                    hint=hint,
                    code="CXP712",
                )
            ]
        )

    target = out.resolve()
    for item in inputs:
        if Path(item).resolve() == target:
            raise refuse(f"{out} is an input of this run ({item})")
    for folder in folders:
        if target.is_relative_to(folder.resolve()):
            raise refuse(f"{out} is inside the {folder} folder")
    if out.is_symlink() or (out.exists() and not is_saved_plan(out)):
        raise refuse(f"{out} exists and is not a plan saved by pack")
