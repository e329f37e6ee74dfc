"""A typed view of an alert definition as the account holds it, through the fields pack reads.

Everything from the server is untrusted: the list call has checked that every alert has a text
``id`` and an object ``alertDefProperties``; any other field may be missing or of another type.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from coralogix_pack.coralogix.alertdef import canonical_json, owned_view, view_hash
from coralogix_pack.coralogix.ownership import (
    DETECTION_LABEL,
    HASH_LABEL,
    MANAGED_BY_LABEL,
    MANAGED_BY_VALUE,
    PACK_LABEL,
)


@dataclass(frozen=True)
class LiveAlert:
    raw: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.raw.get("id", ""))

    @property
    def properties(self) -> dict[str, Any]:
        properties = self.raw.get("alertDefProperties")
        return properties if isinstance(properties, dict) else {}

    @property
    def labels(self) -> dict[str, Any]:
        labels = self.properties.get("entityLabels")
        return labels if isinstance(labels, dict) else {}

    @property
    def detection(self) -> str:
        return str(self.labels.get(DETECTION_LABEL, ""))

    @property
    def applied_hash(self) -> str | None:
        value = self.labels.get(HASH_LABEL)
        return value if isinstance(value, str) else None

    @cached_property
    def owned(self) -> dict[str, Any]:
        """Its owned fields, defaults explicit (``alertdef.owned_view``)."""
        return owned_view(self.properties)

    @cached_property
    def content(self) -> str:
        """The owned fields as canonical text: equal for alerts the API treats alike."""
        return canonical_json(self.owned)

    @cached_property
    def intact(self) -> bool:
        """Its owned fields still hash to the label it was applied with: not edited since."""
        return self.applied_hash is not None and self.applied_hash == view_hash(self.owned)

    @property
    def version(self) -> str | None:
        value = self.raw.get("alertVersionId")
        return value if isinstance(value, str) else None

    @property
    def name(self) -> str:
        return str(self.properties.get("name", ""))

    @property
    def age(self) -> tuple[str, str]:
        """Sorts oldest first; the id breaks ties the same way in every run."""
        return str(self.raw.get("createdTime", "")), self.id

    def managed_by(self, pack: str) -> bool:
        labels = self.labels
        return labels.get(MANAGED_BY_LABEL) == MANAGED_BY_VALUE and labels.get(PACK_LABEL) == pack


def managed_alerts(alerts: list[dict[str, Any]], pack: str) -> list[LiveAlert]:
    """This pack's alerts, each once: an alert a server lists twice is one alert."""
    unique = {a.id: a for a in map(LiveAlert, alerts) if a.managed_by(pack)}
    return list(unique.values())
