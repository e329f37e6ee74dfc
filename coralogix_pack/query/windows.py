"""Time arithmetic for previews: ranges that tile a window exactly, buckets, merged alert windows."""

from __future__ import annotations

import re
from itertools import pairwise
from typing import Any

from coralogix_pack.core.timeutil import BadTime, parse_time

DAY = 86_400.0
MAX_BUCKETS = 900  # per query: under the documented 1,000 aggregation buckets, with room to spare
_SINCE = re.compile(r"(\d+)\s*([mhdw])")
_UNIT = {"m": 60, "h": 3600, "d": DAY, "w": 7 * DAY}


def parse_since(text: str) -> float:
    """Seconds of ``7d``, ``24h``, ``90m``, ``2w``; ValueError for anything else."""
    match = _SINCE.fullmatch(text.strip().lower())
    if not match or int(match.group(1)) <= 0:
        raise ValueError(f"{text!r} is not a duration such as 24h, 7d or 2w")
    seconds = int(match.group(1)) * _UNIT[match.group(2)]
    if seconds > 90 * DAY:
        raise ValueError(f"{text!r} is longer than 90 days")
    return seconds


def tiles(start: float, end: float, step: float, offset: float = 0.0) -> list[tuple[float, float]]:
    """[start, end) cut at every multiple of ``step`` shifted by ``offset``: consecutive, no gap,
    no overlap, so a bucket of that grid never spans two queries."""
    cuts = [start]
    first = ((start - offset) // step + 1) * step + offset
    point = first
    while point < end:
        cuts.append(point)
        point += step
    cuts.append(end)
    return list(pairwise(cuts))


def chunk_step(bucket: float, longest: float = 7 * DAY) -> float:
    """The longest chunk of whole buckets within ``longest`` and MAX_BUCKETS buckets."""
    return max(bucket, min(longest // bucket, MAX_BUCKETS) * bucket)


def bucket_start(value: Any) -> float:
    """A bucket key as DataPrime returns it (ns, ms or s since the epoch, or a timestamp) -> seconds."""
    if isinstance(value, bool):
        raise BadTime(f"not a time: {value!r}")
    if isinstance(value, int | float):
        number = float(value)
        if abs(number) > 1e15:
            return number / 1e9
        return number / 1e3 if abs(number) > 1e11 else number
    if isinstance(value, str):
        return parse_time(value if value.endswith("Z") or "+" in value[10:] else value + "Z")
    raise BadTime(f"not a time: {value!r}")


def merged(windows: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Overlapping windows joined: one burst over the threshold raises one alert."""
    out: list[tuple[float, float]] = []
    for start, end in sorted(windows):
        if out and start < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out
