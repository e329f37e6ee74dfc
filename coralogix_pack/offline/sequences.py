"""The sequence tests of `pack test`: records at given times through a detection's firing (and,
for a flow, through its stages' detections first), in both case modes."""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass
from typing import Any

from coralogix_pack.catalog.model import Catalog, Detection, Sequence
from coralogix_pack.core.timeutil import format_time, parse_time
from coralogix_pack.lucene.evaluator import CompiledQuery, compile_query
from coralogix_pack.offline.engine import Engine, firing_specs
from coralogix_pack.values.exceptions import with_exceptions
from coralogix_pack.values.model import Exception_, Values


@dataclass(frozen=True)
class Outcome:
    alerts: list[float]  # when the detection fired
    expected: str
    got: str
    ok: bool


def involved(detection: Detection, catalog: Catalog) -> list[Detection]:
    """The detection and, for a flow, every detection its stages lead to."""
    found: dict[str, Detection] = {}
    pending = [detection]
    while pending:
        current = pending.pop()
        if current.id in found:
            continue
        found[current.id] = current
        if current.flow:
            pending += [catalog.get(n) for n in current.flow.stage_ids if n in catalog.ids]
    return list(found.values())


def sequence_records(sequence: Sequence) -> list[tuple[float, dict[str, Any]]]:
    """Every step's copies with their times and changes, in time order."""
    records = []
    for index, step in enumerate(sequence.steps):
        start = parse_time(step.at)
        for copy_number in range(step.repeat):
            record = copy.deepcopy(step.record if step.record is not None else sequence.record)
            for path, value in step.set.items():
                _put(record, path.split("."), value)
            moment = start + copy_number * step.every_seconds
            record["time"] = format_time(moment)
            record["correlationId"] = str(
                uuid.uuid5(uuid.NAMESPACE_URL, f"{sequence.name}/{index}/{copy_number}")
            )
            records.append((moment, record))
    return sorted(records, key=lambda item: item[0])


def _put(record: dict[str, Any], path: list[str], value: Any) -> None:
    for key in path[:-1]:
        child = record.get(key)
        if not isinstance(child, dict):
            child = record[key] = {}
        record = child
    record[path[-1]] = value


def run_sequence(
    detection: Detection,
    catalog: Catalog,
    sequence: Sequence,
    case_sensitive: bool,
    exceptions: dict[str, tuple[Exception_, ...]],
) -> Outcome:
    """Raises BadTime for a step time outside the supported range, QuerySyntaxError or
    UnsupportedQuery for a query that cannot be evaluated."""
    chosen = involved(detection, catalog)
    queries: dict[str, CompiledQuery] = {
        d.id: compile_query(with_exceptions(d.query, exceptions.get(d.id, ())), case_sensitive)
        for d in chosen
        if d.kind.has_query
    }
    records = sequence_records(sequence)
    first, last = sequence.span
    start = parse_time(first) if first else (records[0][0] if records else None)
    end = parse_time(last) if last else (records[-1][0] if records else None)
    specs = firing_specs(catalog.restricted({d.id for d in chosen}), Values(), every=True)
    engine = Engine(specs, lambda: start)
    for moment, record in records:
        for spec in specs:
            query = queries.get(spec.id)
            if query is not None and query.matches(record):
                engine.feed(spec.id, moment, spec.key(record), None)
    engine.finish(end)
    times = [a.time for a in engine.alerts_by[detection.id]]
    expected = f"{sequence.expect_alerts} alert(s)"
    got = f"{len(times)} alert(s)"
    ok = len(times) == sequence.expect_alerts
    if ok and sequence.expect_times:
        wanted = [parse_time(t) for t in sequence.expect_times]
        ok = wanted == times
        expected += " at " + ", ".join(format_time(t) for t in wanted)
        got += " at " + ", ".join(format_time(t) for t in times)
    return Outcome(times, expected, got, ok)
