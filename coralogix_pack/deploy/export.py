"""`pack export`: the managed alerts as the account holds them, one JSON file each."""

from __future__ import annotations

import json
from pathlib import Path

from coralogix_pack.deploy.client import CoralogixClient
from coralogix_pack.deploy.plan import is_managed
from coralogix_pack.fsutil import write_atomic
from coralogix_pack.ownership import DETECTION_LABEL


def export_managed(client: CoralogixClient, pack: str, out: Path) -> list[Path]:
    alerts = [a for a in client.list_alerts() if is_managed(a, pack)]
    alerts.sort(key=lambda a: (a["alertDefProperties"]["entityLabels"].get(DETECTION_LABEL, ""), a["id"]))
    written, index, used = [], [], set()
    for alert in alerts:
        detection = alert["alertDefProperties"]["entityLabels"].get(DETECTION_LABEL) or "unknown"
        name = f"{detection}.json" if detection not in used else f"{detection}.{alert['id']}.json"
        used.add(detection)
        write_atomic(out / name, json.dumps(alert, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
        written.append(out / name)
        index.append(
            {
                "file": name,
                "detection": detection,
                "id": alert["id"],
                "alertVersionId": alert.get("alertVersionId"),
            }
        )
    write_atomic(
        out / "index.json",
        json.dumps({"pack": pack, "target": client.target.base_url, "alerts": index}, indent=2) + "\n",
    )
    return written
