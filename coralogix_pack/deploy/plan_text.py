"""A plan as people read it: terraform-like text and a Markdown pull-request comment.

Values are shown in full with the pack's own names (P1, 20m, "more than"), absent enum fields by
their default, and long strings (queries, descriptions) as a word diff, so an `AND NOT ...`
appended to the end of a 600-character query is as visible as a changed priority.
"""

from __future__ import annotations

import difflib
import json
import re
from typing import Any

from coralogix_pack.coralogix import vocabulary
from coralogix_pack.deploy.plan import Action, ActionKind, Plan
from coralogix_pack.documents.diff import ABSENT, Change

_HUMAN: dict[str, str] = {}
for _table in (
    vocabulary.API_PRIORITY,
    vocabulary.API_TYPE,
    vocabulary.API_WINDOW,
    vocabulary.API_SEVERITY,
    vocabulary.API_LABEL_OPERATION,
    vocabulary.API_NOTIFY_ON,
):
    _HUMAN.update({wire: short for short, wire in _table.items()})
_HUMAN[vocabulary.API_CONDITION_MORE_THAN] = "more than"
# Fields whose default the API omits: an absent one means this.
_DEFAULTS = {
    "priority": "P5",
    "type": "immediate",
    "conditionType": "more than",
    "logsTimeWindowSpecificValue": "5m",
    "operation": "IS",
    "notifyOn": "triggered_only",
}
LONG = 60


def human(value: Any) -> Any:
    if isinstance(value, str):
        return _HUMAN.get(value, value)
    if isinstance(value, list):
        return [human(v) for v in value]
    if isinstance(value, dict):
        return {k: human(v) for k, v in value.items()}
    return value


def shown(value: Any, path: str) -> str:
    if value == ABSENT:
        field = re.split(r"[.\[\]]", path.rstrip("]"))[-1]
        return f"{_DEFAULTS[field]} (default)" if field in _DEFAULTS else "(absent)"
    value = human(value)
    return value if isinstance(value, str) and "\n" not in value else json.dumps(value, ensure_ascii=False)


def word_diff(old: str, new: str) -> str:
    """``old`` -> ``new`` with removed words as [-...-] and added ones as {+...+}."""
    a, b = re.split(r"(\s+)", old), re.split(r"(\s+)", new)
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append("".join(a[i1:i2]))
            continue
        if i2 > i1:
            out.append("[-" + "".join(a[i1:i2]) + "-]")
        if j2 > j1:
            out.append("{+" + "".join(b[j1:j2]) + "+}")
    return "".join(out)


def schedule_text(active: Any) -> str:
    """An ``activeOn`` value in words: ``Mon-Fri 08:00-18:00 UTC``, or ``always``."""
    if not isinstance(active, dict) or not active:
        return "always"
    days = [
        d.removeprefix("DAY_OF_WEEK_").removesuffix("_OR_UNSPECIFIED")[:3].title()
        for d in active.get("dayOfWeek", [])
    ]

    def hhmm(t: Any) -> str:
        t = t if isinstance(t, dict) else {}
        return f"{t.get('hours', 0):02d}:{t.get('minutes', 0):02d}"

    return f"{','.join(days)} {hhmm(active.get('startTime'))}-{hhmm(active.get('endTime'))} UTC"


def _readable(change: Change, names: dict[str, str]) -> Change:
    """Schedules, delays and Notification Center ids in words."""
    path = change.path
    if path == "activeOn":
        return Change("schedule", schedule_text(change.old), schedule_text(change.new))
    if path.endswith("evaluationDelayMs"):
        return Change(path, _minutes(change.old), _minutes(change.new))
    if path.endswith(("connectorId", "presetId")):
        return Change(path, _named_id(change.old, names), _named_id(change.new, names))
    return change


def _minutes(value: Any) -> Any:
    return (
        f"{value / 60000:g} min" if isinstance(value, int | float) and not isinstance(value, bool) else value
    )


def _named_id(value: Any, names: dict[str, str]) -> Any:
    return f"{names[value]} ({value})" if isinstance(value, str) and value in names else value


