"""Test records built from a Sigma rule's own values: those that must match (each value, in each
case variant the query lists, completed and Succeeded) and near misses that must not (the same
operation's Start, Accept and failed records; a sibling operation; the value in another field)."""

from __future__ import annotations

import re
import uuid
from typing import Any

from sigma.rule import SigmaDetection, SigmaDetectionItem, SigmaRule
from sigma.types import SigmaString, SpecialChars

from coralogix_pack.sigma.backend import case_variants

SAMPLE_SEGMENT = "SAMPLE"
_BASE = {
    "category": "Administrative",
    "resultSignature": "Succeeded.",
    "level": "Information",
    "location": "global",
    "identity": {"claims": {"name": "Sigma Test"}},
}


def realise(value: SigmaString) -> str:
    """A concrete text the value matches: each wildcard becomes a path segment."""
    out = []
    for part in value.s:
        if isinstance(part, str):
            out.append(part)
        elif part is SpecialChars.WILDCARD_MULTI:
            out.append("/" + SAMPLE_SEGMENT)
        else:
            out.append("X")
    return "".join(out)


def _record(number: int, fields: dict[str, str], result: str = "Success") -> dict[str, Any]:
    record: dict[str, Any] = {"time": f"2026-01-01T00:{number // 60:02d}:{number % 60:02d}Z", **_BASE}
    record["resultType"] = result
    record["correlationId"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"sigma/{number}"))
    for path, value in fields.items():
        target = record
        *parents, last = path.split(".")
        for key in parents:
            target = target.setdefault(key, {})
        target[last] = value
    return record


def _sibling(text: str, field: str) -> str:
    """Another operation of the same resource type (or, for other fields, text with none of its words)."""
    if field.rsplit(".", 1)[-1] == "operationName" and "/" in text:
        head, _, last = text.rpartition("/")
        other = "READ" if last.upper() != "READ" else "WRITE"
        return f"{head}/{other if last.isupper() else other.lower()}"
    return re.sub(r"[A-Za-z]", lambda m: "q" if m.group(0) != "q" else "z", text)


def _selections(rule: SigmaRule) -> list[list[SigmaDetectionItem]]:
    """Each selection the condition names, as the list of its (positive) items."""
    found = []
    for detection in rule.detection.detections.values():
        items = [i for i in detection.detection_items if isinstance(i, SigmaDetectionItem) and not i.negated]
        if [str(i.field) for i in items] == ["resultType"]:
            continue  # the pipeline's success-only condition: every generated record states its result
        if items and not any(isinstance(i, SigmaDetection) for i in detection.detection_items):
            found.append(sorted(items, key=lambda i: str(i.field) != "operationName"))
    return found


def generated(rule: SigmaRule) -> list[tuple[str, bool, dict[str, Any]]]:
    """(name, must match, record) for the rule, as processed by the pipeline (Event Hub fields)."""
    out: list[tuple[str, bool, dict[str, Any]]] = []
    number = 0
    for items in _selections(rule):
        fixed = {
            str(i.field): realise(i.value[0])
            for i in items[1:]
            if i.field and isinstance(i.value[0], SigmaString)
        }
        head = items[0]
        if not head.field:
            continue
        field = str(head.field)
        for value in head.value:
            if not isinstance(value, SigmaString):
                continue
            text = realise(value)
            for variant in case_variants(text, field):
                number += 1
                out.append((f"{variant} completed", True, _record(number, {**fixed, field: variant})))
            number += 1
            out.append(
                (f"{text} completed (Succeeded)", True, _record(number, {**fixed, field: text}, "Succeeded"))
            )
            for result in ("Start", "Accept", "Failure"):
                number += 1
                out.append(
                    (
                        f"{text} {result.lower()} record",
                        False,
                        _record(number, {**fixed, field: text}, result),
                    )
                )
            number += 1
            other = _record(number, {**fixed, field: text})
            other["category"] = "Policy"  # the rule says nothing of the category
            out.append((f"{text} completed (another category)", True, other))
            if not value.contains_special():  # a whole value, not a part of a longer one
                number += 1
                longer = text + ("/EXTRA" if text.isupper() else "/extra")
                out.append((f"{longer} (longer value)", False, _record(number, {**fixed, field: longer})))
            number += 1
            sibling = _sibling(text, field)
            out.append((f"sibling {sibling}", False, _record(number, {**fixed, field: sibling})))
            number += 1
            elsewhere = "properties.message" if field != "properties.message" else "resultDescription"
            out.append((f"{text} in {elsewhere}", False, _record(number, {**fixed, elsewhere: text})))
    return out
