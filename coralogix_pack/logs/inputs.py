"""Backtest inputs as files: a folder (an Azure diagnostic setting's storage-account layout, or any
folder of exports) becomes its log files, in the time order their paths give, and ``--from`` /
``--to`` leave out whole hour files by their path without opening them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

LOG_SUFFIXES = (".json", ".ndjson", ".jsonl", ".csv", ".avro")
HOUR = 3600.0
# insights-activity-logs/resourceId=/SUBSCRIPTIONS/<id>/y=2026/m=11/d=20/h=09/m=00/PT1H.json
_PATH_TIME = re.compile(r"/y=(\d{4})/m=(\d{1,2})/d=(\d{1,2})/h=(\d{1,2})(?:/m=(\d{1,2}))?/")


@dataclass
class Inputs:
    files: list[Path] = field(default_factory=list)
    origin: dict[Path, Path] = field(default_factory=dict)  # file -> the input it came from
    left_out: int = 0  # hour files outside --from/--to, never opened


def is_log_file(path: Path) -> bool:
    return path.name.lower().removesuffix(".gz").endswith(LOG_SUFFIXES)


def hour_of(path: Path) -> float | None:
    """Epoch start of the hour a storage-account path names (``.../y=/m=/d=/h=/m=/``), or None."""
    found = _PATH_TIME.search(path.as_posix())
    if found is None:
        return None
    year, month, day, hour = (int(found.group(i)) for i in range(1, 5))
    try:
        return datetime(year, month, day, hour, int(found.group(5) or 0), tzinfo=UTC).timestamp()
    except ValueError:
        return None


def _order(path: Path) -> tuple[int, float, str]:
    start = hour_of(path)
    return (0, start, path.as_posix()) if start is not None else (1, 0.0, path.as_posix())


def _in_range(path: Path, start: float | None, end: float | None) -> bool:
    hour = hour_of(path)
    if hour is None:
        return True
    return not ((end is not None and hour >= end) or (start is not None and hour + HOUR <= start))


def folder_files(folder: Path) -> list[Path]:
    """The log files under ``folder`` (recursively), in the time order of their paths, then by name."""
    found = [p for p in folder.rglob("*") if is_log_file(p) and p.is_file()]
    return sorted(found, key=_order)


def expand(paths: list[Path], start: float | None = None, end: float | None = None) -> Inputs:
    """Files as they are; folders as their log files, less the hour files outside [start, end)."""
    inputs = Inputs()
    for path in paths:
        if not path.is_dir():
            inputs.files.append(path)
            inputs.origin.setdefault(path, path)
            continue
        for file in folder_files(path):
            if _in_range(file, start, end):
                inputs.files.append(file)
                inputs.origin.setdefault(file, path)
            else:
                inputs.left_out += 1
    return inputs
