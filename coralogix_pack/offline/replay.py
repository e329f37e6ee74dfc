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
from coralogix_pack.lucene.fields import prefixed
from coralogix_pack.lucene.prefilter import Prefilter
from coralogix_pack.lucene.records import as_text, leaves
from coralogix_pack.lucene.syntax import render_query
from coralogix_pack.offline.windows import Alert, Firing, GroupedFiring, firing_for
from coralogix_pack.values.exceptions import exception_clause
from coralogix_pack.values.model import Values

DEFAULT_REORDER_SECONDS = 600.0


@dataclass
class DetectionTally:
    enabled: bool
    matches: int = 0
    alerts: int = 0
    suppressed: dict[str, int] = field(default_factory=dict)  # exception label -> matches it removed
    identities: Counter[str] = field(default_factory=Counter)
    resource_groups: Counter[str] = field(default_factory=Counter)
    operations: Counter[str] = field(default_factory=Counter)

    def as_dict(self, top: int = 5) -> dict[str, Any]:
        exceptions = [{"exception": k, "suppressed": v} for k, v in self.suppressed.items()]
        return {
            "matches": self.matches,
            "alerts": self.alerts,
            "enabled": self.enabled,
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

    def as_dict(self) -> dict[str, Any]:
        return {
            "format_version": "1",
            "records": self.records,
            "skipped": self.skipped,
            "out_of_range": self.out_of_range,
            "detections": {k: v.as_dict(self.top) for k, v in sorted(self.detections.items())},
            "alerts": self.alerts,
        }


@dataclass(frozen=True)
class _Rule:
    id: str
    query: CompiledQuery
    firing: Firing
    exceptions: tuple[tuple[str, CompiledQuery], ...] = ()  # (label, clause): a match of one is removed
    group_by: tuple[tuple[str, ...], ...] = ()  # field paths whose values split the threshold count


def _rules(catalog: Catalog, values: Values, case_sensitive: bool) -> list[_Rule]:
    rules = []
    for detection in catalog.detections:
        if not values.enabled(detection.id):
            continue
        threshold = values.threshold(detection.id, detection.threshold)
        query = compile_query(render_query(detection.query, values.field_prefix), case_sensitive)
        exceptions = tuple(
            (e.label, compile_query(exception_clause(e, values.field_prefix), case_sensitive))
            for e in values.all_exceptions(detection.id)
        )
        groups = tuple(
            tuple(prefixed(f, values.field_prefix).split(".")) for f in values.override(detection.id).group_by
        )
        firing = GroupedFiring(detection.id, threshold) if groups else firing_for(detection.id, threshold)
        rules.append(_Rule(detection.id, query, firing, exceptions, groups))
    return rules


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

    @property
    def scans_raw(self) -> bool:
        return self.raw_prefilter and not self.strict


def prepare(catalog: Catalog, values: Values, options: BacktestOptions) -> tuple[BacktestResult, list[_Rule]]:
    """An empty result (every detection, every exception at 0) and the compiled rules."""
    result = BacktestResult(
        detections={d.id: DetectionTally(values.enabled(d.id)) for d in catalog.detections}, top=options.top
    )
    for detection in catalog.detections:
        for exception in values.all_exceptions(detection.id):
            result.detections[detection.id].suppressed[exception.label] = 0
    return result, _rules(catalog, values, options.case_sensitive)


def reader_for(
    paths: list[Path],
    result: BacktestResult,
    rules: list[_Rule],
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


def fire(
    matches: Iterable[Match], rules: list[_Rule], result: BacktestResult, reorder_seconds: float
) -> None:
    """Feed the matches, put back in time order, to each detection's firing logic."""
    firings = {rule.id: rule.firing for rule in rules}
    for match in in_time_order(matches, reorder_seconds):
        for detection_id, group in zip(
            match.detections, match.groups or [None] * len(match.detections), strict=True
        ):
            tally = result.detections[detection_id]
            tally.matches += 1
            firing = firings[detection_id]
            alert = (
                firing.feed_group(group, match.time, _location(match))
                if isinstance(firing, GroupedFiring)
                else firing.feed(match.time, _location(match))
            )
            if alert is not None:
                tally.alerts += 1
                result.alerts.append(_alert_dict(alert))


def matches_of(
    reader: Reader, rules: list[_Rule], result: BacktestResult, options: BacktestOptions
) -> Iterator[Match]:
    """Every match of the reader's records, in input order (noise tallies updated on the way).
    The hot loop: parse time, prefilter, evaluate the few candidates."""
    case_sensitive, start, end, skip = options.case_sensitive, options.start, options.end, reader.on_skip
    prefilter = Prefilter([rule.query for rule in rules])
    fold = not case_sensitive
    bounded = start is not None or end is not None
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
            groups = tuple(_group(rule, record) for rule in kept) if any(r.group_by for r in kept) else ()
            yield Match(moment, number, tuple(rule.id for rule in kept), groups, where)
    result.records = number - result.out_of_range + reader.unparsed


def _location(match: Match) -> str:
    """file:line[#index] of the record: what an alert points at, in text and JSON."""
    return str(match.where) if match.where is not None else str(match.number)


def _suppressed(rule: _Rule, doc: Document, result: BacktestResult) -> bool:
    """Count the match against every exception that removes it; True when one does."""
    hits = [label for label, clause in rule.exceptions if clause.root.match(doc)]
    for label in hits:
        result.detections[rule.id].suppressed[label] += 1
    return bool(hits)


def _group(rule: _Rule, record: dict[str, Any]) -> str | None:
    if not rule.group_by:
        return None
    parts = []
    for path in rule.group_by:
        value = next(iter(leaves(record, path)), None)
        parts.append(as_text(value) or "")
    return "|".join(parts)


def _alert_dict(alert: Alert) -> dict[str, Any]:
    return {
        "detection": alert.detection,
        "time": format_time(alert.time),
        "matches": alert.matches,
        "records": alert.records,
    }
