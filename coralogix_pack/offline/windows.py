"""Coralogix alert firing semantics over a time-ordered stream of matching records.

Immediate: one alert per matching record.
Threshold: the alert fires when the matches inside a rolling window of the
detection's length become strictly more than the threshold, and fires again
only after the count has dropped back to the threshold or below. The window is
half-open: a match exactly one window length after another is outside it.
"""

from __future__ import annotations

import heapq
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from coralogix_pack.catalog.model import Threshold


@dataclass
class Alert:
    detection: str
    time: float
    records: list[Any]
    key: str | None = None  # the group, or the new value, the alert is about
    count: int | None = None  # less-than: the matches the window held
    since: float | None = None  # less-than: the start of the silence
    stages: list[tuple[str, float]] = field(default_factory=list)  # flow: each stage's alert

    @property
    def matches(self) -> int:
        return len(self.records)


@dataclass
class ImmediateFiring:
    detection: str

    def feed(self, time: float, ref: Any) -> Alert | None:
        return Alert(self.detection, time, [ref])


@dataclass
class ThresholdFiring:
    detection: str
    threshold: int
    window_seconds: float
    _window: deque[tuple[float, Any]] = field(default_factory=deque)
    _armed: bool = True

    def feed(self, time: float, ref: Any) -> Alert | None:
        window = self._window
        while window and window[0][0] <= time - self.window_seconds:
            window.popleft()
        if len(window) <= self.threshold:
            self._armed = True
        window.append((time, ref))
        if self._armed and len(window) > self.threshold:
            self._armed = False
            return Alert(self.detection, time, [r for _, r in window])
        return None


@dataclass
class GroupedFiring:
    """A threshold counted separately per group-by key (the API's groupByKeys): one window each."""

    detection: str
    threshold: Threshold | None
    _groups: dict[str | None, ThresholdFiring | ImmediateFiring] = field(default_factory=dict)

    def feed_group(self, group: str | None, time: float, ref: Any) -> Alert | None:
        firing = self._groups.get(group)
        if firing is None:
            firing = self._groups[group] = firing_for(self.detection, self.threshold)
        return firing.feed(time, ref)

    def feed(self, time: float, ref: Any) -> Alert | None:
        return self.feed_group(None, time, ref)


Firing = ImmediateFiring | ThresholdFiring | GroupedFiring


def firing_for(detection_id: str, threshold: Threshold | None) -> ImmediateFiring | ThresholdFiring:
    """Threshold detections count in windows; the others fire on every match."""
    if threshold is not None:
        return ThresholdFiring(detection_id, threshold.count, float(threshold.window_seconds))
    return ImmediateFiring(detection_id)


@dataclass
class LaggedThresholdFiring:
    """A more-than threshold when records reach Coralogix late. The alert evaluates the window that
    ends ``delay`` before each evaluation, with the records that have arrived by then: a record of
    event time t that arrives ``lag`` after the delay (``max(0, arrival - t - delay)``) counts only in
    the windows ending in [t + lag, t + window), so a late record may never count at all. Without
    lag this is ``ThresholdFiring``. Times are event times; records are fed in event-time order."""

    detection: str
    threshold: int
    window_seconds: float
    _events: list[tuple[float, int, int, Any]] = field(default_factory=list)  # (end, start?, seq, ref)
    _active: dict[int, Any] = field(default_factory=dict)
    _armed: bool = True
    _seq: int = 0

    def feed(self, time: float, lag: float, ref: Any) -> list[Alert]:
        alerts = self._until(time)  # no later record can start a window before its own time
        self._seq += 1
        if lag < self.window_seconds:
            heapq.heappush(self._events, (time + lag, 1, self._seq, ref))
            heapq.heappush(self._events, (time + self.window_seconds, 0, self._seq, ref))
        return alerts

    def finish(self) -> list[Alert]:
        return self._until(float("inf"))

    def _until(self, limit: float) -> list[Alert]:
        alerts = []
        while self._events and self._events[0][0] < limit:
            moment, starts, seq, ref = heapq.heappop(self._events)
            if not starts:  # window ends come first at equal times: the window is half-open
                self._active.pop(seq, None)
                if len(self._active) <= self.threshold:
                    self._armed = True
                continue
            self._active[seq] = ref
            if self._armed and len(self._active) > self.threshold:
                self._armed = False
                alerts.append(Alert(self.detection, moment, [self._active[s] for s in sorted(self._active)]))
        return alerts


@dataclass
class GroupedLagged:
    """``LaggedThresholdFiring`` per group-by value."""

    detection: str
    threshold: Threshold
    _groups: dict[str | None, LaggedThresholdFiring] = field(default_factory=dict)

    def feed(self, group: str | None, time: float, lag: float, ref: Any) -> list[Alert]:
        firing = self._groups.get(group)
        if firing is None:
            window = float(self.threshold.window_seconds)
            firing = self._groups[group] = LaggedThresholdFiring(self.detection, self.threshold.count, window)
        return firing.feed(time, lag, ref)

    def finish(self) -> list[Alert]:
        return [a for firing in self._groups.values() for a in firing.finish()]
