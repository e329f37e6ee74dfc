"""Alerts of Coralogix's own "Azure VM" extension deployed beside the pack's: every alert twice.

The extension names its alerts as the seed document titles them; the catalog keeps that name as
``vendor_title``. An unmanaged alert of that name, next to an enabled detection of the pack, is
probably the extension's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from coralogix_pack.catalog.model import Catalog
from coralogix_pack.deploy.live import LiveAlert


@dataclass(frozen=True)
class VendorTwin:
    alert_id: str
    name: str
    detection: str

    def note(self) -> str:
        return (
            f"alert {self.alert_id} {self.name!r} is probably Coralogix's own Azure VM extension: you will "
            f"get two alerts with {self.detection}; undeploy the extension, or disable {self.detection} "
            "in a values file"
        )


def _folded(name: str) -> str:
    return " ".join(name.split()).casefold()


def vendor_twins(
    catalog: Catalog, enabled: Iterable[str], live: list[dict[str, Any]], pack: str
) -> list[VendorTwin]:
    wanted = set(enabled)
    titles = {_folded(d.vendor_title): d.id for d in catalog.detections if d.vendor_title and d.id in wanted}
    twins = []
    for alert in map(LiveAlert, live):
        detection = titles.get(_folded(alert.name))
        if detection is not None and not alert.managed_by(pack):
            twins.append(VendorTwin(alert.id, alert.name, detection))
    return sorted(twins, key=lambda t: (t.detection, t.alert_id))
