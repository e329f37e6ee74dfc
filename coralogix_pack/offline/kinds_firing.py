"""Firing semantics of new-value, unique-count, less-than and flow detections (docs/alert-kinds.md).

- New value: a match whose key value was not seen in the learning window before it fires. Values
  are compared as text, case-sensitively; a match without the key is ignored. Every match, fired or
  not, refreshes its value's last sighting. During ``warmup`` seconds from the start of the input
  values are learnt without firing (the backtest has no history from before its input).
- Unique count: per group, the distinct key values among the matches of a rolling window; it fires
  when they become more than the limit and again only after dropping back to it or below.
- Less than: evaluated every minute over the window ending then; it fires when the window holds
  fewer matches than the count (no record at all included) and again only after reaching the count.
  Only windows that lie wholly inside the input's time span are evaluated.
- Flow: other detections' alerts in stage order, each stage within its time frame of the previous.
"""

from __future__ import annotations

import math
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

from coralogix_pack.catalog.kinds import Flow, StageOp
from coralogix_pack.offline.windows import Alert

EVALUATION_STEP = 60.0  # Coralogix evaluates threshold alerts once a minute


@dataclass
class NewValueFiring:
    detection: str
    window_seconds: float
    learn_until: float | None = None  # no alert for a match before this time
    _seen: dict[str, float] = field(default_factory=dict)

    def feed(self, time: float, value: str | None, ref: Any) -> Alert | None:
        if value is None:
            return None
        last = self._seen.get(value)
        self._seen[value] = time
        learning = self.learn_until is not None and time < self.learn_until
        if not learning and (last is None or time - last > self.window_seconds):
            return Alert(self.detection, time, [ref], key=value)
        return None


@dataclass
class _Distinct:
    window: deque[tuple[float, str, Any]] = field(default_factory=deque)
    counts: Counter[str] = field(default_factory=Counter)
    armed: bool = True


@dataclass
class UniqueCountFiring:
    detection: str
    limit: int
    window_seconds: float
    _groups: dict[str | None, _Distinct] = field(default_factory=dict)

    def feed(self, time: float, group: str | None, value: str | None, ref: Any) -> Alert | None:
        if value is None:
            return None
        state = self._groups.setdefault(group, _Distinct())
        while state.window and state.window[0][0] <= time - self.window_seconds:
            _, gone, _ = state.window.popleft()
            state.counts[gone] -= 1
            if not state.counts[gone]:
                del state.counts[gone]
        if len(state.counts) <= self.limit:
            state.armed = True
        state.window.append((time, value, ref))
        state.counts[value] += 1
        if state.armed and len(state.counts) > self.limit:
            state.armed = False
            firsts: dict[str, Any] = {}
            for _, seen, where in state.window:
                firsts.setdefault(seen, where)
            return Alert(self.detection, time, list(firsts.values()), key=group)
        return None


@dataclass
class Silence:
    """A span in which a less-than detection's window held fewer matches than its count."""

    detection: str
    group: str | None
    since: float  # the last match before the silence, or the start of the input
    until: float | None = None  # the match that ended it; None: it lasted to the end of the input


def _next_step(time: float) -> float:
    return math.ceil(time / EVALUATION_STEP) * EVALUATION_STEP


