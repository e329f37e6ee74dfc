"""The ``coralogix_azure_activity`` processing pipeline: Sigma's Azure Activity Log rules as the
records a diagnostic setting exports to Event Hub, the form the pack's queries read.

- Log Analytics column names (``OperationNameValue``, ...) map to the Event Hub fields; a column
  with no Event Hub counterpart (``ResourceProviderValue``) fails the rule with the reason.
- A ``startswith`` and an ``endswith`` on the same field of one selection join into one value
  with a wildcard in the middle (``MICROSOFT.NETWORK/DNSZONES*/WRITE``): exact, and never a
  leading wildcard.
- Field-less keywords that are ARM operation names (``Microsoft.X/y/action``) search
  ``operationName`` (a deliberate narrowing of "anywhere in the record").
- With ``success_only`` (the default), a rule that says nothing of ``resultType`` also requires
  Success: one alert per operation, as the catalog's own detections fire (Sigma's rules match
  every record of one).
- ``field_prefix`` puts every field under a key, as the pack's values do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sigma.conditions import ConditionAND
from sigma.processing.conditions import (
    IncludeFieldCondition,
    RuleContainsFieldCondition,
    RuleProcessingCondition,
)
from sigma.processing.pipeline import ProcessingItem, ProcessingPipeline
from sigma.processing.transformations import (
    AddConditionTransformation,
    AddFieldnamePrefixTransformation,
    DetectionItemFailureTransformation,
    FieldMappingTransformation,
    PreprocessingTransformation,
)
from sigma.rule import SigmaDetection, SigmaDetectionItem, SigmaRule
from sigma.types import SigmaString, SpecialChars

NAME = "coralogix_azure_activity"
# Log Analytics AzureActivity columns -> the Event Hub record's fields.
COLUMNS = {
    "OperationNameValue": "operationName",
    "OperationName": "operationName",
    "CategoryValue": "category",
    "ResourceId": "resourceId",
    "_ResourceId": "resourceId",
    "ActivityStatusValue": "resultType",
    "ActivitySubstatusValue": "resultSignature",
    "CallerIpAddress": "callerIpAddress",
    "CorrelationId": "correlationId",
    "Caller": "identity.claims.name",
}
UNMAPPED = {
    "ResourceProviderValue": "the Event Hub record has no provider field (operationName starts with it)",
    "ResourceGroup": "the Event Hub record has no resource group field (it is inside resourceId)",
    "SubscriptionId": "the Event Hub record has no subscription field (it is inside resourceId)",
}
SUCCESS = ["Success", "Succeeded"]
_ARM_OPERATION = re.compile(r"^[A-Za-z]+\.[A-Za-z.]+(/[A-Za-z0-9.\-]+)+$")


def _plain(value: Any) -> str | None:
    return (
        value.s[0]
        if isinstance(value, SigmaString) and len(value.s) == 1 and isinstance(value.s[0], str)
        else None
    )


def _operation(value: Any) -> bool:
    return bool(_ARM_OPERATION.fullmatch(_plain(value) or ""))


def _prefix(value: Any) -> str | None:
    """``A*``: the prefix of a startswith value."""
    parts = value.s if isinstance(value, SigmaString) else ()
    if len(parts) == 2 and isinstance(parts[0], str) and parts[1] is SpecialChars.WILDCARD_MULTI:
        return parts[0]
    return None


def _suffix(value: Any) -> str | None:
    """``*B``: the suffix of an endswith value."""
    parts = value.s if isinstance(value, SigmaString) else ()
    if len(parts) == 2 and parts[0] is SpecialChars.WILDCARD_MULTI and isinstance(parts[1], str):
        return parts[1]
    return None


@dataclass
class JoinPrefixAndSuffix(PreprocessingTransformation):
    """startswith A AND endswith B on one field of one selection -> one value ``A*B``; field-less
    ARM operation names -> operationName."""

    def apply(self, rule: Any) -> None:
        super().apply(rule)
        if isinstance(rule, SigmaRule):
            for detection in rule.detection.detections.values():
                self._detection(detection)

    def _detection(self, detection: SigmaDetection) -> None:
        items = detection.detection_items
        for item in items:
            if isinstance(item, SigmaDetection):
                self._detection(item)
            elif (
                item.field is None
                and item.value
                and all(_ARM_OPERATION.fullmatch(_plain(v) or "") for v in item.value)
            ):
                item.field = "operationName"
        if detection.item_linking is not ConditionAND:
            return
        plain = [i for i in items if isinstance(i, SigmaDetectionItem) and not i.negated and i.field]
        for starts in plain:
            prefixes = [_prefix(v) for v in starts.value]
            if not prefixes or None in prefixes:
                continue
            for ends in plain:
                suffixes = [_suffix(v) for v in ends.value]
                if ends is starts or ends.field != starts.field or not suffixes or None in suffixes:
                    continue
                starts.value = [SigmaString(f"{p}*{s}") for p in prefixes for s in suffixes]
                items.remove(ends)
                return


def coralogix_azure_activity(field_prefix: str = "", success_only: bool = True) -> ProcessingPipeline:
    items = [
        ProcessingItem(JoinPrefixAndSuffix(), identifier="coralogix_join_prefix_suffix"),
        ProcessingItem(FieldMappingTransformation(dict(COLUMNS)), identifier="coralogix_columns"),  # type: ignore[arg-type]
    ]
    for column, reason in UNMAPPED.items():
        items.append(
            ProcessingItem(
                DetectionItemFailureTransformation(f"{column} cannot be mapped: {reason}"),
                field_name_conditions=[IncludeFieldCondition([column])],
                identifier=f"coralogix_unmapped_{column}",
            )
        )
    if success_only:  # unless the rule says itself which results it wants
        condition = AddConditionTransformation({"resultType": list(SUCCESS)})
        says: list[RuleProcessingCondition] = [RuleContainsFieldCondition("resultType")]
        items.append(
            ProcessingItem(
                condition,
                identifier="coralogix_success_only",
                rule_conditions=says,
                rule_condition_negation=True,
            )
        )
    if field_prefix:
        prefix = AddFieldnamePrefixTransformation(field_prefix.rstrip(".") + ".")
        items.append(ProcessingItem(prefix, identifier="coralogix_field_prefix"))
    return ProcessingPipeline(name="Coralogix: Azure Activity Log (Event Hub form)", priority=20, items=items)
