"""`pack preview`: how many alerts each enabled detection would have raised, from the account's logs.

Coralogix's engine does the scanning; only aggregates come back. Immediate detections count
matches per day. Threshold detections count matches per window on the UTC-aligned grid and on
the grid shifted by half a window, and merge the windows over the threshold from both into
bursts: one burst, one alert. That is an estimate (the real-time engine's window alignment is not
documented): a burst spread over more than half a window can be split by both grids and missed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from coralogix_pack.catalog.model import WINDOW_SECONDS
from coralogix_pack.core.timeutil import format_time
from coralogix_pack.query import dataprime
from coralogix_pack.query import kind_preview as kinds
from coralogix_pack.query.client import QueryClient, QueryFailed, QueryResult
from coralogix_pack.query.windows import DAY, bucket_start, chunk_step, merged, tiles
from coralogix_pack.rendering.view import AlertView
from coralogix_pack.values.exceptions import exception_clause

IDENTITY_FIELDS = ("identity.claims.name", "caller", "identity.claims.appid")
RESOURCE_FIELDS = ("resourceId",)
TOP = 5


@dataclass
class Top:
    value: Any
    count: int

    def as_dict(self) -> dict[str, Any]:
        return {"value": self.value, "count": self.count}


@dataclass
class DetectionPreview:
    id: str
    kind: str
    matches: int = 0
    alerts: int = 0
    per_day: dict[str, dict[str, int]] = field(default_factory=dict)
    lower_bound: bool = False
    top_identities: list[Top] = field(default_factory=list)
    top_resources: list[Top] = field(default_factory=list)
    grids: dict[str, int] = field(default_factory=dict)  # threshold: windows over N per grid
    warnings: list[str] = field(default_factory=list)
    error: str = ""
    suppressed: list[tuple[str, int]] = field(default_factory=list)  # (exception, matches it removed)
    estimate: bool = False  # counted from windows on fixed grids, not from a rolling evaluation
    outside_schedule: int = 0  # alerts (immediate: matches) suppressed by the alert's schedule
    alert_times: list[float] = field(default_factory=list)  # when each alert fired (flows use them)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "ok": not self.error,
            "error": self.error,
            "matches": self.matches,
            "alerts": self.alerts,
            "at_least": self.lower_bound,
            "estimate": self.estimate,
            "per_day": self.per_day,
            "windows_over_threshold": self.grids,
            "top_identities": [t.as_dict() for t in self.top_identities],
            "top_resources": [t.as_dict() for t in self.top_resources],
            "warnings": self.warnings,
            "exceptions": [{"exception": label, "suppressed": n} for label, n in self.suppressed],
            "outside_schedule": self.outside_schedule,
        }


@dataclass
class PreviewReport:
    start: float
    end: float
    tier: str
    detections: list[DetectionPreview]
    queries: int = 0

    @property
    def ok(self) -> bool:
        return all(not d.error for d in self.detections)

    def as_dict(self) -> dict[str, Any]:
        return {
            "format_version": "1",
            "from": format_time(self.start),
            "to": format_time(self.end),
            "tier": self.tier,
            "queries": self.queries,
            "ok": self.ok,
            "detections": [d.as_dict() for d in self.detections],
        }


def _day(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d")


class Previewer:
    def __init__(
        self, client: QueryClient, start: float, end: float, progress: Callable[[str], None] | None = None
    ):
        self.client = client
        self.start, self.end = start, end
        self.progress = progress or (lambda text: None)
        self.stage_ids: set[str] = set()  # detections whose alert times a flow needs
        self.alert_times: dict[str, list[float]] = {}

    def detection(self, view: AlertView) -> DetectionPreview:
        result = DetectionPreview(view.id, view.kind, estimate=view.kind != "immediate")
        filters = dataprime.label_filter(view.application_names, view.subsystem_names, view.severities)
        stages = dataprime.base(filters, view.query)
        try:
            if view.kind == "flow":
                self._flow(view, result)
                return result
            self._daily(stages, result)
            if view.kind in ("new-value", "unique-count") or (view.threshold and view.threshold.less_than):
                self._kind(stages, view, result)
            elif result.matches and view.threshold is not None:
                window = WINDOW_SECONDS[view.threshold.window]
                self._threshold(stages, view.threshold.count, window, result, view.group_by)
            elif view.threshold is None:
                result.alerts = result.matches
                for day in result.per_day.values():
                    day["alerts"] = day["matches"]
                if view.id in self.stage_ids:
                    result.alert_times = kinds.alert_minutes(
                        self._runner(result), stages, self.start, self.end
                    )
            if view.settings.schedule is not None and result.alerts:
                self._schedule(stages, view, result)
            if result.matches:
                result.top_identities = self._top(stages, IDENTITY_FIELDS, "identity", view, result)
                result.top_resources = self._top(stages, RESOURCE_FIELDS, "resource", view, result)
            for exception in view.exceptions:
                clause = exception_clause(exception, view.field_prefix)
                removed = dataprime.base(filters, f"({view.base_query}) AND ({clause})")
                rows = self._run(dataprime.count(removed), self.start, self.end, result).rows
                hits = (
                    _int((rows[0].data or {}).get("hits", 0))
                    if rows and isinstance(rows[0].data, dict)
                    else 0
                )
                result.suppressed.append((exception.label, hits))
        except QueryFailed as exc:
            result.error = str(exc)
        return result

    def _run(self, query: str, start: float, end: float, result: DetectionPreview) -> QueryResult:
        self.progress(f"{result.id}: {format_time(start)} .. {format_time(end)}")
        answer = self.client.run(query, format_time(start), format_time(end))
        result.lower_bound |= answer.lower_bound
        result.warnings += answer.warnings
        return answer

    def _daily(self, stages: list[str], result: DetectionPreview) -> None:
        query = dataprime.per_bucket(stages, DAY)
        for start, end in tiles(self.start, self.end, chunk_step(DAY, 900 * DAY)):
            for row in self._run(query, start, end, result).rows:
                day, hits = _bucket(row.data)
                entry = result.per_day.setdefault(_day(day), {"matches": 0, "alerts": 0})
                entry["matches"] += hits
                result.matches += hits

    def _threshold(
        self, stages: list[str], over: int, window: float, result: DetectionPreview, group_by: tuple[str, ...]
    ) -> None:
        """Windows over the threshold on both grids, per group when the alert groups, merged into
        bursts: one burst of one group is one alert."""
        found: dict[tuple[Any, ...], list[tuple[float, float]]] = {}
        names = [f"g{i}" for i in range(len(group_by))]
        for name, offset in (("aligned", 0.0), ("half-window offset", window / 2)):
            query = dataprime.per_bucket(stages, window, offset_seconds=offset, over=over, group_by=group_by)
            # the shifted grid's buckets start half a window before each aligned boundary
            count = 0
            for start, end in tiles(self.start, self.end, chunk_step(window), -offset):
                for row in self._run(query, start, end, result).rows:
                    bucket, hits = _bucket(row.data)
                    if hits > over:
                        group = tuple(_hashable(row.data.get(n)) for n in names)
                        found.setdefault(group, []).append((bucket - offset, bucket - offset + window))
                        count += 1
            result.grids[name] = count
        bursts = [burst for windows in found.values() for burst in merged(windows)]
        self._fired(result, [start for start, _ in bursts])

    def _fired(self, result: DetectionPreview, times: list[float]) -> None:
        result.alerts = len(times)
        result.alert_times = sorted(times)
        for moment in times:
            result.per_day.setdefault(_day(moment), {"matches": 0, "alerts": 0})["alerts"] += 1

    def _schedule(self, stages: list[str], view: AlertView, result: DetectionPreview) -> None:
        """Alerts outside the schedule are suppressed: an immediate detection's matches counted per
        hour (per minute when the schedule starts or ends off the hour), the others' alert times."""
        schedule = view.settings.schedule
        assert schedule is not None
        if view.kind == "immediate":
            whole_hours = schedule.start.endswith(":00") and schedule.end.endswith(":00")
            step = 3600.0 if whole_hours else 60.0
            query = dataprime.per_bucket(stages, step)
            outside: Counter[str] = Counter()
            for start, end in tiles(self.start, self.end, chunk_step(step)):
                for row in self._run(query, start, end, result).rows:
                    bucket, hits = _bucket(row.data)
                    if not schedule.active(bucket):
                        outside[_day(bucket)] += hits
            for day, hits in outside.items():
                result.per_day[day]["alerts"] -= hits
            result.outside_schedule = sum(outside.values())
            result.alerts -= result.outside_schedule
            return
        kept = [t for t in result.alert_times if schedule.active(t)]
        result.outside_schedule = len(result.alert_times) - len(kept)
        for counts in result.per_day.values():
            counts["alerts"] = 0
        self._fired(result, kept)

    def _runner(self, result: DetectionPreview) -> kinds.Run:
        return lambda query, start, end: self._run(query, start, end, result)

    def _kind(self, stages: list[str], view: AlertView, result: DetectionPreview) -> None:
        run = self._runner(result)
        if view.new_value:
            learn = view.new_value.window_seconds
            first = kinds.new_value_keys(run, stages, view.new_value.keypath, self.start, self.end, learn)
            self._fired(result, list(first.values()))
            result.lower_bound = result.lower_bound or self.end - self.start > learn
            result.estimate = False
        elif view.unique_count:
            uc = view.unique_count
            found, result.grids = kinds.bursts(
                run,
                stages,
                uc.window_seconds,
                self.start,
                self.end,
                over=uc.count,
                group_by=view.group_by,
                distinct=uc.keypath,
            )
            self._fired(result, [start for start, _ in found])
        elif view.threshold is not None:
            if view.group_by:
                result.warnings.append("a less-than detection with group_by is previewed without its groups")
            window = WINDOW_SECONDS[view.threshold.window]
            found, result.grids = kinds.bursts(
                run, stages, window, self.start, self.end, under=view.threshold.count
            )
            self._fired(result, [start + window for start, _ in found])

    def _flow(self, view: AlertView, result: DetectionPreview) -> None:
        flow = view.detection.flow
        assert flow is not None
        times = {name: self.alert_times.get(name, []) for name in flow.stage_ids}
        self._fired(result, kinds.flow_times(view.id, flow, times))

    def _top(
        self, stages: list[str], fields: tuple[str, ...], name: str, view: AlertView, result: DetectionPreview
    ) -> list[Top]:
        prefix = view.field_prefix + "." if view.field_prefix else ""
        query = dataprime.top(stages, [prefix + f for f in fields], name, TOP)
        counts: Counter[Any] = Counter()
        for start, end in tiles(self.start, self.end, chunk_step(DAY, 900 * DAY)):
            for row in self._run(query, start, end, result).rows:
                data = row.data if isinstance(row.data, dict) else {}
                counts[_hashable(data.get(name))] += _int(data.get("hits"))
        return [Top(value, count) for value, count in counts.most_common(TOP)]


def _bucket(data: Any) -> tuple[float, int]:
    if not isinstance(data, dict):
        raise QueryFailed("an aggregation row has no columns")
    try:
        return bucket_start(data.get("bucket")), _int(data.get("hits"))
    except ValueError as exc:
        raise QueryFailed(f"an aggregation row has an unreadable bucket: {exc}") from None


def _int(value: Any) -> int:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        raise QueryFailed(f"an aggregation row has a count that is not a number: {value!r}") from None


def _hashable(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool) or value is None else repr(value)


def preview(
    client: QueryClient,
    views: list[AlertView],
    start: float,
    end: float,
    progress: Callable[[str], None] | None = None,
) -> PreviewReport:
    previewer = Previewer(client, start, end, progress)
    enabled = [v for v in views if v.enabled]
    previewer.stage_ids = {n for v in enabled if v.detection.flow for n in v.detection.flow.stage_ids}
    done: dict[str, DetectionPreview] = {}
    for view in sorted(enabled, key=lambda v: v.kind == "flow"):  # flows after their stages
        done[view.id] = previewer.detection(view)
        previewer.alert_times[view.id] = done[view.id].alert_times
    return PreviewReport(start, end, client.tier, [done[v.id] for v in enabled], client.sent)
