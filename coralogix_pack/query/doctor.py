"""`pack doctor`: does the account hold what the alerts need, where the queries look for it?

Each check gives a verdict, what it saw and how to fix it. The important one is where
``operationName`` lives: shippers differ (the classic Event Hub function writes it at the top of
the user data, OpenTelemetry-based ingestion may nest it), and a wrong ``field_prefix`` deploys
13 green alerts that never fire.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from coralogix_pack.catalog.model import Catalog, Kind
from coralogix_pack.core.timeutil import format_time
from coralogix_pack.deploy.answers import ApiError
from coralogix_pack.deploy.client import CoralogixClient
from coralogix_pack.deploy.plan import ActionKind, Plan
from coralogix_pack.query import dataprime
from coralogix_pack.query.client import QUERY_PERMISSIONS_HINT, QueryClient, QueryFailed
from coralogix_pack.values.model import Values
from coralogix_pack.values.settings import Destination

SAMPLE_ROWS = 50
KEY_FIELD = "operationName"
MAX_DEPTH = 4


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"


@dataclass
class Check:
    name: str
    status: Status
    message: str
    hint: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "message": self.message,
            "hint": self.hint,
            **self.details,
        }


@dataclass
class DoctorReport:
    checks: list[Check]
    recommended: dict[str, Any]

    @property
    def ok(self) -> bool:
        return all(c.status is not Status.FAIL for c in self.checks)

    def as_dict(self) -> dict[str, Any]:
        return {
            "format_version": "1",
            "ok": self.ok,
            "checks": [c.as_dict() for c in self.checks],
            "recommended_values": self.recommended,
        }


def field_paths(data: Any, key: str = KEY_FIELD) -> Iterator[str]:
    """Dotted prefixes under which ``key`` holds text ("" for the top level)."""
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    while stack:
        value, prefix, depth = stack.pop()
        if not isinstance(value, dict) or depth > MAX_DEPTH:
            continue
        if isinstance(value.get(key), str):
            yield prefix
        for name, child in value.items():
            if isinstance(child, dict) and name != key:
                stack.append((child, f"{prefix}.{name}" if prefix else str(name), depth + 1))


def _case(values: list[str]) -> str:
    letters = ["".join(c for c in v if c.isalpha()) for v in values]
    if all(t.isupper() for t in letters if t):
        return "upper"
    if all(t.islower() for t in letters if t):
        return "lower"
    return "mixed"


def _value_at(data: Any, prefix: str, key: str) -> Any:
    for part in [p for p in prefix.split(".") if p]:
        data = data.get(part) if isinstance(data, dict) else None
    return data.get(key) if isinstance(data, dict) else None


class Doctor:
    def __init__(
        self,
        values: Values,
        alerts: CoralogixClient,
        queries: QueryClient,
        make_plan: Callable[[], Plan],
        start: float,
        end: float,
        keypaths: dict[str, tuple[str, ...]] | None = None,
        destinations: dict[str, tuple[Destination, ...]] | None = None,
    ):
        """``keypaths``: detection -> the fields beyond its query that its alert reads (a new value's
        key, a unique count's key and group, a threshold's group-by), without the field prefix."""
        self.values, self.alerts, self.queries, self.make_plan = values, alerts, queries, make_plan
        self.keypaths = keypaths or {}
        self.destinations = destinations or {}  # detection -> its Notification Center destinations
        self.start, self.end = format_time(start), format_time(end)
        self.checks: list[Check] = []
        self.recommended: dict[str, Any] = {}

    def run(self) -> DoctorReport:
        self._alerts_api()
        if self._query_api():
            sample = self._records()
            if sample:
                prefix = self._prefix(sample)
                if prefix is not None:
                    self._value_case(sample, prefix)
                    self._keypaths(sample, prefix)
        self._notification_center()
        self._managed()
        return DoctorReport(self.checks, self.recommended)

    def _add(self, name: str, status: Status, message: str, hint: str = "", **details: Any) -> None:
        self.checks.append(Check(name, status, message, hint, details))

    def _alerts_api(self) -> None:
        try:
            listed = self.alerts.list_alerts()
        except ApiError as exc:
            self._add(
                "alerts api", Status.FAIL, str(exc), "use a key with the Alerts preset for plan and apply"
            )
            return
        self._add("alerts api", Status.OK, f"the key lists alert definitions ({len(listed)} in the account)")

    def _query_api(self) -> bool:
        try:
            self.queries.run(dataprime.sample(["source logs"], 1), self.start, self.end, limit=1)
        except QueryFailed as exc:
            self._add("query api", Status.FAIL, str(exc), QUERY_PERMISSIONS_HINT)
            return False
        self._add("query api", Status.OK, f"the key runs DataPrime queries ({self.queries.tier})")
        return True

    def _records(self) -> list[Any]:
        values = self.values
        filters = dataprime.label_filter(values.application_names, values.subsystem_names, values.severities)
        stages = dataprime.base(filters, None)
        where = "logs matching the configured label filters" if filters else "logs"
        try:
            total = self.queries.run(dataprime.count(stages), self.start, self.end).rows
            hits = int((total[0].data or {}).get("hits", 0)) if total else 0
            activity = dataprime.base(filters, "MICROSOFT OR Microsoft OR microsoft")
            rows = self.queries.run(
                dataprime.sample(activity, SAMPLE_ROWS), self.start, self.end, SAMPLE_ROWS
            ).rows
        except QueryFailed as exc:
            self._add("activity log records", Status.FAIL, str(exc))
            return []
        sample = [r.data for r in rows if any(True for _ in field_paths(r.data))]
        if not hits or not sample:
            hint = "check label_filters in the values file (application and subsystem names of the shipper)"
            message = f"{hits} {where} from {self.start} to {self.end}; none is an Azure Activity Log record"
            self._add(
                "activity log records", Status.FAIL, message, hint, logs=hits, activity_log_sample=len(sample)
            )
            return []
        message = f"{hits} {where} in the window; {len(sample)} Activity Log records sampled"
        self._add("activity log records", Status.OK, message, logs=hits, activity_log_sample=len(sample))
        return sample

    def _prefix(self, sample: list[Any]) -> str | None:
        found = Counter(p for record in sample for p in set(field_paths(record)))
        prefix, _ = found.most_common(1)[0]
        configured = self.values.field_prefix
        shown = f"under {prefix!r}" if prefix else "at the top of the user data"
        if prefix == configured:
            self._add("field prefix", Status.OK, f"{KEY_FIELD} is {shown}, as configured", found=prefix)
            return prefix
        self.recommended["field_prefix"] = prefix
        hint = f"set field_prefix: {prefix}" if prefix else "remove field_prefix"
        self._add(
            "field prefix",
            Status.FAIL,
            f"{KEY_FIELD} is {shown}, but field_prefix is {configured!r}: the alerts would never match",
            f"{hint} in the values file (see the recommended snippet)",
            found=prefix,
            configured=configured,
        )
        return prefix

    def _value_case(self, sample: list[Any], prefix: str) -> None:
        details = {}
        for name in (KEY_FIELD, "resourceId"):
            values = [v for r in sample if isinstance(v := _value_at(r, prefix, name), str)]
            details[name] = _case(values) if values else "absent"
        message = ", ".join(f"{k} values are {v} case" for k, v in details.items())
        self._add("value case", Status.OK, message + " (the catalog's queries match every case)", **details)

    def _keypaths(self, sample: list[Any], prefix: str) -> None:
        """A key an alert groups or counts by that no sampled record holds: every record would fall
        in one empty group, or (new value, unique count) the alert would never fire."""
        if not self.keypaths:
            return
        present = {}
        for detection, paths in sorted(self.keypaths.items()):
            for path in paths:
                dotted = f"{prefix}.{path}" if prefix else path
                present[f"{detection}: {path}"] = sum(_has(record, dotted) for record in sample)
        missing = [name for name, count in present.items() if count == 0]
        if missing:
            message = "no sampled Activity Log record holds " + "; ".join(missing)
            hint = "check the field names against a record in Coralogix, or the field prefix"
            self._add("alert keys", Status.WARN, message, hint, present=present, sample=len(sample))
            return
        message = f"every field the alerts group or count by is in the sample ({len(sample)} records)"
        self._add("alert keys", Status.OK, message, present=present, sample=len(sample))

    def _notification_center(self) -> None:
        """The connectors and presets the key can see; every one the alerts name must exist."""
        wanted = any(self.destinations.values())
        try:
            connectors = {c["id"]: c for c in self.alerts.list_connectors()}
            presets = {p["id"]: p for p in self.alerts.list_presets()}
        except ApiError as exc:
            status = Status.FAIL if wanted else Status.WARN
            hint = "use a key with the Notification Center preset (read) to check destinations"
            self._add("notification center", status, str(exc), hint)
            return
        missing = []
        for detection, destinations in sorted(self.destinations.items()):
            for d in destinations:
                if d.connector_id not in connectors:
                    missing.append(f"connector {d.connector_id!r} ({detection})")
                if d.preset_id and d.preset_id not in presets:
                    missing.append(f"preset {d.preset_id!r} ({detection})")
        listed = [{"id": c["id"], "name": c["name"], "type": c.get("type")} for c in connectors.values()]
        summaries = [{"id": p["id"], "name": p["name"]} for p in presets.values()]
        if missing:
            unique = list(dict.fromkeys(missing))
            message = "the account has no " + "; no ".join(unique)
            hint = "use ids from the lists in this check (pack doctor --format json), or create them"
            details = {"connectors": listed, "presets": summaries}
            self._add("notification center", Status.FAIL, message, hint, **details)
            return
        used = len({d.connector_id for ds in self.destinations.values() for d in ds})
        message = f"{len(connectors)} connectors and {len(presets)} presets visible; the alerts use {used}"
        self._add("notification center", Status.OK, message, "", connectors=listed, presets=summaries)

    def _managed(self) -> None:
        try:
            plan = self.make_plan()
        except ApiError as exc:
            self._add("managed alerts", Status.FAIL, str(exc))
            return
        managed = plan.count(ActionKind.UNCHANGED) + plan.count(ActionKind.UPDATE)
        if not managed:
            self._add(
                "managed alerts", Status.WARN, "no alert of this pack is deployed yet", "run pack apply"
            )
            return
        status = Status.WARN if plan.drift or plan.conflicts else Status.OK
        hint = "pack plan shows the edits; pack apply reverts them" if plan.drift else ""
        if plan.conflicts:
            hint = (hint + "; " if hint else "") + "conflicts are kept until you delete them or pass --prune"
        drifted, changes = len(plan.drift), len(plan.changes)
        message = f"{managed} managed alerts, {drifted} edited outside the pack, {changes} to change"
        if plan.conflicts:
            listed = ", ".join(f"{c.alert_id} {c.name!r} ({c.detection})" for c in plan.conflicts)
            message += f", {len(plan.conflicts)} conflict(s): {listed}"
        conflicts = [c.as_dict() for c in plan.conflicts]
        self._add(
            "managed alerts", status, message, hint, managed=managed, drifted=drifted, conflicts=conflicts
        )
        if plan.notes:
            self._add(
                "coralogix extension",
                Status.WARN,
                "; ".join(plan.notes),
                "keep one of the two: undeploy the extension's alerts, or disable the pack's detections",
            )


def _has(record: Any, dotted: str) -> bool:
    from coralogix_pack.lucene.records import leaves

    return isinstance(record, dict) and next(iter(leaves(record, tuple(dotted.split(".")))), None) is not None


def alert_keys(catalog: Catalog, values: Values) -> dict[str, tuple[str, ...]]:
    """Detection -> the fields beyond its query that its alert groups or counts by."""
    found = {}
    for detection in catalog.detections:
        if not values.enabled(detection.id):
            continue
        keys = list(values.override(detection.id).group_by) if detection.kind is Kind.THRESHOLD else []
        if detection.new_value:
            keys.append(detection.new_value.keypath)
        if detection.unique_count:
            keys += [detection.unique_count.keypath, *detection.unique_count.group_by]
        if keys:
            found[detection.id] = tuple(keys)
    return found
