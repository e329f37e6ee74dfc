"""Mutation operators for `pack test --mutate`: variants of a detection's own test records that
either keep their meaning (the verdict must not change) or change it (the verdict is stated).

Each operator has a name ``kind/variant``, the verdict it expects, and why (docs/testing.md,
"Mutation testing"); ``../shared/detections.md`` decides what is in scope. Generation is seeded and
deterministic.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from coralogix_pack.catalog.model import Detection
from coralogix_pack.core.timeutil import format_time, parse_time
from coralogix_pack.lucene.evaluator import compile_query
from coralogix_pack.lucene.partial import fields_of
from coralogix_pack.offline.cases import scenario_records

SUCCESS = ("Success", "Succeeded")
FAILURE = ("Failure", "Failed")
RESULTS = ("Start", "Accept", *SUCCESS, *FAILURE)
PRINCIPAL = "identity.authorization.evidence.principalId"


@dataclass(frozen=True)
class Mutant:
    """One variant: a record (``records`` for a threshold burst) and the verdict it must give."""

    operator: str  # kind/variant
    source: str  # the test record or scenario it derives from
    expect_fire: bool
    records: tuple[dict[str, Any], ...]
    original: dict[str, Any] = field(default_factory=dict, compare=False)
    prefix: str = ""  # the field prefix the record is nested under
    form: str = "eventhub"
    group_by: str = ""  # a threshold counted per value of this field

    @property
    def kind(self) -> str:
        return self.operator.split("/", 1)[0]


def _with(record: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(record)
    target = out
    *parents, last = path.split(".")
    for key in parents:
        target = target.setdefault(key, {})
    target[last] = value
    return out


def _mixed(text: str, rng: random.Random) -> str:
    return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in text)


def _case(record: dict[str, Any], rng: random.Random) -> Iterator[tuple[str, dict[str, Any]]]:
    """Meaning kept: the same operation and resource in another case."""
    for name, change in (("upper", str.upper), ("lower", str.lower), ("mixed", lambda s: _mixed(s, rng))):
        mutated = copy.deepcopy(record)
        for key in ("operationName", "resourceId"):
            if isinstance(mutated.get(key), str):
                mutated[key] = change(mutated[key])
        yield f"case/{name}", mutated
    action = record.get("identity", {}).get("authorization", {}).get("action")
    if isinstance(action, str) and isinstance(record.get("operationName"), str):
        yield "case/canonical", _with(record, "operationName", action)  # the documented spelling


def _value_case(record: dict[str, Any], fields: tuple[str, ...]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Meaning kept: each other text field the query reads (``resultType``, a body, a message) in
    upper and in lower case."""
    for path in fields:
        value = value_at(record, path)
        if isinstance(value, str) and value.upper() != value.lower():
            yield f"value-case/{path}-upper", _with(record, path, value.upper())
            yield f"value-case/{path}-lower", _with(record, path, value.lower())


def value_at(record: dict[str, Any], path: str) -> Any:
    """The value at a dotted path of nested objects, or None."""
    value: Any = record
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value


def query_fields(detection: Detection) -> tuple[str, ...]:
    """The fields the query reads besides the operation and the resource (which ``case`` covers)."""
    read = fields_of(compile_query(detection.query, False).root)
    plain = {f.removesuffix(".keyword") for f in read if f}
    return tuple(sorted(plain - {"operationName", "resourceId"}))


def _resource(record: dict[str, Any], rng: random.Random) -> Iterator[tuple[str, dict[str, Any]]]:
    """Meaning kept: the same resource id written differently."""
    resource = record.get("resourceId")
    if not isinstance(resource, str) or "/providers/" not in resource.lower():
        return
    yield "resource/trailing-slash", _with(record, "resourceId", resource + "/")
    head, sep, tail = (
        resource.partition("/PROVIDERS/") if "/PROVIDERS/" in resource else resource.partition("/providers/")
    )
    provider, _, rest = tail.partition("/")
    yield "resource/provider-lower", _with(record, "resourceId", f"{head}{sep}{provider.lower()}/{rest}")


