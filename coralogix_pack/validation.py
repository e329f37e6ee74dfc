"""`pack validate`: the catalog checks plus the checks that depend on values."""

from __future__ import annotations

from pathlib import Path

from coralogix_pack.catalog import checks
from coralogix_pack.catalog.loader import load_catalog_with_diagnostics
from coralogix_pack.catalog.model import Catalog
from coralogix_pack.diagnostics import Diagnostic, PackError, errors_only
from coralogix_pack.render.engine import Templates
from coralogix_pack.render.view import alert_view
from coralogix_pack.values import Values, load_values

PROVENANCE_PATH = "mitre.vendor"


def validate(
    catalog_dir: Path, templates_dir: Path, values_files: list[Path]
) -> tuple[Catalog | None, list[Diagnostic]]:
    catalog, found = load_catalog_with_diagnostics(catalog_dir)
    if catalog is None:
        return None, found
    try:
        values = load_values(values_files, catalog) if values_files else Values()
        templates = Templates(templates_dir)
        for detection in catalog.detections:
            view = alert_view(detection, catalog, values, templates)
            found += checks.check_lengths(detection, view.name, view.description)
    except PackError as exc:
        found += exc.diagnostics
    return catalog, sorted(found)


def load_inputs(
    catalog_dir: Path, templates_dir: Path, values_files: list[Path]
) -> tuple[Catalog, Values, Templates]:
    """Everything a render needs, validated; raises PackError listing every problem."""
    catalog, found = validate(catalog_dir, templates_dir, values_files)
    if catalog is None or errors_only(found):
        raise PackError(d for d in found if d.path != PROVENANCE_PATH)
    values = load_values(values_files, catalog) if values_files else Values()
    return catalog, values, Templates(templates_dir)
