"""Deployment overrides: one or more values files, merged in order.

Merge rules (docs/values.md): mappings merge key by key; the lists of exceptions and webhooks
add up across files (an entry given twice is an error naming both places); any other value,
scalars and other lists alike, is replaced by the later file's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from coralogix_pack.catalog.model import Catalog, Detection, Kind, Threshold
from coralogix_pack.coralogix.ownership import RESERVED_LABELS
from coralogix_pack.core.diagnostics import Diagnostic, PackError, errors_only
from coralogix_pack.documents.files import read_yaml_file
from coralogix_pack.documents.schema_check import schema_diagnostics
from coralogix_pack.values.merge import Origins, merge_into
from coralogix_pack.values.settings import (
    AlertSettings,
    SettingsDefaults,
    SettingsOverride,
    defaults_from,
    override_from,
)
from coralogix_pack.values.settings_checks import flow_checks, settings_checks


@dataclass(frozen=True)
class LabelFilter:
    value: str
    operation: str = "IS"


@dataclass(frozen=True)
class Cadence:
    notify_on: str = "triggered_only"
    retrigger_minutes: int = 10


@dataclass(frozen=True)
class Webhook:
    integration_id: int | None = None
    recipients: tuple[str, ...] = ()
    notify_on: str | None = None
    retrigger_minutes: int | None = None


@dataclass(frozen=True)
class Exception_:
    """An exclusion with an owner: matches of ``field`` in ``values``, or of a Lucene fragment."""

    reason: str
    owner: str
    field: str | None = None
    values: tuple[str, ...] = ()
    lucene: str | None = None
    expires: str | None = None  # YYYY-MM-DD
    where: tuple[str, int] = ("", 0)  # values file and line, for messages

    @property
    def label(self) -> str:
        what = f"{self.field} in {list(self.values)}" if self.field else f"lucene {self.lucene!r}"
        return f"{what} ({self.owner}: {self.reason})"


@dataclass(frozen=True)
class DetectionOverride:
    enabled: bool | None = None
    priority: str | None = None
    threshold_count: int | None = None
    threshold_window: str | None = None
    phantom: bool | None = None
    exceptions: tuple[Exception_, ...] = ()
    webhooks: tuple[Webhook, ...] = ()
    incidents: Cadence | None = None
    group_by: tuple[str, ...] = ()
    settings: SettingsOverride = field(default_factory=SettingsOverride)


@dataclass(frozen=True)
class ValuesSource:
    display: str
    sha256: str


@dataclass(frozen=True)
class Values:
    name_prefix: str = ""
    field_prefix: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    application_names: tuple[LabelFilter, ...] = ()
    subsystem_names: tuple[LabelFilter, ...] = ()
    severities: tuple[str, ...] = ()
    webhooks: tuple[Webhook, ...] = ()
    incidents: Cadence | None = None
    phantom: bool = False
    exceptions: tuple[Exception_, ...] = ()
    webhooks_by_priority: dict[str, tuple[Webhook, ...]] = field(default_factory=dict)
    detections: dict[str, DetectionOverride] = field(default_factory=dict)
    settings: SettingsDefaults = field(default_factory=SettingsDefaults)
    sources: tuple[ValuesSource, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    origins: dict[tuple[str | int, ...], tuple[str, int]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def override(self, detection_id: str) -> DetectionOverride:
        return self.detections.get(detection_id, DetectionOverride())

    def enabled(self, detection_id: str) -> bool:
        value = self.override(detection_id).enabled
        return True if value is None else value

    def all_exceptions(self, detection_id: str) -> tuple[Exception_, ...]:
        return (*self.exceptions, *self.override(detection_id).exceptions)

    def priority(self, detection_id: str, default: str) -> str:
        return self.override(detection_id).priority or default

    def threshold(self, detection_id: str, default: Threshold | None) -> Threshold | None:
        if default is None:
            return None
        override = self.override(detection_id)
        return replace(
            default,
            count=override.threshold_count if override.threshold_count is not None else default.count,
            window=override.threshold_window or default.window,
        )

    def alert_settings(self, detection: Detection) -> AlertSettings:
        """Evaluation delay, schedule, destinations, payload fields, data set of the detection's alert."""
        priority = self.priority(detection.id, detection.priority)
        thresholded = detection.kind is Kind.THRESHOLD
        return self.settings.resolve(priority, thresholded, self.override(detection.id).settings)

    def deploys(self, detection: Detection) -> bool:
        """Whether the detection is rendered and deployed: all are, but an optional one only when
        a values file sets ``enabled: true`` for it."""
        return not detection.optional or self.override(detection.id).enabled is True


