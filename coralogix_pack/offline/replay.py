"""The replay engine of `pack backtest`: records through the detections' compiled queries, the
matches in time order through Coralogix's firing semantics. Used whole by a serial backtest and
in parts by the workers of ``--jobs`` (``offline.parallel``)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coralogix_pack.catalog.model import Catalog
from coralogix_pack.core.timeutil import BadTime, format_time, parse_time
from coralogix_pack.logs.formats import describe_shape
from coralogix_pack.logs.rawscan import RawScan
from coralogix_pack.logs.reader import Match, Reader, SkipKind, Skipped, in_time_order
from coralogix_pack.lucene.evaluator import CompiledQuery, Document, compile_query
from coralogix_pack.lucene.prefilter import Prefilter
from coralogix_pack.lucene.records import leaves
from coralogix_pack.lucene.syntax import render_query
from coralogix_pack.offline.engine import Engine, FiringSpec, firing_specs
from coralogix_pack.offline.kinds_firing import Silence
from coralogix_pack.offline.windows import Alert
from coralogix_pack.values.exceptions import exception_clause
from coralogix_pack.values.model import Values

DEFAULT_REORDER_SECONDS = 600.0


@dataclass
class DetectionTally:
    enabled: bool
    matches: int = 0
    alerts: int = 0
    suppressed: dict[str, int] = field(default_factory=dict)  # exception label -> matches it removed
    outside_schedule: int = 0  # matches (less-than, flow: alerts) suppressed by the schedule
    identities: Counter[str] = field(default_factory=Counter)
    resource_groups: Counter[str] = field(default_factory=Counter)
    operations: Counter[str] = field(default_factory=Counter)

    def as_dict(self, top: int = 5) -> dict[str, Any]:
        exceptions = [{"exception": k, "suppressed": v} for k, v in self.suppressed.items()]
        return {
            "matches": self.matches,
            "alerts": self.alerts,
            "enabled": self.enabled,
            "outside_schedule": self.outside_schedule,
            "exceptions": exceptions,
            "top_identities": _top(self.identities, top),
            "top_resource_groups": _top(self.resource_groups, top),
            "top_operations": _top(self.operations, top),
        }


def _top(counter: Counter[str], top: int) -> list[dict[str, Any]]:
    return [{"value": value, "count": count} for value, count in counter.most_common(top)]


_UPN = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"
_GROUP = re.compile(r"/resourcegroups/([^/]+)", re.IGNORECASE)


def noise_keys(record: dict[str, Any]) -> tuple[str, str, str]:
    """Who, where and what of a record: the identity, the resource group and the operation."""
    identity = record.get("identity")
    claims = identity.get("claims") if isinstance(identity, dict) else None
    claims = claims if isinstance(claims, dict) else {}
    who = claims.get("name") or claims.get(_UPN) or claims.get("appid") or record.get("caller") or "(unknown)"
    group = _GROUP.search(str(record.get("resourceId") or ""))
    return str(who), (group.group(1).lower() if group else "(none)"), str(record.get("operationName") or "")


@dataclass
class BacktestResult:
    records: int = 0
    skipped: int = 0
    out_of_range: int = 0
    detections: dict[str, DetectionTally] = field(default_factory=dict)
    top: int = 5
    alerts: list[dict[str, Any]] = field(default_factory=list)
    skip_reasons: list[Skipped] = field(default_factory=list)
    silences: list[Silence] = field(default_factory=list)  # less-than detections' quiet spans
    first_time: float | None = None  # the input's time span (tracked when a detection needs it)
    last_time: float | None = None
    seen: Counter[Path] = field(default_factory=Counter)  # records read per file
    empty_inputs: list[str] = field(default_factory=list)  # inputs that gave no record

    def as_dict(self) -> dict[str, Any]:
        return {
            "format_version": "1",
            "records": self.records,
            "skipped": self.skipped,
            "out_of_range": self.out_of_range,
            "detections": {k: v.as_dict(self.top) for k, v in sorted(self.detections.items())},
            "alerts": self.alerts,
            "silences": [_silence_dict(s) for s in self.silences],
            "empty_inputs": self.empty_inputs,
        }

    def spans(self, start: float | None, end: float | None) -> None:
        """Widen the input's time span to cover [start, end]."""
        if start is not None and (self.first_time is None or start < self.first_time):
            self.first_time = start
        if end is not None and (self.last_time is None or end > self.last_time):
            self.last_time = end


