"""Preview of the kinds beyond immediate and threshold, from aggregates only (docs/alert-kinds.md).

- New value: the keys seen in the range, less those seen in the learning window before it; each
  remaining key fires once, on the day it is first seen. At least that many: a key that comes back
  after a gap longer than the window within the range fires again, which aggregates do not show.
- Unique count: distinct keypath values per group in windows on two grids (aligned and shifted by
  half a window), merged into bursts like a threshold: an estimate.
- Less than: buckets of the window on both grids that hold fewer matches than the count (no match
  at all included), merged into silent spans: an estimate.
- Flow: its stages' alert times (minute buckets of immediate stages, burst starts of the others)
  through the same stage logic as the backtest: an estimate.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from coralogix_pack.catalog.kinds import Flow
from coralogix_pack.query import dataprime
from coralogix_pack.query.client import QueryFailed, QueryResult
from coralogix_pack.query.windows import DAY, bucket_start, chunk_step, merged, tiles

Run = Callable[[str, float, float], QueryResult]
MINUTE = 60.0
GRIDS = (("aligned", 0.0), ("half-window offset", 0.5))


def _rows(
    run: Run, query: str, start: float, end: float, step: float, offset: float = 0.0
) -> list[dict[str, Any]]:
    found = []
    for lo, hi in tiles(start, end, step, -offset):
        found += [r.data for r in run(query, lo, hi).rows if isinstance(r.data, dict)]
    return found


def _number(value: Any) -> int:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        raise QueryFailed(f"an aggregation row has a count that is not a number: {value!r}") from None


def new_value_keys(
    run: Run, stages: list[str], keypath: str, start: float, end: float, learn: float
) -> dict[Any, float]:
    """Key -> the day (bucket start) it is first seen in [start, end), for keys not seen in the
    ``learn`` seconds before ``start``."""
    query = dataprime.per_bucket(stages, DAY, group_by=(keypath,))
    known = {r.get("g0") for r in _rows(run, query, start - learn, start, chunk_step(DAY, 900 * DAY))}
    first: dict[Any, float] = {}
    for row in _rows(run, query, start, end, chunk_step(DAY, 900 * DAY)):
        key = row.get("g0")
        if key is None or key in known or _number(row.get("hits")) == 0:
            continue
        day = bucket_start(row.get("bucket"))
        first[key] = min(first.get(key, day), day)
    return first


def bursts(
    run: Run,
    stages: list[str],
    window: float,
    start: float,
    end: float,
    *,
    over: int | None = None,
    under: int | None = None,
    group_by: tuple[str, ...] = (),
    distinct: str | None = None,
) -> tuple[list[tuple[float, float]], dict[str, int]]:
    """Windows on both grids whose count (or distinct count of ``distinct``) is over ``over``, or
    under ``under`` (absent buckets count 0), merged per group: (bursts, windows found per grid)."""
    found: dict[tuple[Any, ...], list[tuple[float, float]]] = {}
    per_grid: dict[str, int] = {}
    names = [f"g{i}" for i in range(len(group_by))]
    for name, share in GRIDS:
        offset = window * share
        query = dataprime.per_bucket(
            stages, window, offset_seconds=offset, over=over, group_by=group_by, distinct=distinct
        )
        counts: Counter[tuple[Any, ...]] = Counter()
        for row in _rows(run, query, start, end, chunk_step(window), offset):
            bucket = bucket_start(row.get("bucket")) - offset
            counts[(bucket, *(row.get(n) for n in names))] += _number(row.get("hits"))
        hits = 0
        if under is not None:
            whole = [lo for lo, hi in tiles(start, end, window, offset) if hi - lo == window]
            for bucket in whole:
                if counts[(bucket,)] < under:
                    found.setdefault((), []).append((bucket, bucket + window))
                    hits += 1
        else:
            for (bucket, *group), n in counts.items():
                if over is None or n > over:
                    found.setdefault(tuple(group), []).append((bucket, bucket + window))
                    hits += 1
        per_grid[name] = hits
    return [b for windows in found.values() for b in merged(windows)], per_grid


def alert_minutes(run: Run, stages: list[str], start: float, end: float) -> list[float]:
    """Each match's minute, once per match: when an immediate stage alert fires."""
    query = dataprime.per_bucket(stages, MINUTE)
    times = []
    for row in _rows(run, query, start, end, chunk_step(MINUTE)):
        times += [bucket_start(row.get("bucket"))] * _number(row.get("hits"))
    return sorted(times)


def flow_times(flow_id: str, flow: Flow, stage_times: dict[str, list[float]]) -> list[float]:
    from coralogix_pack.offline.kinds_firing import flow_alerts
    from coralogix_pack.offline.windows import Alert

    alerts = {name: [Alert(name, t, []) for t in times] for name, times in stage_times.items()}
    return [a.time for a in flow_alerts(flow_id, flow, alerts)]
