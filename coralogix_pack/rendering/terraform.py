"""The Terraform module (one coralogix_alert per detection) from the module templates."""

from __future__ import annotations

from coralogix_pack.catalog.model import WINDOW_SECONDS, Catalog
from coralogix_pack.catalog.wording import window_words
from coralogix_pack.coralogix import vocabulary
from coralogix_pack.coralogix.ownership import RESERVED_LABELS, TERRAFORM_MANAGED_BY_VALUE, ownership_labels
from coralogix_pack.core.jsontext import pretty_json
from coralogix_pack.rendering import escaping
from coralogix_pack.rendering.engine import Templates
from coralogix_pack.rendering.view import AlertView
from coralogix_pack.values.model import Values
from coralogix_pack.values.settings import DAYS, DEFAULT_EVALUATION_DELAY_MS

MODULE_FILES = ("versions.tf", "variables.tf", "main.tf", "outputs.tf", "README.md")
TFVARS_FILE = "terraform.tfvars.json"


def render_module(catalog: Catalog, views: list[AlertView], templates: Templates) -> dict[str, str]:
    context = {
        "pack": catalog.pack,
        "alerts": views,
        "ids": [v.id for v in views],
        # terraform fmt aligns the "=" of consecutive one-line map entries
        "key_width": max(len(escaping.hcl_string(v.id)) for v in views),
        "max_title": max(len(v.detection.title) for v in views),
        "windows": list(WINDOW_SECONDS),
        "reserved_labels": sorted(RESERVED_LABELS),
        "tf_windows": vocabulary.TF_WINDOW,
        "window_words": {w: window_words(w) for w in vocabulary.TF_WINDOW},
        "tf_severities": vocabulary.TF_SEVERITY,
        "tf_notify_on": vocabulary.TF_NOTIFY_ON,
        "default_delay": f"{DEFAULT_EVALUATION_DELAY_MS // 60_000}m",
        "days": list(DAYS),
        "ownership": {
            v.id: ownership_labels(catalog.pack.name, v.id, catalog.pack.version, TERRAFORM_MANAGED_BY_VALUE)
            for v in views
        },
    }
    return {name: templates.render(f"terraform/{name}.j2", **context) for name in MODULE_FILES}


def tfvars(values: Values) -> str:
    """The module inputs matching a values file: every values key is a module input."""
    return pretty_json(values.raw, sort_keys=True) + "\n"