def _silence_dict(silence: Silence) -> dict[str, Any]:
    return {
        "detection": silence.detection,
        "group": silence.group,
        "since": format_time(silence.since),
        "until": None if silence.until is None else format_time(silence.until),
    }


@dataclass(frozen=True)
class _Rule:
    id: str
    query: CompiledQuery
    spec: FiringSpec
    exceptions: tuple[tuple[str, CompiledQuery], ...] = ()  # (label, clause): a match of one is removed


@dataclass(frozen=True)
class Rules:
    """The compiled queries of the detections that match records, and how every enabled detection
    (flows included) fires."""

    matching: list[_Rule]
    specs: list[FiringSpec]

    def __iter__(self) -> Iterator[_Rule]:
        return iter(self.matching)

    def __len__(self) -> int:
        return len(self.matching)

    def __getitem__(self, index: int) -> _Rule:
        return self.matching[index]

    @property
    def needs_span(self) -> bool:
        return any((s.threshold and s.threshold.less_than) or s.detection.new_value for s in self.specs)


def _rules(catalog: Catalog, values: Values, case_sensitive: bool) -> Rules:
    rules = []
    specs = firing_specs(catalog, values)
    for spec in specs:
        detection = spec.detection
        if not detection.kind.has_query:
            continue
        query = compile_query(render_query(detection.query, values.field_prefix), case_sensitive)
        exceptions = tuple(
            (e.label, compile_query(exception_clause(e, values.field_prefix), case_sensitive))
            for e in values.all_exceptions(detection.id)
        )
        rules.append(_Rule(detection.id, query, spec, exceptions))
    return Rules(rules, specs)


@dataclass(frozen=True)
class BacktestOptions:
    """How a backtest reads, evaluates and fires (the same in every worker of ``--jobs``).

    ``strict`` parses every line, so that every defect of the input is a located skip; otherwise
    lines that no query can match are counted without being parsed (``raw_prefilter``)."""

    case_sensitive: bool = False
    start: float | None = None  # epoch seconds: records before are left out
    end: float | None = None
    max_skip_reasons: int = 50
    input_format: str = "auto"  # or one of logs.formats.FORMATS
    top: int = 5  # identities, resource groups and operations in the noise breakdown
    raw_prefilter: bool = True
    strict: bool = False
    reorder_seconds: float = DEFAULT_REORDER_SECONDS  # disorder tolerated in the input
    jobs: int = 1  # processes; large plain NDJSON files are cut across them
    new_value_warmup: float = 0.0  # seconds from the input's start in which new values only learn
    latency: float | None = None  # seconds every record takes to reach Coralogix (the delay model)
    arrival_field: str | None = None  # or: the record field that holds its arrival time

    @property
    def models_arrival(self) -> bool:
        return self.latency is not None or self.arrival_field is not None

    @property
    def scans_raw(self) -> bool:
        return self.raw_prefilter and not self.strict


def prepare(catalog: Catalog, values: Values, options: BacktestOptions) -> tuple[BacktestResult, Rules]:
    """An empty result (every detection, every exception at 0) and the compiled rules."""
    deployed = [d for d in catalog.detections if values.deploys(d)]
    result = BacktestResult(
        detections={d.id: DetectionTally(values.enabled(d.id)) for d in deployed}, top=options.top
    )
    for detection in deployed:
        for exception in values.all_exceptions(detection.id):
            result.detections[detection.id].suppressed[exception.label] = 0
    return result, _rules(catalog, values, options.case_sensitive)


def reader_for(
    paths: list[Path],
    result: BacktestResult,
    rules: Rules,
    options: BacktestOptions,
    on_bytes: Callable[[int], None] | None = None,
    window: tuple[int, int] | None = None,
) -> Reader:
    def skip(item: Skipped) -> None:
        result.skipped += 1
        if len(result.skip_reasons) < options.max_skip_reasons:
            result.skip_reasons.append(item)

    bounded = options.start is not None or options.end is not None
    scan = options.scans_raw and not bounded and options.input_format in ("auto", "eventhub")
    raw_scan = RawScan.for_queries([rule.query for rule in rules]) if scan else None
    return Reader(paths, skip, on_bytes, options.input_format, raw_scan=raw_scan, window=window)