def change_lines(change: Change, indent: str = "    ", names: dict[str, str] | None = None) -> list[str]:
    change = _readable(change, names or {})
    old, new = change.old, change.new
    if isinstance(old, str) and isinstance(new, str) and max(len(old), len(new)) > LONG:
        return [f"{indent}{change.path}: (word diff)", f"{indent}  {word_diff(old, new)}"]
    return [f"{indent}{change.path}: {shown(old, change.path)} -> {shown(new, change.path)}"]


def create_lines(
    action: Action,
    indent: str = "    ",
    stand_ins: dict[str, str] | None = None,
    names: dict[str, str] | None = None,
) -> list[str]:
    p = action.properties or {}
    blocks = ("logsThreshold", "logsImmediate", "logsNewValue", "logsUniqueCount")
    block: dict[str, Any] = next((p[b] for b in blocks if p.get(b)), {})
    query = ((block.get("logsFilter") or {}).get("simpleFilter") or {}).get("luceneQuery", "")
    lines = [
        f"name: {p.get('name', '')}",
        f"priority: {shown(p.get('priority', ABSENT), 'priority')}",
        f"enabled: {json.dumps(p.get('enabled', True))}",
    ]
    lines += [f"query: {query}"] if "flow" not in p else []
    lines += _condition_lines(p) + _stage_lines(p, stand_ins or {}) + _setting_lines(p, names or {})
    return [indent + line for line in lines]


def _setting_lines(p: dict[str, Any], names: dict[str, str]) -> list[str]:
    lines = []
    blocks = ("logsThreshold", "logsImmediate", "logsNewValue", "logsUniqueCount")
    block: dict[str, Any] = next((p[b] for b in blocks if p.get(b)), {})
    if block.get("evaluationDelayMs"):
        lines.append(f"evaluation delay: {_minutes(block['evaluationDelayMs'])}")
    if p.get("activeOn"):
        lines.append(f"schedule: {schedule_text(p['activeOn'])}")
    group = p.get("notificationGroup") or {}
    for d in group.get("destinations", []):
        preset = f", preset {_named_id(d['presetId'], names)}" if d.get("presetId") else ""
        lines.append(
            f"destination: {_named_id(d['connectorId'], names)}{preset} ({human(d.get('notifyOn'))})"
        )
    if group.get("router") is not None:
        lines.append(f"router: by labels ({human(group['router'].get('notifyOn'))})")
    if block.get("notificationPayloadFilter"):
        lines.append(f"payload fields: {', '.join(block['notificationPayloadFilter'])}")
    for source in p.get("dataSources", []):
        lines.append(f"data set: {source['dataSpace']}/{source['dataSet']}")
    return lines


def _condition_lines(p: dict[str, Any]) -> list[str]:
    lines = []
    for rule in (p.get("logsThreshold") or {}).get("rules", []):
        condition = rule.get("condition", {})
        window = shown(
            condition.get("timeWindow", {}).get("logsTimeWindowSpecificValue", ABSENT),
            "x.logsTimeWindowSpecificValue",
        )
        less = condition.get("conditionType") == "LOGS_THRESHOLD_CONDITION_TYPE_LESS_THAN"
        lines.append(
            f"threshold: {'fewer' if less else 'more'} than {condition.get('threshold')} in {window}"
        )
    for rule in (p.get("logsNewValue") or {}).get("rules", []):
        condition = rule.get("condition", {})
        window = condition.get("timeWindow", {}).get("logsNewValueTimeWindowSpecificValue", "")
        lines.append(f"new value of: {condition.get('keypathToTrack')} (not seen in {_tail(window)})")
    for rule in (p.get("logsUniqueCount") or {}).get("rules", []):
        condition = rule.get("condition", {})
        window = condition.get("timeWindow", {}).get("logsUniqueValueTimeWindowSpecificValue", "")
        counted = f"{condition.get('maxUniqueCount')} {p['logsUniqueCount'].get('uniqueCountKeypath')}"
        per = f" per {', '.join(p['groupByKeys'])}" if p.get("groupByKeys") else ""
        lines.append(f"unique count: more than {counted}{per} in {_tail(window)}")
    return lines