def _time(record: dict[str, Any], rng: random.Random) -> Iterator[tuple[str, dict[str, Any]]]:
    """Meaning kept: another moment, another precision."""
    moment = record.get("time")
    if not isinstance(moment, str) or "T" not in moment:
        return
    base = moment.rstrip("Z").split(".")[0]
    yield "time/no-fraction", _with(record, "time", base + "Z")
    yield "time/millis", _with(record, "time", base + ".123Z")
    yield "time/offset", _with(record, "time", _later(moment, rng.randrange(3600, 400 * 86400)))


def _body(record: dict[str, Any], rng: random.Random) -> Iterator[tuple[str, dict[str, Any]]]:
    """Meaning kept: a body sent as an object rather than as JSON text, or left out by the exporter."""
    properties = record.get("properties")
    for key in ("responseBody", "requestbody", "statusMessage"):
        text = properties.get(key) if isinstance(properties, dict) else None
        if not isinstance(text, str) or text[:1] not in "{[":
            continue
        try:
            yield f"body/{key}-as-object", _with(record, f"properties.{key}", json.loads(text))
        except ValueError:
            continue
        without = copy.deepcopy(record)
        del without["properties"][key]
        yield f"body/{key}-absent", without


def _extension(record: dict[str, Any], rng: random.Random) -> Iterator[tuple[str, dict[str, Any]]]:
    """Meaning kept: an extension instance under a name its installer chose."""
    resource = record.get("resourceId")
    if not isinstance(resource, str) or "/EXTENSIONS/" not in resource.upper():
        return
    cut = resource.upper().rindex("/EXTENSIONS/") + len("/EXTENSIONS/")
    name = f"ops-{rng.randrange(16**4):04x}"
    yield "extension/custom-name", _with(record, "resourceId", resource[:cut] + name)


def _status(
    record: dict[str, Any], rng: random.Random, fires: bool
) -> Iterator[tuple[str, dict[str, Any], bool]]:
    """Meaning changed: each result word; a detection fires for the family its record belongs to."""
    family = (
        SUCCESS
        if record.get("resultType") in SUCCESS
        else FAILURE
        if record.get("resultType") in FAILURE
        else ()
    )
    if not fires or not family:
        return
    for result in RESULTS:
        yield f"status/{result.lower()}", _with(record, "resultType", result), result in family


_SIBLINGS: tuple[tuple[str, str, str], ...] = (
    ("VIRTUALMACHINES/", "VIRTUALMACHINESCALESETS/", "scale-set"),
    ("VIRTUALMACHINES/", "VIRTUALMACHINESCALESETS/VIRTUALMACHINES/", "scale-set-instance"),
    ("MICROSOFT.COMPUTE/", "MICROSOFT.CLASSICCOMPUTE/", "classic-compute"),
    ("VIRTUALMACHINES/DELETE", "VIRTUALMACHINES/EXTENSIONS/DELETE", "child-resource"),
    ("VIRTUALMACHINES/WRITE", "VIRTUALMACHINES/EXTENSIONS/WRITE", "child-resource"),
)


def _sibling(
    record: dict[str, Any], rng: random.Random, fires: bool
) -> Iterator[tuple[str, dict[str, Any], bool]]:
    """Meaning changed: the same verb on another resource type (scale set, scale-set instance,
    classic compute, a VM's child resource); the contract keeps each detection to its own."""
    operation = record.get("operationName")
    if not fires or not isinstance(operation, str):
        return
    upper = operation.upper()
    for needle, replacement, name in _SIBLINGS:
        if needle in upper and replacement not in upper:
            index = upper.index(needle)
            mutated = upper[:index] + replacement + upper[index + len(needle) :]
            yield f"sibling/{name}", _with(record, "operationName", mutated), False


_PAST = {"Success": "Succeeded", "Failure": "Failed", "Start": "Started", "Accept": "Accepted"}


def _portal(record: dict[str, Any], snake: bool) -> dict[str, Any]:
    """The record as the REST API and portal (camelCase) or the Azure SDKs (snake_case) give it."""

    def key(camel: str, snake_case: str) -> str:
        return snake_case if snake else camel

    result: str = record.get("resultType") or ""
    identity = record.get("identity") or {}
    return {
        key("eventTimestamp", "event_timestamp"): record.get("time"),
        key("operationName", "operation_name"): {"value": record.get("operationName")},
        "status": {"value": _PAST.get(result, result)},
        key("subStatus", "sub_status"): {"value": record.get("resultSignature")},
        key("resourceId", "resource_id"): record.get("resourceId"),
        "category": {"value": record.get("category")},
        key("correlationId", "correlation_id"): record.get("correlationId"),
        "claims": identity.get("claims"),
        "authorization": identity.get("authorization"),
        "properties": record.get("properties"),
    }


