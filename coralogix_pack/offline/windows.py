"""Coralogix alert firing semantics over a time-ordered stream of matching records.

Immediate: one alert per matching record.
Threshold: the alert fires when the matches inside a rolling window of the
detection's length become strictly more than the threshold, and fires again
only after the count has dropped back to the threshold or below. The window is
half-open: a match exactly one window length after another is outside it.
"""

from __future__ import annotations

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
