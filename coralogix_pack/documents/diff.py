"""Field-level differences between two normalised alert definitions (deepdiff underneath)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from deepdiff import DeepDiff

ABSENT = "<absent>"


@dataclass(frozen=True)
class Change:
    path: str  # e.g. logsThreshold.rules[0].condition.threshold
    old: Any
    new: Any

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "old": self.old, "new": self.new}

    def format(self) -> str:
        return f"{self.path}: {_show(self.old)} -> {_show(self.new)}"


def _show(value: Any) -> str:
    if value == ABSENT:
        return "(absent)"
    import json

    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 120 else text[:117] + "..."


def _dotted(path: list[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def field_changes(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    diff = DeepDiff(old, new, ignore_order=False, view="tree", threshold_to_diff_deeper=0)
    changes = []
    for kind, items in diff.items():
        for item in items:
            path = _dotted(item.path(output_format="list"))
            before = item.t1 if "added" not in kind else ABSENT
            after = item.t2 if "removed" not in kind else ABSENT
            changes.append(Change(path, _plain(before), _plain(after)))
    return sorted(changes, key=lambda c: _sort_key(c.path))


def _plain(value: Any) -> Any:
    from deepdiff.helper import NotPresent

    return ABSENT if isinstance(value, NotPresent) else value


def _sort_key(path: str) -> list[Any]:
    return [int(p) if p.isdigit() else p for p in re.split(r"[.\[\]]+", path) if p]
