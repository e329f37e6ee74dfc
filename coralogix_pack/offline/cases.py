"""`pack test`: run every detection's test records through the evaluator in both case modes."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from coralogix_pack.catalog.model import Catalog, Detection, Kind, Scenario
from coralogix_pack.core.timeutil import BadTime, format_time, parse_time
from coralogix_pack.lucene.evaluator import CompiledQuery, UnsupportedQuery, compile_query
from coralogix_pack.lucene.syntax import QuerySyntaxError, without_field_prefix
from coralogix_pack.offline.sequences import run_sequence
from coralogix_pack.offline.windows import firing_for
from coralogix_pack.values.exceptions import with_exceptions
from coralogix_pack.values.model import Exception_, Values

MODES = {"case-insensitive": False, "case-sensitive": True}


@dataclass
class Failure:
    name: str
    mode: str
    expected: str
    got: str
    clause: str
    record: dict[str, Any] | None = None


@dataclass
class DetectionReport:
    id: str
    checks: int = 0
    passed: int = 0
    failures: list[Failure] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # coverage gaps, broken queries
    outside_schedule: int = 0  # matching test records the values' schedule would suppress (not a failure)

    @property
    def ok(self) -> bool:
        return not self.failures and not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "detection": self.id,
            "checks": self.checks,
            "passed": self.passed,
            "failed": len(self.failures),
            "ok": self.ok,
            "problems": self.problems,
            "outside_schedule": self.outside_schedule,
            "failures": [f.__dict__ for f in self.failures],
        }


def coverage_problems(detection: Detection) -> list[str]:
    problems = []
    if detection.kind is Kind.FLOW or _sequenced(detection):
        if not any(s.expect_alerts > 0 for s in detection.sequences):
            problems.append("no sequence that must fire (add one under tests.sequences)")
        if not any(s.expect_alerts == 0 for s in detection.sequences):
            problems.append("no sequence that must stay quiet (add one with expect_alerts: 0)")
        if detection.kind is Kind.FLOW:
            return problems
    if not any(c.expect_match for c in detection.cases):
        problems.append("no test record that must match (add one under tests.cases with expect: match)")
    if not any(not c.expect_match for c in detection.cases):
        problems.append("no test record that must not match (add one with expect: no_match)")
    if detection.kind is Kind.THRESHOLD and not _sequenced(detection):
        if not any(s.expect_alerts > 0 for s in detection.scenarios):
            problems.append("no scenario that must fire (add one under tests.scenarios)")
        if not any(s.expect_alerts == 0 for s in detection.scenarios):
            problems.append("no scenario that must stay quiet (add one with expect_alerts: 0)")
    return problems


def scenario_records(scenario: Scenario) -> list[tuple[float, dict[str, Any]]]:
    start = parse_time(scenario.start)
    records = []
    for index in range(scenario.count):
        record = copy.deepcopy(scenario.record)
        moment = start + index * scenario.every_seconds
        record["time"] = format_time(moment)
        record["correlationId"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{scenario.name}/{index}"))
        records.append((moment, record))
    return records


def _sequenced(detection: Detection) -> bool:
    """Kinds whose firing depends on more than a count of matches: tested with sequences."""
    less_than = detection.threshold is not None and detection.threshold.less_than
    return less_than or detection.kind in (Kind.NEW_VALUE, Kind.UNIQUE_COUNT, Kind.FLOW)


def run_detection(
    detection: Detection,
    exceptions: tuple[Exception_, ...] = (),
    catalog: Catalog | None = None,
    stage_exceptions: dict[str, tuple[Exception_, ...]] | None = None,
) -> DetectionReport:
    """The detection's test records against its query, with the values files' exceptions applied
    (a record an exception removes no longer matches: a test that expects it shows the conflict);
    its sequences through its firing (``catalog`` resolves a flow's stages)."""
    report = DetectionReport(detection.id, problems=coverage_problems(detection))
    text = with_exceptions(detection.query, exceptions)
    for mode, case_sensitive in MODES.items():
        try:
            if detection.kind.has_query:
                query = compile_query(text, case_sensitive)
                _run_cases(detection, query, mode, report)
                _run_scenarios(detection, query, mode, report)
            if detection.sequences and catalog is not None:
                known = {**(stage_exceptions or {}), detection.id: exceptions}
                _run_sequences(detection, catalog, mode, case_sensitive, known, report)
        except (QuerySyntaxError, UnsupportedQuery) as exc:
            report.problems.append(f"query cannot be evaluated: {exc}")
            return report
    return report


def _run_sequences(
    detection: Detection,
    catalog: Catalog,
    mode: str,
    case_sensitive: bool,
    exceptions: dict[str, tuple[Exception_, ...]],
    report: DetectionReport,
) -> None:
    for sequence in detection.sequences:
        try:
            outcome = run_sequence(detection, catalog, sequence, case_sensitive, exceptions)
        except BadTime as exc:
            problem = f"sequence {sequence.name!r}: {exc}"
            if problem not in report.problems:
                report.problems.append(problem)
            continue
        report.checks += 1
        if outcome.ok:
            report.passed += 1
        else:
            report.failures.append(
                Failure(sequence.name, mode, outcome.expected, outcome.got, _rule(detection))
            )


def _rule(detection: Detection) -> str:
    """How the detection decides, in words, for a failure message."""
    if detection.new_value:
        return f"a {detection.new_value.keypath} not seen in {detection.new_value.window}"
    if detection.unique_count:
        uc = detection.unique_count
        return f"more than {uc.count} distinct {uc.keypath} in {uc.window}"
    if detection.flow:
        return " then ".join("/".join(s.alerts) for s in detection.flow.stages)
    threshold = detection.threshold
    if threshold is None:
        return "each match alerts"
    return f"{'fewer' if threshold.less_than else 'more'} than {threshold.count} in {threshold.window}"


def _run_cases(detection: Detection, query: CompiledQuery, mode: str, report: DetectionReport) -> None:
    for case in detection.cases:
        verdict, clause = query.explain(case.record)
        report.checks += 1
        if verdict == case.expect_match:
            report.passed += 1
        else:
            report.failures.append(
                Failure(case.name, mode, _word(case.expect_match), _word(verdict), clause, case.record)
            )


def _run_scenarios(detection: Detection, query: CompiledQuery, mode: str, report: DetectionReport) -> None:
    threshold = detection.threshold
    decided_by = f"more than {threshold.count} in {threshold.window}" if threshold else "each match alerts"
    for scenario in detection.scenarios:
        firing = firing_for(detection.id, threshold)
        alerts = 0
        try:
            records = scenario_records(scenario)
        except BadTime as exc:
            problem = f"scenario {scenario.name!r}: {exc} (its records' times must stay within that range)"
            if problem not in report.problems:
                report.problems.append(problem)
            continue
        for moment, record in records:
            if query.matches(record) and firing.feed(moment, None):
                alerts += 1
        report.checks += 1
        if alerts == scenario.expect_alerts:
            report.passed += 1
        else:
            report.failures.append(
                Failure(
                    scenario.name,
                    mode,
                    f"{scenario.expect_alerts} alert(s)",
                    f"{alerts} alert(s)",
                    decided_by,
                )
            )


def _word(match: bool) -> str:
    return "match" if match else "no match"


@dataclass
class TestRun:
    """The reports of one `pack test` run, in catalog order."""

    reports: list[DetectionReport]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.reports)

    def __iter__(self) -> Iterator[DetectionReport]:
        return iter(self.reports)

    def __len__(self) -> int:
        return len(self.reports)

    def as_dict(self) -> dict[str, Any]:
        """`pack test --format json` (schemas/test.schema.json)."""
        return {"format_version": "1", "ok": self.ok, "detections": [r.as_dict() for r in self.reports]}


