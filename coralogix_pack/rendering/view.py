"""What a template sees for one detection: catalog content with the values applied."""

from __future__ import annotations

from dataclasses import dataclass, replace

from coralogix_pack.catalog.model import Catalog, Detection, Threshold
from coralogix_pack.catalog.wording import restate
from coralogix_pack.coralogix.ownership import MANAGED_BY_VALUE, ownership_labels
from coralogix_pack.lucene.fields import FIELD_PREFIX_SENTINEL, prefixed
from coralogix_pack.lucene.syntax import render_query
from coralogix_pack.rendering.engine import Templates
from coralogix_pack.values.exceptions import with_exceptions
from coralogix_pack.values.model import Cadence, Exception_, LabelFilter, Values, Webhook


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


def alert_name(detection: Detection, values: Values) -> str:
    """The prefixed title, stating the threshold in force (catalog/wording.py)."""
    in_force = values.threshold(detection.id, detection.threshold)
    return values.name_prefix + restate(detection.title, detection.threshold, in_force)


def alert_description(
    detection: Detection, catalog: Catalog, templates: Templates, values: Values | None = None
) -> str:
    text = templates.render("description.txt.j2", detection=detection, pack=catalog.pack).strip()
    in_force = values.threshold(detection.id, detection.threshold) if values else detection.threshold
    return restate(text, detection.threshold, in_force)


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
    base = render_query(detection.query, values.field_prefix)
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
        query=with_exceptions(base, exceptions, values.field_prefix),
        labels=dict(sorted(labels.items())),
        application_names=values.application_names,
        subsystem_names=values.subsystem_names,
        severities=values.severities,
        webhooks=tuple(_explicit(w, cadence) for w in routes),
        incidents=cadence,
        detection=detection,
        field_prefix=values.field_prefix,
        query_template=render_query(detection.query, FIELD_PREFIX_SENTINEL),
        phantom=values.phantom if override.phantom is None else override.phantom,
        group_by=tuple(prefixed(f, values.field_prefix) for f in override.group_by),
        exceptions=exceptions,
        base_query=base,
        description_as_written=as_written,
    )


def _explicit(webhook: Webhook, cadence: Cadence) -> Webhook:
    """A webhook without its own cadence follows the incident cadence; say so explicitly."""
    return replace(
        webhook,
        notify_on=webhook.notify_on or cadence.notify_on,
        retrigger_minutes=webhook.retrigger_minutes or cadence.retrigger_minutes,
    )
