"""Render everything in memory, then write atomically or compare with a previous render."""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from coralogix_pack import __version__
from coralogix_pack.catalog.model import Catalog
from coralogix_pack.fsutil import write_atomic
from coralogix_pack.render.alerts import alert_json_text, render_alert
from coralogix_pack.render.engine import Templates
from coralogix_pack.render.terraform import TFVARS_FILE, render_module, tfvars
from coralogix_pack.render.view import AlertView, alert_view
from coralogix_pack.values import Values

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Rendered:
    files: dict[str, str]  # relative POSIX path -> text


def views_for(catalog: Catalog, values: Values, templates: Templates) -> list[AlertView]:
    return [alert_view(d, catalog, values, templates) for d in catalog.detections]


def render_pack(catalog: Catalog, values: Values, templates: Templates) -> Rendered:
    views = views_for(catalog, values, templates)
    files: dict[str, str] = {}
    for view in views:
        files[f"alerts/{view.id}.json"] = alert_json_text(render_alert(view, templates))
        files[f"queries/{view.id}.lucene"] = view.query + "\n"
    for name, text in render_module(catalog, views, templates).items():
        files[f"terraform/{name}"] = text
    if values.sources:
        files[f"terraform/{TFVARS_FILE}"] = tfvars(values)
    files[MANIFEST] = _manifest(catalog, values, files)
    return Rendered(dict(sorted(files.items())))


def _manifest(catalog: Catalog, values: Values, files: dict[str, str]) -> str:
    manifest = {
        "generator": f"coralogix-pack {__version__}",
        "pack": {
            "name": catalog.pack.name,
            "version": catalog.pack.version,
            "attack_version": catalog.pack.attack_version,
        },
        "catalog": {"sha256": catalog.content_sha256, "detections": catalog.ids},
        "values": [{"file": s.display, "sha256": s.sha256} for s in values.sources],
        "files": {
            path: hashlib.sha256(text.encode("utf-8")).hexdigest() for path, text in sorted(files.items())
        },
    }
    return json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"


def _previous_files(out: Path) -> set[str]:
    try:
        return set(json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"])
    except (OSError, ValueError, KeyError, TypeError):
        return set()


def write_rendered(rendered: Rendered, out: Path) -> list[str]:
    """Write every file atomically, manifest last; remove files a previous render made that are gone now."""
    stale = _previous_files(out) - set(rendered.files)
    for path, text in rendered.files.items():
        if path != MANIFEST:
            write_atomic(out / path, text)
    for path in sorted(stale):
        (out / path).unlink(missing_ok=True)
    write_atomic(out / MANIFEST, rendered.files[MANIFEST])
    return sorted(stale)


def check_rendered(rendered: Rendered, out: Path) -> str:
    """A unified diff between ``out`` and a fresh render; empty when current."""
    existing = _previous_files(out) | {p for p in rendered.files if (out / p).exists()}
    chunks = []
    for path in sorted(existing | set(rendered.files)):
        target = out / path
        old = target.read_text(encoding="utf-8") if target.is_file() else ""
        new = rendered.files.get(path, "")
        if old != new:
            chunks.extend(
                difflib.unified_diff(
                    old.splitlines(keepends=True),
                    new.splitlines(keepends=True),
                    f"{out}/{path} (on disk)",
                    f"{out}/{path} (fresh render)",
                )
            )
    return "".join(chunks)