def _stage_lines(p: dict[str, Any], stand_ins: dict[str, str]) -> list[str]:
    lines = []
    for index, stage in enumerate((p.get("flow") or {}).get("stages", []), 1):
        groups = stage.get("flowStagesGroups", {}).get("groups", [])
        names = [_stage_name(str(d.get("id")), stand_ins) for g in groups for d in g.get("alertDefs", [])]
        within = f" within {int(stage.get('timeframeMs') or 0) // 60000} min" if index > 1 else ""
        lines.append(f"stage {index}: {' or '.join(names)}{within}")
    return lines


def _tail(enum_value: str) -> str:
    """``LOGS_UNIQUE_VALUE_TIME_WINDOW_VALUE_HOURS_1`` -> ``1 hour``: a window enum in words."""
    unit, _, amount = enum_value.split("_VALUE_")[-1].removesuffix("_OR_UNSPECIFIED").partition("_")
    word = unit.lower().rstrip("s")
    return f"{amount} {word}{'' if amount == '1' else 's'}"


def _stage_name(alert_id: str, stand_ins: dict[str, str]) -> str:
    return f"{stand_ins[alert_id]} (created first)" if alert_id in stand_ins else alert_id


def _named(change: Change, stand_ins: dict[str, str]) -> Change:
    """A flow stage id that is a stand-in shows the detection whose alert apply creates first."""
    if isinstance(change.new, str) and change.new in stand_ins:
        return Change(change.path, change.old, f"<id of the new {stand_ins[change.new]} alert>")
    return change


SYMBOLS = {ActionKind.CREATE: "+", ActionKind.UPDATE: "~", ActionKind.DELETE: "-"}


def plan_lines(plan: Plan) -> list[str]:
    ignored = f"{plan.unmanaged} unmanaged alert(s) ignored"
    lines = [f"Target: {plan.target}  (pack {plan.pack} {plan.version}; {ignored})"]
    for action in plan.changes:
        head = f"{SYMBOLS[action.action]} {action.action} {action.detection}"
        head += f" ({action.alert_id})" if action.alert_id else ""
        waits = plan.waits_for(action)
        parts = [action.reason] if action.reason else []
        parts += [f"after creating {', '.join(waits)}"] if waits else []
        reason = "; ".join(parts)
        lines.append(head + (f": {reason}" if reason else ""))
        if action.action == ActionKind.CREATE:
            lines += create_lines(action, stand_ins=plan.stand_ins, names=plan.names)
        for change in action.changes:
            lines += change_lines(_named(change, plan.stand_ins), names=plan.names)
    if plan.drift:
        lines.append("Drift (edited outside the pack; apply reverts these):")
        for drift in plan.drift:
            lines.append(f"  ! {drift.detection} ({drift.alert_id})")
            for change in drift.changes:
                lines += change_lines(Change(change.path, change.old, change.new), indent="      live ")
    for orphan in plan.orphans:
        lines.append(
            f"  ? {orphan.detection} ({orphan.alert_id}) left the pack; kept (pass --prune to delete it)"
        )
    if plan.conflicts:
        lines.append("Conflicts (other alerts carrying a detection's labels; never deleted without --prune):")
        for conflict in plan.conflicts:
            lines.append(
                f"  ? {conflict.detection} ({conflict.alert_id}) {conflict.name!r}: {conflict.reason}"
            )
    lines += [f"Note: {note}" for note in plan.notes]
    summary = plan.as_dict()["summary"]
    if plan.changes:
        lines.append(
            f"Plan: {summary['create']} to create, {summary['update']} to update, "
            f"{summary['delete']} to delete, {summary['unchanged']} unchanged."
        )
    else:
        lines.append(f"No changes. {summary['unchanged']} managed alert(s) match the pack.")
    return lines


def plan_markdown(plan: Plan) -> str:
    """A pull-request comment: a summary table, then each change in a diff block."""
    summary = plan.as_dict()["summary"]
    out = [
        f"### coralogix-pack plan: {plan.pack} {plan.version}",
        "",
        "| create | update | delete | unchanged | drifted |",
        "| --- | --- | --- | --- | --- |",
        f"| {summary['create']} | {summary['update']} | {summary['delete']} | {summary['unchanged']} "
        f"| {summary['drifted']} |",
        "",
    ]
    if not plan.changes and not plan.drift:
        return "\n".join([*out, "No changes."]) + "\n"
    body = [line for line in plan_lines(plan)[1:-1]]
    return "\n".join([*out, "```diff", *body, "```"]) + "\n"
