"""A small reference matcher of Sigma semantics, over pySigma's parsed rule (no pipeline, no
backend): the independent side of the differential test of `pack import sigma`.

Sigma: a field's value must equal a string, case-insensitively, ``*`` and ``?`` as wildcards over
the whole value (modifiers such as startswith are already wildcards in the parsed rule); a list is
any of its values; keywords match anywhere. Documented deliberate differences of the pack, applied
here so that they are the only ones: keywords that are ARM operation names match operationName
only, and a record matches only when its resultType says it succeeded (docs/sigma.md).
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


def _holds(node: Any, record: dict[str, Any]) -> bool:
    if isinstance(node, ConditionAND):
        return all(_holds(a, record) for a in node.args)
    if isinstance(node, ConditionOR):
        return any(_holds(a, record) for a in node.args)
    if isinstance(node, ConditionNOT):
        return not _holds(node.args[0], record)
    if isinstance(node, ConditionFieldEqualsValueExpression):
        pattern = _pattern(node.value)
        return any(isinstance(v, str) and pattern.fullmatch(v) for v in _values(record, str(node.field)))
    if isinstance(node, ConditionValueExpression):  # a keyword: narrowed to operationName (documented)
        pattern = _pattern(node.value)
        return any(isinstance(v, str) and pattern.fullmatch(v) for v in _values(record, "operationName"))
    raise NotImplementedError(type(node).__name__)


def sigma_matches(rule: SigmaRule, record: dict[str, Any]) -> bool:
    succeeded = str(record.get("resultType", "")).lower() in SUCCESS
    return succeeded and all(_holds(c.parsed, record) for c in rule.detection.parsed_condition)
