"""``CoralogixBackend``: Sigma rules to the pack's Coralogix Lucene dialect.

Sigma compares whole values, so the backend matches the field's ``.keyword`` (the whole value,
not its tokens: a phrase ``"X/KEYS/CREATE"`` would also match ``X/KEYS/CREATE/ACTION``): plain
values as quoted strings, ``startswith`` (or the pipeline's joined ``startswith``/``endswith``) as
a trailing or inner wildcard; every value of ``operationName`` and ``resourceId`` in upper case, as
written and in lower case (exporters differ, and matching may be case-sensitive). A leading
wildcard (``endswith`` alone, ``contains``) and a field-less keyword are refused with the reason.
"""

from __future__ import annotations

from typing import Any, ClassVar

from sigma.conditions import ConditionAND, ConditionFieldEqualsValueExpression, ConditionNOT, ConditionOR
from sigma.conversion.base import TextQueryBackend
from sigma.conversion.state import ConversionState
from sigma.exceptions import SigmaFeatureNotSupportedByBackendError
from sigma.types import SigmaString, SpecialChars

from coralogix_pack.lucene.fields import CASE_VARYING_FIELDS

_SPECIAL = set('\\+-!():^[]"{}~*?|&/ ')


def _escaped(text: str) -> str:
    return "".join("\\" + c if c in _SPECIAL else c for c in text)


def _phrase(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def case_variants(text: str, field: str) -> list[str]:
    """Upper case, as written, lower case, for the fields whose case varies between exporters."""
    if field.rsplit(".", 1)[-1] not in CASE_VARYING_FIELDS:
        return [text]
    return list(dict.fromkeys([text.upper(), text, text.lower()]))


class CoralogixBackend(TextQueryBackend):
    """Coralogix Lucene, as the pack's linter and evaluator read it."""

    name: ClassVar[str] = "Coralogix Lucene (coralogix-pack)"
    identifier: ClassVar[str] = "coralogix"
    formats: ClassVar[dict[str, str]] = {"default": "Coralogix Lucene queries, one per rule"}
    requires_pipeline: ClassVar[bool] = False

    precedence: ClassVar[tuple[Any, Any, Any]] = (ConditionNOT, ConditionAND, ConditionOR)
    group_expression: ClassVar[str] = "({expr})"
    token_separator: str = " "
    or_token: ClassVar[str] = "OR"
    and_token: ClassVar[str] = "AND"
    not_token: ClassVar[str] = "NOT"
    eq_token: ClassVar[str] = ":"
    str_quote: ClassVar[str] = '"'
    escape_char: ClassVar[str] = "\\"
    wildcard_multi: ClassVar[str] = "*"
    wildcard_single: ClassVar[str] = "?"
    add_escaped: ClassVar[str] = '\\+-!():^[]"{}~|&/ '
    bool_values: ClassVar[dict[bool, str | None]] = {True: "true", False: "false"}
    field_exists_expression: ClassVar[str] = "_exists_:{field}"
    field_not_exists_expression: ClassVar[str] = "NOT _exists_:{field}"
    convert_or_as_in: ClassVar[bool] = True
    convert_and_as_in: ClassVar[bool] = False
    in_expressions_allow_wildcards: ClassVar[bool] = False
    field_in_list_expression: ClassVar[str] = "{field}:({list})"
    or_in_operator: ClassVar[str] = "OR"
    list_separator: ClassVar[str] = " OR "

    def convert_condition_field_eq_val_str(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> str:
        assert isinstance(cond.value, SigmaString)
        return self._terms(str(cond.field), cond.value)

    def convert_condition_as_in_expression(self, cond: Any, state: ConversionState) -> str:
        field = str(cond.args[0].field)
        phrases = []
        for arg in cond.args:
            value = arg.value
            text = value.to_plain() if isinstance(value, SigmaString) else str(value)
            phrases += [_phrase(v) for v in case_variants(text, field)]
        return f"{field}.keyword:({' OR '.join(dict.fromkeys(phrases))})"

    def convert_condition_val_str(self, cond: Any, state: ConversionState) -> str:
        raise SigmaFeatureNotSupportedByBackendError(
            f"a field-less keyword ({cond.value}) searches the whole record; the pack's queries name the "
            "field they read (the pipeline maps ARM operation names to operationName)"
        )

    def _terms(self, field: str, value: SigmaString) -> str:
        parts = value.s
        word = parts[1] if len(parts) == 3 and parts[0] is parts[2] is SpecialChars.WILDCARD_MULTI else None
        if isinstance(word, str) and word.isalnum():  # contains one word: a word search (docs/sigma.md)
            terms = case_variants(word, field)
            return f"{field}:{terms[0]}" if len(terms) == 1 else f"{field}:({' OR '.join(terms)})"
        if parts and parts[0] in (SpecialChars.WILDCARD_MULTI, SpecialChars.WILDCARD_SINGLE):
            raise SigmaFeatureNotSupportedByBackendError(
                f"{field}: a value that starts with a wildcard ({value}) would be a leading wildcard, "
                "which Coralogix evaluates differently in real time and archive searches (endswith and "
                "contains are refused unless a startswith on the same field bounds them)"
            )
        if not value.contains_special():
            terms = [_phrase(v) for v in case_variants(value.to_plain(), field)]
            joined = terms[0] if len(terms) == 1 else f"({' OR '.join(terms)})"
            return f"{field}.keyword:{joined}"
        pattern = "".join(
            _escaped(p) if isinstance(p, str) else ("*" if p is SpecialChars.WILDCARD_MULTI else "?")
            for p in parts
        )
        variants = case_variants(pattern, field)
        terms = [f"{field}.keyword:{v}" for v in variants]
        return terms[0] if len(terms) == 1 else "(" + " OR ".join(terms) + ")"