def _log_analytics(record: dict[str, Any]) -> dict[str, Any]:
    """The record as a row of Log Analytics' AzureActivity table (nested parts as JSON text)."""
    result: str = record.get("resultType") or ""
    identity = record.get("identity") or {}
    return {
        "TimeGenerated": record.get("time"),
        "OperationNameValue": record.get("operationName"),
        "ActivityStatusValue": _PAST.get(result, result),
        "ActivitySubstatusValue": record.get("resultSignature"),
        "ResourceId": record.get("resourceId"),
        "CategoryValue": record.get("category"),
        "CorrelationId": record.get("correlationId"),
        "Claims": json.dumps(identity.get("claims") or {}),
        "Authorization": json.dumps(identity.get("authorization") or {}),
        "Properties": json.dumps(record.get("properties") or {}),
    }


def _forms(record: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], str, str]]:
    """Meaning kept: the same record in each export form the reader supports, or nested under a
    field prefix (``field_prefix``)."""
    yield "form/rest", _portal(record, snake=False), "", "rest"
    yield "form/sdk", _portal(record, snake=True), "", "sdk"
    yield "form/log-analytics", _log_analytics(record), "", "log-analytics"
    yield "form/coralogix", {"userData": json.dumps(record)}, "", "coralogix"
    yield "form/prefix-body", {"body": copy.deepcopy(record)}, "body", "eventhub"


Operator = Callable[[dict[str, Any], random.Random], Iterator[tuple[str, dict[str, Any]]]]
KEEPING: tuple[Operator, ...] = (_case, _resource, _extension, _time, _body)


def record_mutants(detection: Detection, seed: int = 0) -> list[Mutant]:
    """Mutants of each test case's record."""
    rng = random.Random(f"{seed}/{detection.id}")
    fields = query_fields(detection)
    found: list[Mutant] = []
    for case in detection.cases:
        fires = case.expect_match
        for operator in KEEPING:
            for name, record in operator(case.record, rng):
                found.append(Mutant(name, case.name, fires, (record,), case.record))
        for name, record in _value_case(case.record, fields):
            found.append(Mutant(name, case.name, fires, (record,), case.record))
        for name, record, expect in [*_status(case.record, rng, fires), *_sibling(case.record, rng, fires)]:
            found.append(Mutant(name, case.name, expect, (record,), case.record))
        for name, record, prefix, form in _forms(case.record):
            found.append(Mutant(name, case.name, fires, (record,), case.record, prefix, form))
    return found


def scenario_mutants(detection: Detection) -> list[Mutant]:
    """Threshold bursts around the count: just below it, at it, just above it, above it but split over two
    windows, above it from two identities (the count is per account: fires), and the same when
    counted per identity with ``group_by`` (neither identity is over: quiet)."""
    threshold = detection.threshold
    template = next((s for s in detection.scenarios if s.expect_alerts > 0), None)
    if threshold is None or threshold.less_than or template is None:
        return []
    window, over = float(threshold.window_seconds), threshold.count + 1
    close = window / (over + 1)

    def burst(count: int, every: float) -> tuple[dict[str, Any], ...]:
        return tuple(r for _, r in scenario_records(replace(template, count=count, every_seconds=every)))

    split = burst(over, close)
    half = over // 2
    shifted = [_with(r, "time", _later(r["time"], window + 60)) for r in split[half:]]
    people = tuple(_with(r, PRINCIPAL, f"principal-{i % 2}") for i, r in enumerate(split))
    return [
        Mutant("threshold/below-count", template.name, False, burst(threshold.count - 1, close)),
        Mutant("threshold/at-count", template.name, False, burst(threshold.count, close)),
        Mutant("threshold/above-count", template.name, True, split),
        Mutant("threshold/two-windows", template.name, False, (*split[:half], *shifted)),
        Mutant("threshold/many-identities", template.name, True, people),
        Mutant("threshold/group-split", template.name, False, people, group_by=PRINCIPAL),
    ]


def _later(moment: str, seconds: float) -> str:
    return format_time(parse_time(moment) + seconds)
