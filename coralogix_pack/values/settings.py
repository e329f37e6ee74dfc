"""Alert settings beyond what an alert fires on: evaluation delay, schedule, Notification Center
destinations and router, payload fields and data set (docs/values.md, "Alert settings").

Each is set for every alert, per priority (destinations) or per detection; ``AlertSettings`` is
what one detection ends up with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# Microsoft documents Activity Log events as available 3 to 20 minutes after the operation and
# Azure Monitor ingestion at 20 s to 3 min typically (docs/values.md): 10 minutes covers the
# usual case and keeps threshold alerts timely; raise it for the documented worst case.
DEFAULT_EVALUATION_DELAY_MS = 600_000
MAX_EVALUATION_DELAY_MS = 10_800_000  # the API's limit: 3 hours
ALWAYS = "always"  # a detection's schedule ({always: true}) that lifts the default one
_DURATION = re.compile(r"^(\d{1,5})(s|m|h)$")
_UNIT_MS = {"s": 1000, "m": 60_000, "h": 3_600_000}


def duration_ms(text: str | int) -> int:
    """``"10m"`` -> 600000; a bare 0 is zero. ValueError for anything else."""
    if text == 0:
        return 0
    match = _DURATION.fullmatch(str(text))
    if not match:
        raise ValueError(f"{text!r} is not a duration such as 90s, 10m or 2h")
    return int(match.group(1)) * _UNIT_MS[match.group(2)]


def minutes_of(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


@dataclass(frozen=True)
class Schedule:
    """When the alert is active, in UTC: on ``days``, from ``start`` to ``end`` ("HH:MM"); an end
    before the start runs overnight into the next day."""

    days: tuple[str, ...]
    start: str
    end: str

    def active(self, epoch: float) -> bool:
        from datetime import UTC, datetime

        moment = datetime.fromtimestamp(epoch, UTC)
        minute = moment.hour * 60 + moment.minute
        start, end = minutes_of(self.start), minutes_of(self.end)
        today, yesterday = DAYS[moment.weekday()], DAYS[(moment.weekday() - 1) % 7]
        if start < end:
            return today in self.days and start <= minute < end
        if start == end:  # the whole day
            return today in self.days
        return (today in self.days and minute >= start) or (yesterday in self.days and minute < end)

    def describe(self) -> str:
        return f"{', '.join(d[:3] for d in self.days)} {self.start}-{self.end} UTC"


@dataclass(frozen=True)
class Destination:
    """A Notification Center destination: a connector, an optional preset, when it notifies."""

    connector_id: str
    preset_id: str = ""
    notify_on: str | None = None  # None: the incident cadence's
    retrigger_minutes: int | None = None


@dataclass(frozen=True)
class Router:
    """Notification Center's global router: notifications routed by the alert's labels."""

    notify_on: str = "triggered_only"


@dataclass(frozen=True)
class DataSource:
    data_space: str
    data_set: str


@dataclass(frozen=True)
class AlertSettings:
    evaluation_delay_ms: int = 0  # threshold-type alerts only
    schedule: Schedule | None = None
    destinations: tuple[Destination, ...] = ()
    router: Router | None = None
    payload_fields: tuple[str, ...] = ()  # without the field prefix
    data_source: DataSource | None = None


@dataclass(frozen=True)
class SettingsOverride:
    """What a detection's entry in a values file sets; None: not set there."""

    evaluation_delay_ms: int | None = None
    schedule: Schedule | str | None = None  # ALWAYS lifts the default schedule
    destinations: tuple[Destination, ...] = ()
    payload_fields: tuple[str, ...] | None = None
    data_source: DataSource | None = None


@dataclass(frozen=True)
class SettingsDefaults:
    evaluation_delay_ms: int | None = None  # None: DEFAULT_EVALUATION_DELAY_MS
    schedule: Schedule | None = None
    destinations: tuple[Destination, ...] = ()
    destinations_by_priority: dict[str, tuple[Destination, ...]] = field(default_factory=dict)
    router: Router | None = None
    payload_fields: tuple[str, ...] = ()
    data_source: DataSource | None = None

    def resolve(self, priority: str, thresholded: bool, override: SettingsOverride) -> AlertSettings:
        delay = _first(override.evaluation_delay_ms, self.evaluation_delay_ms, DEFAULT_EVALUATION_DELAY_MS)
        schedule = _first(override.schedule, self.schedule)
        by_priority = self.destinations_by_priority.get(priority, ())
        destinations = (*self.destinations, *by_priority, *override.destinations)
        return AlertSettings(
            evaluation_delay_ms=delay if thresholded else 0,
            schedule=schedule if isinstance(schedule, Schedule) else None,
            destinations=destinations,
            router=None if destinations else self.router,
            payload_fields=_first(override.payload_fields, self.payload_fields),
            data_source=override.data_source or self.data_source,
        )


def _first(*choices: Any) -> Any:
    """The first choice that is set (not None)."""
    return next((c for c in choices if c is not None), None)


def schedule_from(raw: Any) -> Schedule | str | None:
    if raw is None:
        return None
    if raw == ALWAYS or (isinstance(raw, dict) and raw.get("always") is True):
        return ALWAYS
    ordered = tuple(d for d in DAYS if d in raw["days"])
    return Schedule(ordered, raw["start"], raw["end"])


def destinations_from(items: list[dict[str, Any]]) -> tuple[Destination, ...]:
    return tuple(
        Destination(d["connector_id"], d.get("preset_id", ""), d.get("notify_on"), d.get("retrigger_minutes"))
        for d in items
    )


def data_source_from(raw: dict[str, Any] | None) -> DataSource | None:
    return DataSource(raw["data_space"], raw["data_set"]) if raw else None


def defaults_from(raw: dict[str, Any]) -> SettingsDefaults:
    notifications = raw.get("notifications", {})
    delay = raw.get("evaluation_delay")
    schedule = schedule_from(raw.get("schedule"))
    router = notifications.get("router")
    return SettingsDefaults(
        evaluation_delay_ms=None if delay is None else duration_ms(delay),
        schedule=schedule if isinstance(schedule, Schedule) else None,
        destinations=destinations_from(notifications.get("destinations", [])),
        destinations_by_priority={
            priority: destinations_from(route.get("destinations", []))
            for priority, route in sorted(notifications.get("by_priority", {}).items())
        },
        router=Router(router.get("notify_on", "triggered_only")) if router is not None else None,
        payload_fields=tuple(raw.get("payload_fields", ())),
        data_source=data_source_from(raw.get("data_source")),
    )


def override_from(raw: dict[str, Any]) -> SettingsOverride:
    delay = raw.get("evaluation_delay")
    fields = raw.get("payload_fields")
    return SettingsOverride(
        evaluation_delay_ms=None if delay is None else duration_ms(delay),
        schedule=schedule_from(raw.get("schedule")),
        destinations=destinations_from((raw.get("notifications") or {}).get("destinations", [])),
        payload_fields=None if fields is None else tuple(fields),
        data_source=data_source_from(raw.get("data_source")),
    )
