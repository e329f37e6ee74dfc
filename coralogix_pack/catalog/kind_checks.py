"""Semantic checks of the kinds beyond immediate: keypaths the linter knows, flow stages that name
existing detections in an order without cycles, and limits the alerts API sets."""

from __future__ import annotations

from collections.abc import Iterator

from coralogix_pack.catalog.kinds import FLOW_MAX_ALERTS, FLOW_MAX_SECONDS
from coralogix_pack.catalog.model import Detection
from coralogix_pack.core.diagnostics import Diagnostic
from coralogix_pack.lucene.fields import field_problem, known_fields_hint


def check_keypaths(detection: Detection, lines: dict[str, int]) -> Iterator[Diagnostic]:
    """The fields a new-value or unique-count detection reads must be Activity Log fields."""
    found: list[tuple[str, str]] = []
    if detection.new_value:
        found.append(("new_value.keypath", detection.new_value.keypath))
    if detection.unique_count:
        found.append(("unique_count.keypath", detection.unique_count.keypath))
        found += [(f"unique_count.group_by[{i}]", f) for i, f in enumerate(detection.unique_count.group_by)]
    for path, keypath in found:
        problem = field_problem(keypath)
        if problem:
            yield Diagnostic(
                file=str(detection.source),
                line=lines.get(path.split(".")[0], detection.line("id")),
                path=path,
                message=problem,
                hint=known_fields_hint(),
                code="CXP130",
            )


def check_threshold_condition(detection: Detection, line: int) -> Iterator[Diagnostic]:
    threshold = detection.threshold
    if threshold and threshold.undetected and not threshold.less_than:
        yield Diagnostic(
            file=str(detection.source),
            line=line,
            path="threshold.undetected_values",
            message="undetected_values applies to a less_than condition only",
            hint="remove it or set condition: less_than",
            code="CXP131",
        )
    if threshold and threshold.less_than and threshold.count == 0:
        yield Diagnostic(
            file=str(detection.source),
            line=line,
            path="threshold.count",
            message="fewer than 0 records can never happen: the alert would never fire",
            hint="use a count of 1 or more (1: no record at all in the window)",
            code="CXP132",
        )


def check_flows(detections: list[tuple[Detection, dict[str, int]]]) -> Iterator[Diagnostic]:
    """Every stage names a detection of the catalog; flows do not refer to themselves, directly or
    through other flows; the API's limits on alerts per flow and on the flow's total time hold."""
    by_id = {d.id: d for d, _ in detections}
    for detection, lines in detections:
        if detection.flow is not None:
            yield from _stage_problems(detection, lines, by_id)
            yield from _flow_limits(detection, lines.get("flow", detection.line("id")), by_id)


def _stage_problems(
    detection: Detection, lines: dict[str, int], by_id: dict[str, Detection]
) -> Iterator[Diagnostic]:
    assert detection.flow is not None
    file = str(detection.source)
    for index, stage in enumerate(detection.flow.stages):
        line = lines.get(f"flow.stages[{index}]", lines.get("flow", 1))
        for name in (n for n in stage.alerts if n not in by_id):
            yield Diagnostic(
                file=file,
                line=line,
                path=f"flow.stages[{index}].alerts",
                message=f"stage {index + 1} names {name!r}, which is not a detection of the catalog",
                hint="known ids: " + ", ".join(sorted(by_id)),
                code="CXP140",
            )
        if (index == 0) == bool(stage.within):
            first = "the first stage starts the flow and has no 'within'"
            later = f"stage {index + 1} needs 'within': how long after stage {index} its alerts may fire"
            yield Diagnostic(
                file=file,
                line=line,
                path=f"flow.stages[{index}].within",
                message=first if index == 0 else later,
                hint="remove it" if index == 0 else "add e.g. within: 60m",
                code="CXP141",
            )


def _flow_limits(detection: Detection, line: int, by_id: dict[str, Detection]) -> Iterator[Diagnostic]:
    assert detection.flow is not None
    file = str(detection.source)
    total = sum(s.within_seconds for s in detection.flow.stages)
    alerts = len(detection.flow.stage_ids)
    if total > FLOW_MAX_SECONDS or alerts > FLOW_MAX_ALERTS:
        yield Diagnostic(
            file=file,
            line=line,
            path="flow.stages",
            message=f"{alerts} alerts over {total / 3600:g} hours of stage time frames",
            hint=f"Coralogix allows at most {FLOW_MAX_ALERTS} alerts and one week (168 hours) per flow",
            code="CXP142",
        )
    cycle = _cycle(detection.id, by_id)
    if cycle:
        yield Diagnostic(
            file=file,
            line=line,
            path="flow.stages",
            message="the flow depends on itself: " + " -> ".join(cycle),
            hint="a flow's stages may name other flows, never one that leads back to it",
            code="CXP143",
        )


def _cycle(start: str, by_id: dict[str, Detection]) -> list[str]:
    """The path from ``start`` back to itself through flow stages, or []."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        current, path = stack.pop()
        flow = by_id[current].flow if current in by_id else None
        for name in flow.stage_ids if flow else ():
            if name == start:
                return [*path, name]
            if name not in seen:
                seen.add(name)
                stack.append((name, [*path, name]))
    return []