@dataclass
class LessThanFiring:
    """One series (the whole detection, or one group) evaluated once a minute."""

    detection: str
    count: int
    window_seconds: float
    start: float  # the input's first moment: the first window evaluated ends a window later
    group: str | None = None
    retire_after: float | None = None  # a group is forgotten this long after its last match
    evaluate_empty: bool = True  # False: a group is evaluated only while its window holds a match
    silences: list[Silence] = field(default_factory=list)
    _window: deque[float] = field(default_factory=deque)
    _next: float = 0.0
    _armed: bool = True
    _last_left: float | None = None
    _last_match: float | None = None

    def __post_init__(self) -> None:
        self._next = _next_step(self.start + self.window_seconds)

    def feed(self, time: float) -> list[Alert]:
        alerts = self._until(time, inclusive=False)
        self._window.append(time)
        self._last_match = time
        if len(self._window) >= self.count and self.silences and self.silences[-1].until is None:
            self.silences[-1].until = time
        return alerts

    def finish(self, end: float) -> list[Alert]:
        return self._until(end, inclusive=True)

    def _until(self, limit: float, inclusive: bool) -> list[Alert]:
        alerts = []
        while self._next < limit or (inclusive and self._next <= limit):
            moment = self._next
            if self._retired(moment):
                self._next = math.inf
                break
            alert = self._evaluate(moment)
            if alert is not None:
                alerts.append(alert)
            self._next = self._skip_ahead(moment, limit)
        return alerts

    def _retired(self, moment: float) -> bool:
        last = self._last_match
        return self.retire_after is not None and last is not None and moment - last > self.retire_after

    def _evaluate(self, moment: float) -> Alert | None:
        window = self._window
        while window and window[0] <= moment - self.window_seconds:
            self._last_left = window.popleft()
        if not window and not self.evaluate_empty:
            return None
        if len(window) >= self.count:
            self._armed = True
            return None
        if not self._armed:
            return None
        self._armed = False
        since = self._last_left if self._last_left is not None else self.start
        self.silences.append(Silence(self.detection, self.group, since))
        return Alert(self.detection, moment, [], key=self.group, count=len(window), since=since)

    def _skip_ahead(self, moment: float, limit: float) -> float:
        """The next minute at which the verdict can change (it only changes as matches come or go)."""
        step = moment + EVALUATION_STEP
        window = self._window
        if not self._armed and len(window) < self.count:
            return max(step, _next_step(limit))  # quiet until a match arrives
        if len(window) >= self.count:
            return max(step, _next_step(window[-self.count] + self.window_seconds))
        return step


@dataclass
class GroupedLessThan:
    """Less-than per group-by value: a group exists from its first match; with undetected values
    triggered it is evaluated (as 0) after it stops reporting, until retired."""

    detection: str
    count: int
    window_seconds: float
    start: float
    trigger_undetected: bool = False
    retire_after: float | None = None
    _groups: dict[str | None, LessThanFiring] = field(default_factory=dict)

    def feed(self, time: float, group: str | None) -> list[Alert]:
        firing = self._groups.get(group)
        if firing is None:
            firing = self._groups[group] = LessThanFiring(
                self.detection,
                self.count,
                self.window_seconds,
                self.start,
                group,
                self.retire_after,
                self.trigger_undetected,
            )
        return firing.feed(time)

    def finish(self, end: float) -> list[Alert]:
        return [a for firing in self._groups.values() for a in firing.finish(end)]

    @property
    def silences(self) -> list[Silence]:
        return [s for firing in self._groups.values() for s in firing.silences]


def flow_alerts(detection: str, flow: Flow, stage_alerts: dict[str, list[Alert]]) -> list[Alert]:
    """The flow's alerts from its stages' alerts: stage 1 starts a run; each later stage must
    complete within its time frame after the previous one did; a completed run fires and the next
    run needs a new stage 1. A later stage-1 alert restarts a run that has not completed."""
    events = sorted(
        (
            (a.time, index, name, a)
            for index, stage in enumerate(flow.stages)
            for name in stage.alerts
            for a in stage_alerts.get(name, [])
        ),
        key=lambda event: (event[0], event[1], event[2]),
    )
    alerts: list[Alert] = []
    progress: list[tuple[float, Alert]] = []  # completed stages: (when, the alert that completed it)
    waiting: dict[str, Alert] = {}  # the alerts seen so far of an ``all`` stage
    for time, index, name, alert in events:
        stage = flow.stages[index]
        if index == 0 and progress:  # a new first-stage alert starts the run again
            progress, waiting = [], {}
        if index != len(progress):
            continue
        if index > 0 and time - progress[-1][0] > stage.within_seconds:
            progress, waiting = [], {}  # too late: the run is over
            continue
        if stage.op is StageOp.ALL and not _complete(stage.alerts, name, alert, waiting):
            continue
        progress.append((time, alert))
        waiting = {}
        if len(progress) == len(flow.stages):
            refs = [r for _, a in progress for r in a.records]
            alerts.append(Alert(detection, time, refs, stages=[(a.detection, t) for t, a in progress]))
            progress = []
    return alerts


def _complete(names: tuple[str, ...], name: str, alert: Alert, waiting: dict[str, Alert]) -> bool:
    """An ``all`` stage: remember ``alert``; True once every alert of the stage has been seen."""
    waiting[name] = alert
    return set(waiting) >= set(names)