def run_tests(
    catalog: Catalog, ids: list[str] | None = None, values: Values | None = None
) -> list[DetectionReport]:
    selected = [catalog.get(i) for i in ids] if ids else list(catalog.detections)
    every = {d.id: _unprefixed(values, d.id) for d in catalog.detections}
    reports = [run_detection(d, every[d.id], catalog, every) for d in selected]
    for detection, report in zip(selected, reports, strict=True):
        schedule = values.alert_settings(detection).schedule if values else None
        if schedule is not None:
            report.outside_schedule = sum(not schedule.active(t) for t in _match_times(detection))
    return reports


def _match_times(detection: Detection) -> list[float]:
    """When the detection's matching test records happen (cases that must match, scenarios)."""
    times = []
    for case in detection.cases:
        if case.expect_match:
            try:
                times.append(parse_time(case.record.get("time")))
            except BadTime:
                continue
    for scenario in detection.scenarios:
        try:
            times += [moment for moment, _ in scenario_records(scenario)]
        except BadTime:
            continue
    return times


def _unprefixed(values: Values | None, detection_id: str) -> tuple[Exception_, ...]:
    """Exceptions as they apply to test records, which are written without the field prefix."""
    if values is None:
        return ()
    prefix = values.field_prefix
    return tuple(
        replace(e, lucene=without_field_prefix(e.lucene, prefix)) if e.lucene else e
        for e in values.all_exceptions(detection_id)
    )
