"""What a template sees for one detection: catalog content with the values applied."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from coralogix_pack.catalog.kinds import NewValue, UniqueCount
from coralogix_pack.catalog.model import Catalog, Detection, Threshold
from coralogix_pack.catalog.wording import restate
from coralogix_pack.coralogix.flowrefs import stage_placeholder
from coralogix_pack.coralogix.ownership import MANAGED_BY_VALUE, ownership_labels
from coralogix_pack.lucene.fields import FIELD_PREFIX_SENTINEL, prefixed
from coralogix_pack.lucene.syntax import render_query
from coralogix_pack.rendering.engine import Templates
from coralogix_pack.values.exceptions import with_exceptions
from coralogix_pack.values.model import Cadence, Exception_, LabelFilter, Values, Webhook
from coralogix_pack.values.settings import AlertSettings


@dataclass(frozen=True)
class AlertView:
    id: str
    name: str
    description: str
    enabled: bool
    priority: str
    kind: str
    threshold: Threshold | None
    query: str
    labels: dict[str, str]
    application_names: tuple[LabelFilter, ...]
    subsystem_names: tuple[LabelFilter, ...]
    severities: tuple[str, ...]
    webhooks: tuple[Webhook, ...]
    incidents: Cadence
    detection: Detection
    field_prefix: str = ""
    query_template: str = ""  # the query with FIELD_PREFIX_SENTINEL where a prefix goes (Terraform)
    phantom: bool = False  # canary: deployed in phantom mode, never notifies
    group_by: tuple[str, ...] = ()  # threshold: count per value of these fields
    exceptions: tuple[Exception_, ...] = ()
    base_query: str = ""  # the query before exceptions
    description_as_written: str = ""  # stating the catalog's own threshold (the Terraform module restates it)
    new_value: NewValue | None = None  # keypath with the field prefix
    unique_count: UniqueCount | None = None  # keypath and group-by with the field prefix
    stages: tuple[StageView, ...] = ()  # flow
    # evaluation delay, schedule, destinations, payload fields (under the field prefix), data set
    settings: AlertSettings = field(default_factory=AlertSettings)


@dataclass(frozen=True)
class StageAlert:
    detection: str
    placeholder: str  # the stand-in id (coralogix.flowrefs)


@dataclass(frozen=True)
class StageView:
    alerts: tuple[StageAlert, ...]
    op: str  # any | all
    within_ms: int


def alert_name(detection: Detection, values: Values) -> str:
    """The prefixed title, stating the threshold in force (catalog/wording.py)."""
    in_force = values.threshold(detection.id, detection.threshold)
    return values.name_prefix + restate(detection.title, detection.threshold, in_force)


def alert_description(
    detection: Detection, catalog: Catalog, templates: Templates, values: Values | None = None
) -> str:
    text = _described(detection, catalog, templates)
    in_force = values.threshold(detection.id, detection.threshold) if values else detection.threshold
    return restate(text, detection.threshold, in_force)


def _described(detection: Detection, catalog: Catalog, templates: Templates) -> str:
    """The description template's text, rendered once per detection and pack: validation checks
    its length and the alert carries it. Held with the detection itself, so an id is never reused."""
    remembered = templates.memo.get(id(detection))
    if remembered is not None and remembered[0] is detection and remembered[1] is catalog.pack:
        return remembered[2]
    text = templates.render("description.txt.j2", detection=detection, pack=catalog.pack).strip()
    if len(templates.memo) > 100_000:
        templates.memo.clear()
    templates.memo[id(detection)] = (detection, catalog.pack, text)
    return text


def alert_view(
    detection: Detection,
    catalog: Catalog,
    values: Values,
    templates: Templates,
    managed_by: str = MANAGED_BY_VALUE,
) -> AlertView:
    labels = {
        **values.labels,
        **ownership_labels(catalog.pack.name, detection.id, catalog.pack.version, managed_by),
    }
    override = values.override(detection.id)
    # Explicit cadences: the backend fills omitted ones in, which would then read as a difference
    cadence = override.incidents or values.incidents or Cadence()
    priority = values.priority(detection.id, detection.priority)
    routes = (*values.webhooks, *values.webhooks_by_priority.get(priority, ()), *override.webhooks)
    exceptions = values.all_exceptions(detection.id)
    has_query = detection.kind.has_query
    base = render_query(detection.query, values.field_prefix) if has_query else ""
    as_written = alert_description(detection, catalog, templates)
    in_force = values.threshold(detection.id, detection.threshold)
    description = restate(as_written, detection.threshold, in_force)
    return AlertView(
        id=detection.id,
        name=alert_name(detection, values),
        description=description,
        enabled=values.enabled(detection.id),
        priority=priority,
        kind=detection.kind,
        threshold=values.threshold(detection.id, detection.threshold),
        query=with_exceptions(base, exceptions, values.field_prefix) if has_query else "",
        labels=dict(sorted(labels.items())),
        application_names=values.application_names,
        subsystem_names=values.subsystem_names,
        severities=values.severities,
        webhooks=tuple(_explicit(w, cadence) for w in routes),
        incidents=cadence,
        detection=detection,
        field_prefix=values.field_prefix,
        query_template=render_query(detection.query, FIELD_PREFIX_SENTINEL) if has_query else "",
        phantom=values.phantom if override.phantom is None else override.phantom,
        group_by=_group_by(detection, override.group_by, values.field_prefix),
        exceptions=exceptions,
        base_query=base,
        description_as_written=as_written,
        new_value=_prefixed_new_value(detection, values.field_prefix),
        unique_count=_prefixed_unique_count(detection, values.field_prefix),
        stages=_stages(detection, catalog.pack.name),
        settings=_settings(values.alert_settings(detection), values.field_prefix, cadence),
    )


def _settings(settings: AlertSettings, prefix: str, cadence: Cadence) -> AlertSettings:
    """Payload fields under the field prefix; each destination's cadence explicit, as webhooks'."""
    destinations = tuple(
        replace(
            d,
            notify_on=d.notify_on or cadence.notify_on,
            retrigger_minutes=d.retrigger_minutes or cadence.retrigger_minutes,
        )
        for d in settings.destinations
    )
    fields = tuple(prefixed(f, prefix) for f in settings.payload_fields)
    return replace(settings, destinations=destinations, payload_fields=fields)


def _prefixed_new_value(detection: Detection, prefix: str) -> NewValue | None:
    found = detection.new_value
    return replace(found, keypath=prefixed(found.keypath, prefix)) if found else None


def _prefixed_unique_count(detection: Detection, prefix: str) -> UniqueCount | None:
    found = detection.unique_count
    if found is None:
        return None
    groups = tuple(prefixed(g, prefix) for g in found.group_by)
    return replace(found, keypath=prefixed(found.keypath, prefix), group_by=groups)


def _stages(detection: Detection, pack: str) -> tuple[StageView, ...]:
    if detection.flow is None:
        return ()
    return tuple(
        StageView(
            tuple(StageAlert(name, stage_placeholder(pack, name)) for name in stage.alerts),
            stage.op,
            stage.within_seconds * 1000,
        )
        for stage in detection.flow.stages
    )


def _explicit(webhook: Webhook, cadence: Cadence) -> Webhook:
    """A webhook without its own cadence follows the incident cadence; say so explicitly."""
    return replace(
        webhook,
        notify_on=webhook.notify_on or cadence.notify_on,
        retrigger_minutes=webhook.retrigger_minutes or cadence.retrigger_minutes,
    )


def _group_by(detection: Detection, override: tuple[str, ...], prefix: str) -> tuple[str, ...]:
    """Threshold: the values' group_by; unique count: the catalog's own."""
    fields = detection.unique_count.group_by if detection.unique_count else override
    return tuple(prefixed(f, prefix) for f in fields)
