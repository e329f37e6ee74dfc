"""`pack export`: the managed alerts as the account holds them, one JSON file each.

Everything here comes from the server, so it is untrusted: file names are built only from
labels that look like detection ids (anything else falls back to a hash), and every string is
redacted before it is written.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from coralogix_pack.coralogix.ownership import DETECTION_LABEL
from coralogix_pack.core.diagnostics import Diagnostic, PackError, cannot_write
from coralogix_pack.core.files import write_atomic
from coralogix_pack.core.redaction import redact, redact_json
from coralogix_pack.deploy.client import CoralogixClient
from coralogix_pack.deploy.live import LiveAlert, managed_alerts

INDEX = "index.json"
GENERATOR = "coralogix-pack export"
_SAFE_NAME = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


def safe_stem(label: Any) -> str:
    """A file-name stem for a detection label: the label itself when it has an id's shape."""
    if isinstance(label, str) and len(label) <= 63 and _SAFE_NAME.fullmatch(label) and label != "index":
        return label
    digest = hashlib.sha256(str(label).encode("utf-8", "replace")).hexdigest()[:12]
    return f"unnamed-{digest}"


def _safe_id(alert_id: Any) -> str:
    if isinstance(alert_id, str) and _SAFE_ID.fullmatch(alert_id):
        return alert_id
    return "id-" + hashlib.sha256(str(alert_id).encode("utf-8", "replace")).hexdigest()[:12]


def export_managed(client: CoralogixClient, pack: str, out: Path) -> list[Path]:
    if out.exists() and not out.is_dir():
        raise PackError(
            [
                Diagnostic(
                    file=str(out), message="--out is not a folder", hint="choose a folder path", code="CXP700"
                )
            ]
        )
    alerts = [redact_json(a.raw) for a in managed_alerts(client.list_alerts(), pack)]
    alerts.sort(key=lambda a: (str(_detection(a)), str(a.get("id", ""))))
    written, index, used = [], [], set()
    for alert in alerts:
        stem = safe_stem(_detection(alert))
        name = f"{stem}.json" if stem not in used else f"{stem}.{_safe_id(alert.get('id'))}.json"
        used.add(stem)
        text = redact(json.dumps(alert, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
        _write(out / name, text)
        written.append(out / name)
        index.append(
            {
                "file": name,
                "detection": _detection(alert),
                "id": alert.get("id"),
                "alertVersionId": alert.get("alertVersionId"),
                "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
            }
        )
    summary = {"generator": GENERATOR, "pack": pack, "target": client.target.base_url, "alerts": index}
    _write(out / INDEX, json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    return written


def written_by_pack(out: Path) -> bool:
    """``out`` is an earlier export, untouched since: its index.json was written by `pack
    export`, every file it lists still holds the bytes exported, and nothing else is there. A
    hand-edited export is somebody's work: only --force replaces it."""
    try:
        index = json.loads((out / INDEX).read_text(encoding="utf-8"))
        entries = index["alerts"] if isinstance(index, dict) and index.get("generator") == GENERATOR else None
        if not isinstance(entries, list):
            return False
        recorded = {e["file"]: e["sha256"] for e in entries}
        present = {p.name for p in out.iterdir()} - {INDEX}
        if not present <= set(recorded):
            return False
        return all(
            hashlib.sha256((out / name).read_bytes()).hexdigest() == recorded[name] for name in present
        )
    except (OSError, UnicodeDecodeError, ValueError, RecursionError, TypeError, KeyError):
        return False


def _detection(alert: dict[str, Any]) -> Any:
    return LiveAlert(alert).labels.get(DETECTION_LABEL)


def _write(path: Path, text: str) -> None:
    try:
        write_atomic(path, text)
    except OSError as exc:
        raise cannot_write(exc.filename or path, exc) from None


def export_report(out: Path, written: list[Path]) -> dict[str, Any]:
    """`pack export --format json` (schemas/export.schema.json)."""
    return {"format_version": "1", "out": str(out), "files": [str(p) for p in written]}