@dataclass
class _Located:
    """Where each detection override and label was last set, for error messages."""

    detections: dict[str, tuple[str, int]] = field(default_factory=dict)
    labels: dict[str, tuple[str, int]] = field(default_factory=dict)
    thresholds: dict[str, tuple[str, int]] = field(default_factory=dict)
    group_by: dict[str, tuple[str, int]] = field(default_factory=dict)
    exceptions: dict[tuple[str, ...], tuple[str, int]] = field(default_factory=dict)


def load_values(paths: list[Path], catalog: Catalog) -> Values:
    merged: dict[str, Any] = {}
    origins: Origins = {}
    located = _Located()
    found: list[Diagnostic] = []
    sources = []
    for path in paths:
        display = str(path)
        doc, problems = read_yaml_file(path, display)
        if doc is None:
            found += problems
            continue
        problems = schema_diagnostics(doc, "values.schema.json", display)
        found += problems
        if errors_only(problems):
            continue
        sources.append(ValuesSource(display, hashlib.sha256(path.read_bytes()).hexdigest()))
        _remember_locations(doc, display, located)
        found += merge_into(merged, doc.data, doc, display, origins)
    _locate_exceptions(merged, origins, located)
    found += _semantic_checks(merged, located, catalog)
    found += settings_checks(merged, origins, catalog)
    if errors_only(found):
        raise PackError(found)
    return _build(merged, tuple(sources), located, origins)


def _locate_exceptions(merged: dict[str, Any], origins: Origins, located: _Located) -> None:
    for index, _ in enumerate(merged.get("exceptions", [])):
        located.exceptions[("*", str(index))] = origins.get(("exceptions", index), ("", 0))
    for detection_id, override in merged.get("detections", {}).items():
        for index, _ in enumerate(override.get("exceptions", [])):
            path = ("detections", detection_id, "exceptions", index)
            located.exceptions[(detection_id, str(index))] = origins.get(path, ("", 0))


def _remember_locations(doc: Any, display: str, located: _Located) -> None:
    for detection_id, override in doc.data.get("detections", {}).items():
        located.detections[detection_id] = (display, doc.line_of(("detections", detection_id)))
        if "threshold" in override:
            located.thresholds[detection_id] = (
                display,
                doc.line_of(("detections", detection_id, "threshold")),
            )
        if "group_by" in override:
            located.group_by[detection_id] = (display, doc.line_of(("detections", detection_id, "group_by")))
    for key in doc.data.get("labels", {}):
        located.labels[key] = (display, doc.line_of(("labels", key)))


def _semantic_checks(merged: dict[str, Any], located: _Located, catalog: Catalog) -> Iterator[Diagnostic]:
    known = set(catalog.ids)
    for detection_id, (file, line) in sorted(located.detections.items()):
        if detection_id not in known:
            yield Diagnostic(
                file=file,
                line=line,
                path=f"detections.{detection_id}",
                message=f"unknown detection id {detection_id!r}",
                hint="known ids: " + ", ".join(sorted(known)),
                code="CXP510",
            )
    threshold_only = (
        ("threshold", located.thresholds, " and has no threshold", "remove the threshold override"),
        (
            "group_by",
            located.group_by,
            ": it fires on every match, per group or not",
            "use group_by on threshold detections only",
        ),
    )
    for key, places, problem, hint in threshold_only:
        for detection_id, (file, line) in sorted(places.items()):
            if detection_id in known and catalog.get(detection_id).kind is not Kind.THRESHOLD:
                kind = catalog.get(detection_id).kind
                article = "an" if kind is Kind.IMMEDIATE else "a"
                said = (
                    problem if kind is Kind.IMMEDIATE else f": {key} overrides apply to threshold detections"
                )
                message = f"{detection_id!r} is {article} {kind} detection{said}"
                yield Diagnostic(
                    file=file,
                    line=line,
                    path=f"detections.{detection_id}.{key}",
                    message=message,
                    hint=hint,
                    code="CXP511",
                )
    yield from _exception_checks(merged, located)
    yield from flow_checks(merged, located.detections, catalog)
    for key, (file, line) in sorted(located.labels.items()):
        if key in RESERVED_LABELS:
            yield Diagnostic(
                file=file,
                line=line,
                path=f"labels.{key}",
                message=f"label {key!r} is reserved for ownership tracking",
                hint="choose another key",
                code="CXP512",
            )


