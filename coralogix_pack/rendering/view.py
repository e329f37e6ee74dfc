"""What a template sees for one detection: catalog content with the values applied."""

from __future__ import annotations

from dataclasses import dataclass, replace

from coralogix_pack.catalog.model import Catalog, Detection, Threshold
from coralogix_pack.lucene.fields import FIELD_PREFIX_SENTINEL
from coralogix_pack.lucene.syntax import render_query
from coralogix_pack.ownership import MANAGED_BY_VALUE, ownership_labels
from coralogix_pack.rendering.engine import Templates
from coralogix_pack.values import Cadence, LabelFilter, Values, Webhook


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
    # Explicit cadences: the backend fills omitted ones in, which would then read as a difference
    cadence = values.incidents or Cadence()
    description = templates.render("description.txt.j2", detection=detection, pack=catalog.pack).strip()
    return AlertView(
        id=detection.id,
        name=values.name_prefix + detection.title,
        description=description,
        enabled=values.enabled(detection.id),
        priority=values.priority(detection.id, detection.priority),
        kind=detection.kind,
        threshold=values.threshold(detection.id, detection.threshold),
        query=render_query(detection.query, values.field_prefix),
        labels=dict(sorted(labels.items())),
        application_names=values.application_names,
        subsystem_names=values.subsystem_names,
        severities=values.severities,
        webhooks=tuple(_explicit(w, cadence) for w in values.webhooks),
        incidents=cadence,
        detection=detection,
        field_prefix=values.field_prefix,
        query_template=render_query(detection.query, FIELD_PREFIX_SENTINEL),
    )


def _explicit(webhook: Webhook, cadence: Cadence) -> Webhook:
    """A webhook without its own cadence follows the incident cadence; say so explicitly."""
    return replace(
        webhook,
        notify_on=webhook.notify_on or cadence.notify_on,
        retrigger_minutes=webhook.retrigger_minutes or cadence.retrigger_minutes,
    )
