"""How each detection fires, whatever its kind: matches in time order in, alerts out.

Shared by `pack backtest` (``offline.replay``) and the sequence tests of `pack test`
(``offline.sequences``), so both evaluate a detection the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from coralogix_pack.catalog.model import Catalog, Detection, Kind, Threshold
from coralogix_pack.lucene.fields import prefixed
from coralogix_pack.lucene.records import as_text, leaves
from coralogix_pack.offline.kinds_firing import (
    GroupedLessThan,
    LessThanFiring,
    NewValueFiring,
    Silence,
    UniqueCountFiring,
    flow_alerts,
)
from coralogix_pack.offline.windows import (
    Alert,
    GroupedFiring,
    GroupedLagged,
    LaggedThresholdFiring,
    firing_for,
)
from coralogix_pack.values.model import Values
from coralogix_pack.values.settings import Schedule

Path_ = tuple[str, ...]


@dataclass(frozen=True)
class FiringSpec:
    """One detection's firing settings with the values applied (threshold, group-by, prefix,
    evaluation delay and schedule)."""

    detection: Detection
    threshold: Threshold | None
    group_by: tuple[Path_, ...] = ()
    keypath: Path_ = ()
    delay_seconds: float = 0.0
    schedule: Schedule | None = None

    @property
    def less_than(self) -> bool:
        return self.threshold is not None and self.threshold.less_than

    @property
    def id(self) -> str:
        return self.detection.id

    @property
    def kind(self) -> Kind:
        return self.detection.kind

    def key(self, record: dict[str, Any]) -> Any:
        """What the firing needs of a matching record beyond its time: its group (threshold with
        group-by, less-than), its value (new value) or both (unique count)."""
        group = _text(record, self.group_by) if self.group_by else None
        if self.kind is Kind.NEW_VALUE:
            return _value(record, self.keypath)
        if self.kind is Kind.UNIQUE_COUNT:
            return group, _value(record, self.keypath)
        return group

    @property
    def keyed(self) -> bool:
        return bool(self.group_by or self.keypath)


def _value(record: dict[str, Any], path: Path_) -> str | None:
    value = next(iter(leaves(record, path)), None)
    return None if value is None else as_text(value)


def _text(record: dict[str, Any], paths: tuple[Path_, ...]) -> str:
    return "|".join(_value(record, p) or "" for p in paths)


def firing_specs(
    catalog: Catalog, values: Values, prefix: str | None = None, *, every: bool = False
) -> list[FiringSpec]:
    """The specs of the catalog's detections that the values deploy and enable (``every``: all)."""
    field_prefix = values.field_prefix if prefix is None else prefix

    def path(name: str) -> Path_:
        return tuple(prefixed(name, field_prefix).split("."))

    specs = []
    for detection in catalog.detections:
        if not every and not (values.enabled(detection.id) and values.deploys(detection)):
            continue
        groups = values.override(detection.id).group_by
        keypath: Path_ = ()
        if detection.new_value:
            keypath = path(detection.new_value.keypath)
        if detection.unique_count:
            keypath = path(detection.unique_count.keypath)
            groups = detection.unique_count.group_by
        threshold = values.threshold(detection.id, detection.threshold)
        settings = values.alert_settings(detection)
        groups_path = tuple(path(g) for g in groups)
        delay = settings.evaluation_delay_ms / 1000
        specs.append(FiringSpec(detection, threshold, groups_path, keypath, delay, settings.schedule))
    return specs


