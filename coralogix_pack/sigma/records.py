"""Test records built from a Sigma rule's own values, labelled by Sigma's semantics: records
that satisfy the rule's condition (each case variant the query lists, Succeeded too, another
category) and near misses (the same operation's Start, Accept and failed records, a sibling
operation, a longer value, the value in another field)."""

from __future__ import annotations

import copy
import re
import uuid
from typing import Any

from sigma.conditions import ConditionAND, ConditionFieldEqualsValueExpression, ConditionOR
from sigma.rule import SigmaRule
from sigma.types import SigmaString, SpecialChars

from coralogix_pack.lucene.fields import CASE_VARYING_FIELDS
from coralogix_pack.sigma.semantics import sigma_matches

SAMPLE = "SAMPLE"
_BASE = {
    "category": "Administrative",
    "resultType": "Success",
    "resultSignature": "Succeeded.",
    "level": "Information",
    "location": "global",
    "identity": {"claims": {"name": "Sigma Test"}},
}
MAX_SOLUTIONS = 12


def realise(value: SigmaString) -> str:
    """A concrete text the value matches: each wildcard becomes a path segment of its own."""
    out = []
    parts = value.s
    for index, part in enumerate(parts):
        if isinstance(part, str):
            out.append(part)
        elif part is SpecialChars.WILDCARD_MULTI:
            out.append(SAMPLE + "/" if index == 0 else "/" + SAMPLE)
        else:
            out.append("X")
    return "".join(out)


def _solutions(node: Any) -> list[dict[str, str]]:
    """Field assignments that make ``node`` hold (a few); negations assign nothing."""
    if isinstance(node, ConditionFieldEqualsValueExpression) and isinstance(node.value, SigmaString):
        return [{str(node.field): realise(node.value)}]
    if isinstance(node, ConditionOR):
        return [s for a in node.args for s in _solutions(a)][:MAX_SOLUTIONS]
    if isinstance(node, ConditionAND):
        found: list[dict[str, str]] = [{}]
        for arg in node.args:
            options = _solutions(arg)
            found = [{**b, **a} for a in found for b in options][:MAX_SOLUTIONS]
        return found
    return [{}]  # NOT, or a value the generator does not realise: leave the fields unset


def _put(record: dict[str, Any], path: str, value: str) -> None:
    *parents, last = path.split(".")
    for key in parents:
        child = record.get(key)
        if not isinstance(child, dict):
            child = record[key] = {}
        record = child
    record[last] = value


def _variants(fields: dict[str, str]) -> list[dict[str, str]]:
    """Upper case, as written, lower case of the case-varying fields."""
    out = []
    for change in (str.upper, lambda s: s, str.lower):
        out.append({k: change(v) if _varies(k) else v for k, v in fields.items()})
    unique = {tuple(sorted(f.items())): f for f in out}
    return list(unique.values())


def _varies(path: str) -> bool:
    return path.rsplit(".", 1)[-1] in CASE_VARYING_FIELDS


def _sibling(text: str) -> str:
    head, _, last = text.rpartition("/")
    other = "READ" if last.upper() != "READ" else "WRITE"
    return f"{head}/{other if last.isupper() else other.lower()}" if head else re.sub("[A-Za-z]", "q", text)


def generated(rule: SigmaRule, original: SigmaRule | None = None) -> list[tuple[str, bool, dict[str, Any]]]:
    """(name, must match, record); ``rule`` as processed by the pipeline (Event Hub fields),
    ``original`` (default: ``rule``) the rule whose Sigma verdict labels each record."""
    judge = original or rule
    solutions = [s for c in rule.detection.parsed_condition for s in _solutions(c.parsed)]
    candidates: list[tuple[str, dict[str, Any]]] = []
    for fields in solutions:
        fields = {k: v for k, v in fields.items() if k != "resultType"} or fields
        for variant in _variants(fields):
            candidates.append((", ".join(variant.values()), variant))
        first = dict(fields)
        main = "operationName" if "operationName" in first else next(iter(first), None)
        candidates.append((f"{main} in another category", {**first, "category": "Policy"}))
        for result in ("Succeeded", "Start", "Accept", "Failure"):
            candidates.append((f"{result} record", {**first, "resultType": result}))
        if main is not None:
            text = first[main]
            candidates.append((f"sibling {_sibling(text)}", {**first, main: _sibling(text)}))
            candidates.append((f"{text}/EXTRA (longer value)", {**first, main: text + "/EXTRA"}))
            elsewhere = "properties.message" if main != "properties.message" else "resultDescription"
            moved = {k: v for k, v in first.items() if k != main}
            candidates.append((f"{text} in {elsewhere}", {**moved, elsewhere: text}))
    out = []
    seen: set[str] = set()
    for number, (name, fields) in enumerate(candidates, 1):
        record: dict[str, Any] = copy.deepcopy(_BASE)
        record["time"] = f"2026-01-01T{number // 3600:02d}:{number // 60 % 60:02d}:{number % 60:02d}Z"
        record["correlationId"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"sigma/{number}"))
        for path, value in fields.items():
            _put(record, path, value)
        key = str(sorted((k, str(v)) for k, v in record.items() if k not in ("time", "correlationId")))
        if key in seen:
            continue
        seen.add(key)
        verdict = sigma_matches(judge, record)
        out.append((f"{name} ({'match' if verdict else 'no match'})"[:200], verdict, record))
    return out
