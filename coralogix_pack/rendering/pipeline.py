"""Render everything in memory: alert JSON, Lucene queries, the Terraform module and a manifest."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from coralogix_pack import __version__
from coralogix_pack.catalog.model import Catalog
from coralogix_pack.coralogix.flowrefs import stage_placeholder
from coralogix_pack.core.jsontext import pretty_json
from coralogix_pack.rendering.alerts import alert_json_text, render_alert
from coralogix_pack.rendering.engine import Templates
from coralogix_pack.rendering.outdir import MANIFEST, sha256_text
from coralogix_pack.rendering.terraform import TFVARS_FILE, render_module, tfvars
from coralogix_pack.rendering.view import AlertView, alert_view
from coralogix_pack.values.model import Values


@dataclass
class RenderReport:
    """`pack render --format json` (schemas/render.schema.json)."""

    out: str
    alerts: int
    files: int
    check: bool = False
    current: bool = True
    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"format_version": "1", **asdict(self)}


@dataclass(frozen=True)
class Rendered:
    files: dict[str, str]  # relative POSIX path -> text

    @property
    def alerts(self) -> dict[str, dict[str, Any]]:
        """Detection id -> create-request body of its alert."""
        return {
            path.removeprefix("alerts/").removesuffix(".json"): json.loads(text)
            for path, text in self.files.items()
            if path.startswith("alerts/")
        }


def views_for(catalog: Catalog, values: Values, templates: Templates) -> list[AlertView]:
    return [alert_view(d, catalog, values, templates) for d in catalog.detections]


def render_pack(catalog: Catalog, values: Values, templates: Templates) -> Rendered:
    views = views_for(catalog, values, templates)
    files: dict[str, str] = {}
    for view in views:
        files[f"alerts/{view.id}.json"] = alert_json_text(render_alert(view, templates))
        if view.detection.kind.has_query:  # a flow has none: its stages have theirs
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
        **_stand_ins(catalog),
        "files": {path: sha256_text(text) for path, text in sorted(files.items())},
    }
    return pretty_json(manifest) + "\n"


def _stand_ins(catalog: Catalog) -> dict[str, Any]:
    """For flows: the stand-in id of each stage detection (apply and the module fill in live ids)."""
    stages = sorted({n for d in catalog.detections if d.flow for n in d.flow.stage_ids})
    if not stages:
        return {}
    return {"flow_stage_stand_ins": {n: stage_placeholder(catalog.pack.name, n) for n in stages}}