def fire(matches: Iterable[Match], rules: Rules, result: BacktestResult, options: BacktestOptions) -> None:
    """Feed the matches, put back in time order, to each detection's firing logic; then close the
    less-than windows at the end of the input and derive the flows. Alerts end in time order."""
    engine = Engine(
        rules.specs,
        lambda: options.start if options.start is not None else result.first_time,
        options.new_value_warmup,
        options.models_arrival,
    )
    alerts: list[Alert] = []
    for match in in_time_order(matches, options.reorder_seconds):
        keys = match.groups or [None] * len(match.detections)
        for detection_id, key in zip(match.detections, keys, strict=True):
            result.detections[detection_id].matches += 1
            alerts += engine.feed(detection_id, match.time, key, _location(match), match.arrival)
    end = options.end if options.end is not None else result.last_time
    alerts += engine.finish(end)
    for alert in alerts:
        result.detections[alert.detection].alerts += 1
    for spec in rules.specs:
        if spec.detection.flow is not None:
            result.detections[spec.id].matches = sum(
                len(engine.alerts_by.get(name, [])) for name in spec.detection.flow.stage_ids
            )
    for detection_id, count in engine.outside_schedule.items():
        result.detections[detection_id].outside_schedule = count
    alerts.sort(key=lambda a: (a.time, a.detection))
    result.alerts += [_alert_dict(a) for a in alerts]
    result.silences = engine.silences


def matches_of(
    reader: Reader, rules: Rules, result: BacktestResult, options: BacktestOptions
) -> Iterator[Match]:
    """Every match of the reader's records, in input order (noise tallies updated on the way).
    The hot loop: parse time, prefilter, evaluate the few candidates."""
    case_sensitive, start, end, skip = options.case_sensitive, options.start, options.end, reader.on_skip
    prefilter = Prefilter([rule.query for rule in rules])
    fold = not case_sensitive
    bounded = start is not None or end is not None
    span = rules.needs_span
    number = 0
    for record, where in reader:
        try:
            moment = parse_time(record.get("time"))
        except BadTime as exc:
            reason = (
                str(exc)
                if "time" in record
                else f"no usable time: {describe_shape(record)} has no time field"
            )
            skip(Skipped(where, reason, SkipKind.RECORD))
            continue
        number += 1
        if bounded and ((start is not None and moment < start) or (end is not None and moment >= end)):
            result.out_of_range += 1
            continue
        if span:
            result.spans(moment, moment)
        candidates = prefilter.candidates(record)
        if not candidates:
            continue
        doc = Document(record, fold)  # one token cache shared by the candidate rules
        matched = tuple(rules[i] for i in candidates if rules[i].query.root.match(doc))
        kept = tuple(rule for rule in matched if not rule.exceptions or not _suppressed(rule, doc, result))
        if kept:
            who, where_, what = noise_keys(record)
            for rule in kept:
                tally = result.detections[rule.id]
                tally.identities[who] += 1
                tally.resource_groups[where_] += 1
                tally.operations[what] += 1
            groups = tuple(rule.spec.key(record) for rule in kept) if any(r.spec.keyed for r in kept) else ()
            arrival = _arrival(record, moment, options) if options.models_arrival else None
            yield Match(moment, number, tuple(rule.id for rule in kept), groups, where, arrival)
    result.records = number - result.out_of_range + reader.unparsed
    result.seen.update(reader.seen)


def _arrival(record: dict[str, Any], moment: float, options: BacktestOptions) -> float | None:
    """When the record reached Coralogix: its arrival field, else its time plus the fixed latency;
    None (on time) when neither says."""
    if options.arrival_field:
        value = next(iter(leaves(record, tuple(options.arrival_field.split(".")))), None)
        try:
            return parse_time(value)
        except BadTime:
            return None
    return moment + options.latency if options.latency is not None else None


def _location(match: Match) -> str:
    """file:line[#index] of the record: what an alert points at, in text and JSON."""
    return str(match.where) if match.where is not None else str(match.number)


def _suppressed(rule: _Rule, doc: Document, result: BacktestResult) -> bool:
    """Count the match against every exception that removes it; True when one does."""
    hits = [label for label, clause in rule.exceptions if clause.root.match(doc)]
    for label in hits:
        result.detections[rule.id].suppressed[label] += 1
    return bool(hits)


def _alert_dict(alert: Alert) -> dict[str, Any]:
    found: dict[str, Any] = {
        "detection": alert.detection,
        "time": format_time(alert.time),
        "matches": alert.matches if alert.count is None else alert.count,
        "records": alert.records,
    }
    if alert.key is not None:
        found["key"] = alert.key
    if alert.since is not None:
        found["silent_since"] = format_time(alert.since)
    if alert.stages:
        found["stages"] = [{"detection": d, "time": format_time(t)} for d, t in alert.stages]
    return found