@dataclass
class Engine:
    """Feeds matches to each detection's firing; ``finish`` closes the less-than windows at the end
    of the input and derives the flows' alerts from their stages'."""

    specs: list[FiringSpec]
    span_start: Callable[[], float | None]  # the input's first moment, once known
    new_value_warmup: float = 0.0
    arrivals: bool = False  # records carry arrival times: more-than thresholds model the delay
    outside_schedule: dict[str, int] = field(default_factory=dict)  # suppressed by the schedule
    alerts_by: dict[str, list[Alert]] = field(default_factory=dict)
    _firings: dict[str, Any] = field(default_factory=dict)
    _specs: dict[str, FiringSpec] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for spec in self.specs:
            self.alerts_by[spec.id] = []
            self._specs[spec.id] = spec

    def _firing(self, spec: FiringSpec, start: float) -> Any:
        """Made at the detection's first match, when the input's first moment is known."""
        detection = spec.detection
        if detection.new_value:
            learn = start + self.new_value_warmup if self.new_value_warmup else None
            return NewValueFiring(spec.id, detection.new_value.window_seconds, learn)
        if detection.unique_count:
            uc = detection.unique_count
            return UniqueCountFiring(spec.id, uc.count, uc.window_seconds)
        if spec.threshold and spec.threshold.less_than:
            return self._less_than(spec, start)
        if self.arrivals and spec.threshold is not None:
            if spec.group_by:
                return GroupedLagged(spec.id, spec.threshold)
            return LaggedThresholdFiring(spec.id, spec.threshold.count, float(spec.threshold.window_seconds))
        if spec.group_by:
            return GroupedFiring(spec.id, spec.threshold)
        return firing_for(spec.id, spec.threshold)

    def _less_than(self, spec: FiringSpec, start: float) -> LessThanFiring | GroupedLessThan:
        threshold = spec.threshold
        assert threshold is not None
        window = float(threshold.window_seconds)
        if not spec.group_by:
            return LessThanFiring(spec.id, threshold.count, window, start)
        undetected = threshold.undetected
        trigger = bool(undetected and undetected.trigger)
        retire = undetected.retire_seconds if undetected else None
        return GroupedLessThan(spec.id, threshold.count, window, start, trigger, retire)

    def feed(
        self, detection_id: str, time: float, key: Any, ref: Any, arrival: float | None = None
    ) -> list[Alert]:
        """A match (in event-time order); ``arrival``: when it reached Coralogix, if known."""
        spec = self._specs[detection_id]
        if spec.schedule is not None and not spec.less_than and not spec.schedule.active(time):
            self.outside_schedule[detection_id] = self.outside_schedule.get(detection_id, 0) + 1
            return []
        firing = self._firings.get(detection_id)
        if firing is None:
            start = self.span_start()
            first = time if start is None else min(start, time)
            firing = self._firings[detection_id] = self._firing(spec, first)
        lag = max(0.0, (time if arrival is None else arrival) - time - spec.delay_seconds)
        fired = _fed(firing, time, key, ref, lag)
        self.alerts_by[detection_id] += fired
        return fired

    def finish(self, end: float | None) -> list[Alert]:
        """The alerts found only at the end: silences up to ``end`` and every flow's alerts."""
        found: list[Alert] = []
        start = self.span_start()
        for detection_id, lagged in self._firings.items():
            if isinstance(lagged, LaggedThresholdFiring | GroupedLagged):
                fired = lagged.finish()
                self.alerts_by[detection_id] += fired
                found += fired
        for spec in self.specs:
            if not (spec.threshold and spec.threshold.less_than) or end is None:
                continue
            if spec.id not in self._firings and start is not None:  # no match at all in the input
                self._firings[spec.id] = self._less_than(spec, start)
            firing = self._firings.get(spec.id)
            if firing is not None:
                fired = self._scheduled(spec, firing.finish(end))
                self.alerts_by[spec.id] += fired
                found += fired
        for spec in _flows_in_order(self.specs):
            assert spec.detection.flow is not None
            fired = self._scheduled(spec, flow_alerts(spec.id, spec.detection.flow, self.alerts_by))
            self.alerts_by[spec.id] = fired
            found += fired
        return found

    def _scheduled(self, spec: FiringSpec, alerts: list[Alert]) -> list[Alert]:
        """Alerts found at the end (silences, flows): those outside the schedule are suppressed."""
        if spec.schedule is None:
            return alerts
        kept = [a for a in alerts if spec.schedule.active(a.time)]
        if len(kept) < len(alerts):
            self.outside_schedule[spec.id] = self.outside_schedule.get(spec.id, 0) + len(alerts) - len(kept)
        return kept

    @property
    def silences(self) -> list[Silence]:
        found = []
        for firing in self._firings.values():
            if isinstance(firing, LessThanFiring | GroupedLessThan):
                found += firing.silences
        return sorted(found, key=lambda s: (s.since, s.detection, s.group or ""))


def _fed(firing: Any, time: float, key: Any, ref: Any, lag: float) -> list[Alert]:
    if isinstance(firing, LaggedThresholdFiring):
        return firing.feed(time, lag, ref)
    if isinstance(firing, GroupedLagged):
        return firing.feed(key, time, lag, ref)
    if isinstance(firing, LessThanFiring):
        return firing.feed(time)
    if isinstance(firing, GroupedLessThan):
        return firing.feed(time, key)
    if isinstance(firing, NewValueFiring):
        alert = firing.feed(time, key, ref)
    elif isinstance(firing, UniqueCountFiring):
        alert = firing.feed(time, key[0], key[1], ref)
    elif isinstance(firing, GroupedFiring):
        alert = firing.feed_group(key, time, ref)
    else:
        alert = firing.feed(time, ref)
    return [] if alert is None else [alert]


def _flows_in_order(specs: list[FiringSpec]) -> list[FiringSpec]:
    """Flows after the flows their stages name (the catalog has no cycles)."""
    flows = {s.id: s for s in specs if s.kind is Kind.FLOW}
    ordered: list[FiringSpec] = []

    def visit(spec: FiringSpec) -> None:
        if spec in ordered:
            return
        assert spec.detection.flow is not None
        for name in spec.detection.flow.stage_ids:
            if name in flows:
                visit(flows[name])
        ordered.append(spec)

    for spec in flows.values():
        visit(spec)
    return ordered
