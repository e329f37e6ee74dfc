"""A small reference matcher of Sigma semantics, over pySigma's parsed rule (no pipeline, no
backend): it labels the records `pack import sigma` generates, and is the independent side of the
differential test of the backend's queries (tests/test_sigma.py).

Sigma: a field's value must equal a string, case-insensitively, ``*`` and ``?`` as wildcards over
the whole value (modifiers such as startswith are already wildcards in the parsed rule); a list is
any of its values; keywords match anywhere. Documented deliberate differences of the pack, applied
here so that they are the only ones: keywords that are ARM operation names match operationName
only, a rule that says nothing of resultType matches only records that succeeded, and a
``contains`` of one word matches that word inside the value (docs/sigma.md).
"""

from __future__ import annotations

import re
from typing import Any

from sigma.conditions import (
    ConditionAND,
    ConditionFieldEqualsValueExpression,
    ConditionNOT,
    ConditionOR,
    ConditionValueExpression,
)
from sigma.rule import SigmaRule
from sigma.types import SigmaString, SpecialChars

SUCCESS = {"success", "succeeded"}


def _values(record: Any, path: str) -> list[Any]:
    node = record
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            return []
        node = node[key]
    return node if isinstance(node, list) else [node]


def _pattern(value: SigmaString) -> re.Pattern[str]:
    parts = []
    for part in value.s:
        if isinstance(part, str):
            parts.append(re.escape(part))
        else:
            parts.append(".*" if part is SpecialChars.WILDCARD_MULTI else ".")
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def _word(value: Any) -> str | None:
    parts = value.s if isinstance(value, SigmaString) else ()
    multi = SpecialChars.WILDCARD_MULTI
    if len(parts) == 3 and parts[0] is multi and parts[2] is multi and str(parts[1]).isalnum():
        return str(parts[1]).lower()
    return None


def _holds(node: Any, record: dict[str, Any]) -> bool:
    if isinstance(node, ConditionAND):
        return all(_holds(a, record) for a in node.args)
    if isinstance(node, ConditionOR):
        return any(_holds(a, record) for a in node.args)
    if isinstance(node, ConditionNOT):
        return not _holds(node.args[0], record)
    if isinstance(node, ConditionFieldEqualsValueExpression):
        word = _word(node.value)
        if word is not None:  # contains one word: the word among the value's words (documented)
            return any(
                isinstance(v, str) and word in re.split(r"[^a-z0-9]+", v.lower())
                for v in _values(record, str(node.field))
            )
        if not isinstance(node.value, SigmaString):
            raise NotImplementedError(type(node.value).__name__)
        pattern = _pattern(node.value)
        return any(isinstance(v, str) and pattern.fullmatch(v) for v in _values(record, str(node.field)))
    if isinstance(node, ConditionValueExpression) and isinstance(node.value, SigmaString):
        pattern = _pattern(node.value)  # a keyword: narrowed to operationName (documented)
        return any(isinstance(v, str) and pattern.fullmatch(v) for v in _values(record, "operationName"))
    raise NotImplementedError(type(node).__name__)


def _names_result(node: Any) -> bool:
    if isinstance(node, ConditionFieldEqualsValueExpression):
        return str(node.field) == "resultType"
    return any(_names_result(a) for a in getattr(node, "args", []))


def sigma_matches(rule: SigmaRule, record: dict[str, Any]) -> bool:
    """Sigma's verdict, with the pack's success-only condition when the rule says nothing of results."""
    conditions = [c.parsed for c in rule.detection.parsed_condition]
    succeeded = str(record.get("resultType", "")).lower() in SUCCESS
    if not succeeded and not any(_names_result(c) for c in conditions):
        return False
    return all(_holds(c, record) for c in conditions)
