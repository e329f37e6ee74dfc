"""How values files merge (docs/values.md), remembering where each setting came from.

Mappings merge key by key; the lists of exceptions, webhooks and destinations add up across files (an entry
given twice is an error naming both places); any other value, scalars and other lists alike, is
replaced by the later file's.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from coralogix_pack.core.diagnostics import Diagnostic

Origins = dict[tuple[str | int, ...], tuple[str, int]]


def _adds_up(path: tuple[str | int, ...]) -> bool:
    """Lists that accumulate across values files instead of being replaced."""
    if path and path[-1] == "exceptions":
        return path == ("exceptions",) or (len(path) == 3 and path[0] == "detections")
    if path and path[-1] in ("webhooks", "destinations"):
        return path[-2] == "notifications" or path[:2] == ("notifications", "by_priority")
    return False


def _record(origins: Origins, value: Any, path: tuple[str | int, ...], doc: Any, display: str) -> None:
    for known in [p for p in origins if p[: len(path)] == path]:
        del origins[known]
    _note(origins, value, path, path, doc, display)


def _note(
    origins: Origins,
    value: Any,
    path: tuple[str | int, ...],
    at: tuple[str | int, ...],
    doc: Any,
    display: str,
) -> None:
    """Remember where each scalar and each list item of ``value`` (found at ``at`` in ``doc``) came from."""
    if isinstance(value, dict) and value:
        for key, item in value.items():
            _note(origins, item, (*path, key), (*at, key), doc, display)
    elif isinstance(value, list) and value:
        for index, _ in enumerate(value):
            origins[(*path, index)] = (display, doc.line_of((*at, index)))
    else:
        origins[path] = (display, doc.line_of(at))


def merge_into(
    merged: dict[str, Any],
    update: dict[str, Any],
    doc: Any,
    display: str,
    origins: Origins,
    path: tuple[str | int, ...] = (),
) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    for key, value in update.items():
        here = (*path, key)
        current = merged.get(key)
        if isinstance(value, dict) and isinstance(current, dict):
            found += merge_into(current, value, doc, display, origins, here)
        elif isinstance(value, list) and isinstance(current, list) and _adds_up(here):
            for index, item in enumerate(value):
                found += _duplicate(current, item, here, origins, (display, doc.line_of((*here, index))))
                origins[(*here, len(current))] = (display, doc.line_of((*here, index)))
                current.append(copy.deepcopy(item))
        else:
            merged[key] = copy.deepcopy(value)
            _record(origins, value, here, doc, display)
    return found


def _identity(item: Any) -> str:
    """What makes two entries the same: an exception's match, a webhook's destination."""
    if isinstance(item, dict):
        keys = ("match", "lucene") if "reason" in item else ("integration_id", "recipients")
        return json.dumps({k: item.get(k) for k in keys}, sort_keys=True)
    return json.dumps(item, sort_keys=True)


def _duplicate(
    current: list[Any], item: Any, path: tuple[str | int, ...], origins: Origins, where: tuple[str, int]
) -> list[Diagnostic]:
    for index, existing in enumerate(current):
        if _identity(existing) == _identity(item):
            first = origins.get((*path, index), ("", 0))
            dotted = ".".join(map(str, path))
            message = f"this {dotted} entry repeats the one at {first[0]}:{first[1]}"
            hint = "values files add these lists up: keep the entry in one file only"
            return [
                Diagnostic(
                    file=where[0], line=where[1], path=dotted, message=message, hint=hint, code="CXP515"
                )
            ]
    return []


def show_values(raw: dict[str, Any], origins: Origins) -> list[str]:
    """The merged values, one line per setting, each with the file:line it came from."""
    lines = []
    for path, (file, line) in sorted(origins.items(), key=lambda item: _path_key(item[0])):
        value: Any = raw
        for part in path:
            value = value[part]
        dotted = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
        lines.append(f"{dotted} = {json.dumps(value, ensure_ascii=False, sort_keys=True)}    # {file}:{line}")
    return lines


def _path_key(path: tuple[str | int, ...]) -> list[tuple[int, str]]:
    return [(0, f"{p:09d}") if isinstance(p, int) else (1, p) for p in path]
