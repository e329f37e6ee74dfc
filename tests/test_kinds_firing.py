"""Firing semantics of new-value, unique-count, less-than and flow detections (docs/alert-kinds.md)."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from coralogix_pack.catalog.kinds import Flow, FlowStage, StageOp
from coralogix_pack.offline.kinds_firing import (
    EVALUATION_STEP,
    GroupedLessThan,
    LessThanFiring,
    NewValueFiring,
    UniqueCountFiring,
    flow_alerts,
)
from coralogix_pack.offline.windows import Alert

HOUR = 3600.0


def _less_than(times: list[float], count: int, window: float, start: float, end: float) -> list[float]:
    firing = LessThanFiring("d", count, window, start)
    fired = [a.time for t in times for a in firing.feed(t)]
    return fired + [a.time for a in firing.finish(end)]


def _naive(times: list[float], count: int, window: float, start: float, end: float) -> list[float]:
    """Every minute from the first whole window to the end, counted from scratch."""
    fired, armed = [], True
    moment = math.ceil((start + window) / EVALUATION_STEP) * EVALUATION_STEP
    while moment <= end:
        held = sum(1 for t in times if moment - window < t <= moment)
        if held >= count:
            armed = True
        elif armed:
            fired.append(moment)
            armed = False
        moment += EVALUATION_STEP
    return fired


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=6 * 3600), max_size=30),
    st.integers(min_value=1, max_value=3),
    st.sampled_from([300.0, 1200.0, HOUR]),
)
def test_less_than_skipping_ahead_equals_evaluating_every_minute(seconds, count, window):
    times = sorted(float(s) + 0.5 for s in seconds)
    start, end = 0.0, 6 * HOUR
    assert _less_than(times, count, window, start, end) == _naive(times, count, window, start, end)


def test_less_than_waits_a_whole_window_and_fires_once_per_silence():
    times = [10.0, 1800.0, 3 * HOUR + 5]
    firing = LessThanFiring("silent", 1, HOUR, start=0.0)
    alerts = [a for t in times for a in firing.feed(t)] + firing.finish(5 * HOUR)
    # (0.5h, 1.5h] is the first empty window; then quiet until the record at 3h; then empty from 4h+1m
    assert [a.time for a in alerts] == [5400.0, 4 * HOUR + 60]
    assert [(s.since, s.until) for s in firing.silences] == [(1800.0, 3 * HOUR + 5), (3 * HOUR + 5, None)]
    assert alerts[0].since == 1800.0 and alerts[0].count == 0


def test_a_grouped_less_than_fires_for_a_silent_group_only_with_undetected_values():
    def run(trigger: bool, retire: float | None) -> list[tuple[str | None, float]]:
        firing = GroupedLessThan("g", 1, HOUR, 0.0, trigger, retire)
        fed = [a for t in range(0, 4 * 3600, 600) for a in firing.feed(float(t), "busy")]
        fed += firing.feed(60.0, "quiet")
        return [(a.key, a.time) for a in fed + firing.finish(4 * HOUR)]

    assert run(False, None) == []  # a group without records is not evaluated
    assert run(True, None) == [("quiet", HOUR + 60)]
    assert run(True, 1800.0) == []  # forgotten half an hour after its last record


def test_new_value_fires_on_first_sight_and_after_the_window():
    firing = NewValueFiring("nv", window_seconds=HOUR)
    assert firing.feed(0.0, "alice", "r1") is not None
    assert firing.feed(10.0, "alice", "r2") is None
    assert firing.feed(20.0, None, "r3") is None  # no value: ignored
    assert firing.feed(10.0 + HOUR + 1, "alice", "r4") is not None  # unseen for more than the window
    learning = NewValueFiring("nv", window_seconds=HOUR, learn_until=100.0)
    assert learning.feed(50.0, "bob", "r") is None and learning.feed(150.0, "bob", "r") is None
    assert learning.feed(160.0, "carol", "r").key == "carol"


def test_unique_count_counts_distinct_values_per_group_and_rearms():
    firing = UniqueCountFiring("uc", limit=2, window_seconds=600.0)
    fed = [firing.feed(float(t), "alice", v, f"r{t}") for t, v in [(0, "a"), (1, "a"), (2, "b"), (3, "c")]]
    assert [a is not None for a in fed] == [False, False, False, True]
    assert fed[-1].records == ["r0", "r2", "r3"] and fed[-1].key == "alice"
    assert firing.feed(4.0, "alice", "d", "r4") is None  # still above: no new alert
    assert firing.feed(5.0, "bob", "a", "r5") is None  # another group counts on its own
    assert firing.feed(700.0, "alice", "e", "r6") is None  # the window moved on: only e, re-armed
    assert firing.feed(701.0, "alice", "f", "r7") is None
    assert firing.feed(702.0, "alice", "g", "r8") is not None  # e, f, g


def _alerts(name: str, *times: float) -> list[Alert]:
    return [Alert(name, t, [f"{name}@{t:g}"]) for t in times]


def test_flow_stages_in_order_within_their_time_frame():
    flow = Flow((FlowStage(("a",)), FlowStage(("b",), within="10m")))
    stages = {"a": _alerts("a", 0.0, 2000.0), "b": _alerts("b", 300.0, 1000.0, 2100.0, 2200.0)}
    fired = flow_alerts("f", flow, stages)
    assert [a.time for a in fired] == [300.0, 2100.0]  # 1000: no stage 1 left; 2200: the run fired
    assert fired[0].stages == [("a", 0.0), ("b", 300.0)] and fired[0].records == ["a@0", "b@300"]
    late = flow_alerts("f", flow, {"a": _alerts("a", 0.0), "b": _alerts("b", 601.0)})
    assert late == []


def test_flow_all_stage_needs_every_alert_and_a_new_first_stage_restarts():
    flow = Flow((FlowStage(("a",)), FlowStage(("b", "c"), StageOp.ALL, within="1h")))
    only_b = {"a": _alerts("a", 0.0), "b": _alerts("b", 10.0)}
    assert flow_alerts("f", flow, only_b) == []
    both = {"a": _alerts("a", 0.0), "b": _alerts("b", 10.0), "c": _alerts("c", 20.0)}
    assert [a.time for a in flow_alerts("f", flow, both)] == [20.0]
    restarted = {"a": _alerts("a", 0.0, 15.0), "b": _alerts("b", 10.0), "c": _alerts("c", 20.0)}
    assert flow_alerts("f", flow, restarted) == []  # stage 2 must complete after the latest stage 1
