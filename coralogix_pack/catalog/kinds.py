"""The settings of the alert kinds beyond immediate and threshold: new value, unique count, flow.

Window values are the ones the alerts API accepts for each kind (``LogsNewValueTimeWindowValue``,
``LogsUniqueValueTimeWindowValue``), in the catalog's short spelling.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

NEW_VALUE_WINDOW_SECONDS = {
    "12h": 12 * 3600,
    "24h": 24 * 3600,
    "48h": 48 * 3600,
    "72h": 72 * 3600,
    "1w": 7 * 86400,
    "1mo": 30 * 86400,
    "2mo": 60 * 86400,
    "3mo": 90 * 86400,
}
WINDOW_SECONDS = {  # a threshold's time windows, as the API names them
    "5m": 300,
    "10m": 600,
    "15m": 900,
    "20m": 1200,
    "30m": 1800,
    "1h": 3600,
    "2h": 7200,
    "4h": 14400,
    "6h": 21600,
    "12h": 43200,
    "24h": 86400,
    "36h": 129600,
}
UNIQUE_COUNT_WINDOW_SECONDS = {"1m": 60, **WINDOW_SECONDS}  # unique counts also allow one minute
AUTO_RETIRE_SECONDS = {
    "never": None,
    "5m": 300,
    "10m": 600,
    "1h": 3600,
    "2h": 7200,
    "6h": 21600,
    "12h": 43200,
    "24h": 86400,
}
# Coralogix: the cumulative time frame of a flow's stages may not exceed one week.
FLOW_MAX_SECONDS = 7 * 86400
FLOW_MAX_ALERTS = 30  # alert definitions one flow may combine
UNIQUE_COUNT_MAX_GROUP_BY = 1


class Condition(StrEnum):
    """How a threshold compares the window's count with its number."""

    MORE_THAN = "more_than"
    LESS_THAN = "less_than"


@dataclass(frozen=True)
class Undetected:
    """Less-than with group-by: whether a group that stops reporting counts as 0 (and fires), and
    how long after its last record it is forgotten (``never`` or a window)."""

    trigger: bool = False
    auto_retire: str = "never"

    @property
    def retire_seconds(self) -> int | None:
        return AUTO_RETIRE_SECONDS[self.auto_retire]


@dataclass(frozen=True)
class NewValue:
    """Fires on a record whose ``keypath`` value was not seen in the ``window`` before it."""

    keypath: str
    window: str

    @property
    def window_seconds(self) -> int:
        return NEW_VALUE_WINDOW_SECONDS[self.window]


@dataclass(frozen=True)
class UniqueCount:
    """Fires when the distinct values of ``keypath`` in a rolling window become more than ``count``,
    counted per value of ``group_by`` (at most one field)."""

    keypath: str
    count: int
    window: str
    group_by: tuple[str, ...] = ()
    max_per_group: int | None = None  # the API's maxUniqueCountPerGroupByKey

    @property
    def window_seconds(self) -> int:
        return UNIQUE_COUNT_WINDOW_SECONDS[self.window]


class StageOp(StrEnum):
    ANY = "any"  # one of the stage's alerts fires (the API's OR)
    ALL = "all"  # every one of them fires (AND)


@dataclass(frozen=True)
class FlowStage:
    """Alerts of other detections; after the first stage, they must fire within ``within`` of the
    previous stage completing."""

    alerts: tuple[str, ...]
    op: StageOp = StageOp.ANY
    within: str | None = None  # e.g. "60m"; None on the first stage

    @property
    def within_seconds(self) -> int:
        return duration_seconds(self.within) if self.within else 0


@dataclass(frozen=True)
class Flow:
    stages: tuple[FlowStage, ...]

    @property
    def stage_ids(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for stage in self.stages:
            seen.update(dict.fromkeys(stage.alerts))
        return tuple(seen)


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def duration_seconds(text: str) -> int:
    """``"90m"`` -> 5400; the schema has checked the form (digits and one of s, m, h, d)."""
    return int(text[:-1]) * _UNITS[text[-1]]