def _exception_checks(merged: dict[str, Any], located: _Located) -> Iterator[Diagnostic]:
    """Lucene fragments must parse and read the same way in Coralogix (the catalog's linter)."""
    from coralogix_pack.lucene.syntax import lint, without_field_prefix

    for (scope, index), (file, line) in sorted(located.exceptions.items()):
        entries = (
            merged.get("exceptions", [])
            if scope == "*"
            else merged["detections"][scope].get("exceptions", [])
        )
        entry = entries[int(index)] if int(index) < len(entries) else {}
        fragment = entry.get("lucene")
        if not fragment:
            continue
        path = "exceptions" if scope == "*" else f"detections.{scope}.exceptions"
        for problem in lint(without_field_prefix(fragment, merged.get("field_prefix", ""))):
            if not problem.warning:
                yield Diagnostic(
                    file=file,
                    line=line,
                    path=f"{path}[{index}].lucene",
                    message=problem.message,
                    hint=problem.hint,
                    code="CXP300",
                )


def _webhooks(items: list[dict[str, Any]]) -> tuple[Webhook, ...]:
    return tuple(
        Webhook(
            w.get("integration_id"),
            tuple(w.get("recipients", [])),
            w.get("notify_on"),
            w.get("retrigger_minutes"),
        )
        for w in items
    )


def _exceptions(items: list[dict[str, Any]], where: list[tuple[str, int]]) -> tuple[Exception_, ...]:
    found = []
    for index, e in enumerate(items):
        match = e.get("match") or {}
        found.append(
            Exception_(
                reason=e["reason"],
                owner=e["owner"],
                field=match.get("field"),
                values=tuple(match.get("values", [])),
                lucene=e.get("lucene"),
                expires=e.get("expires"),
                where=where[index] if index < len(where) else ("", 0),
            )
        )
    return tuple(found)


def _build(
    raw: dict[str, Any],
    sources: tuple[ValuesSource, ...],
    located: _Located | None = None,
    origins: Origins | None = None,
) -> Values:
    located = located or _Located()

    def where(scope: str, count: int) -> list[tuple[str, int]]:
        return [located.exceptions.get((scope, str(i)), ("", 0)) for i in range(count)]

    filters = raw.get("label_filters", {})
    incidents = raw.get("incidents")
    notifications = raw.get("notifications", {})
    return Values(
        name_prefix=raw.get("name_prefix", ""),
        field_prefix=raw.get("field_prefix", ""),
        labels=dict(sorted(raw.get("labels", {}).items())),
        application_names=tuple(LabelFilter(**f) for f in filters.get("application_name", [])),
        subsystem_names=tuple(LabelFilter(**f) for f in filters.get("subsystem_name", [])),
        severities=tuple(filters.get("severities", [])),
        webhooks=_webhooks(notifications.get("webhooks", [])),
        incidents=Cadence(**incidents) if incidents is not None else None,
        phantom=bool(raw.get("phantom", False)),
        exceptions=_exceptions(raw.get("exceptions", []), where("*", len(raw.get("exceptions", [])))),
        webhooks_by_priority={
            priority: _webhooks(route.get("webhooks", []))
            for priority, route in sorted(notifications.get("by_priority", {}).items())
        },
        detections={
            detection_id: DetectionOverride(
                o.get("enabled"),
                o.get("priority"),
                o.get("threshold", {}).get("count"),
                o.get("threshold", {}).get("window"),
                o.get("phantom"),
                _exceptions(o.get("exceptions", []), where(detection_id, len(o.get("exceptions", [])))),
                _webhooks((o.get("notifications") or {}).get("webhooks", [])),
                Cadence(**o["incidents"]) if o.get("incidents") is not None else None,
                tuple(o.get("group_by", [])),
                override_from(o),
            )
            for detection_id, o in sorted(raw.get("detections", {}).items())
        },
        settings=defaults_from(raw),
        sources=sources,
        raw=raw,
        origins=dict(origins or {}),
    )
