"""`pack validate`: the catalog checks plus the checks that depend on values."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coralogix_pack.catalog import checks
from coralogix_pack.catalog.loader import load_catalog_with_diagnostics
from coralogix_pack.catalog.model import Catalog
from coralogix_pack.core.diagnostics import PROVENANCE_CODE, Diagnostic, PackError, errors_only
from coralogix_pack.rendering.engine import Templates
from coralogix_pack.rendering.view import alert_description, alert_name
from coralogix_pack.values.exceptions import DEFAULT_WARNING_DAYS, expiry_diagnostics
from coralogix_pack.values.model import Values, load_values


def _checked(
    catalog_dir: Path, templates_dir: Path, values_files: list[Path], *, rendered: bool = True
) -> tuple[Catalog | None, Values | None, Templates | None, list[Diagnostic]]:
    """``rendered`` False: the checks of what only a render sends (names and descriptions against
    the API's limits) are left out, for commands that evaluate or read and never render."""
    catalog, found = load_catalog_with_diagnostics(catalog_dir)
    if catalog is None:
        return None, None, None, found
    values = templates = None
    try:
        values = load_values(values_files, catalog) if values_files else Values()
        templates = Templates(templates_dir)
        for detection in catalog.detections if rendered else ():
            description = alert_description(detection, catalog, templates, values)
            found += checks.check_lengths(detection, alert_name(detection, values), description)
            found += checks.check_stated_threshold(detection)
    except PackError as exc:
        found += exc.diagnostics
    return catalog, values, templates, sorted(found)


def validate(
    catalog_dir: Path,
    templates_dir: Path,
    values_files: list[Path],
    *,
    allow_expired: bool = False,
    warning_days: int = DEFAULT_WARNING_DAYS,
) -> tuple[Catalog | None, Values | None, list[Diagnostic]]:
    """Every problem at once; an expired exception is an error unless ``allow_expired``."""
    catalog, values, _, found = _checked(catalog_dir, templates_dir, values_files)
    if values is not None:
        found = sorted(
            [*found, *expiry_diagnostics(values, warning_days=warning_days, allow_expired=allow_expired)]
        )
    return catalog, values, found


def load_inputs(
    catalog_dir: Path,
    templates_dir: Path,
    values_files: list[Path],
    *,
    allow_expired: bool = False,
    render_checks: bool = True,
) -> tuple[Catalog, Values, Templates]:
    """Everything a render needs, validated; raises PackError listing every problem. An expired
    exception is an error unless ``allow_expired``, as in ``validate``; ``render_checks`` False
    leaves out the checks of what only a render sends."""
    catalog, values, templates, found = _checked(
        catalog_dir, templates_dir, values_files, rendered=render_checks
    )
    if values is not None:
        found += [d for d in expiry_diagnostics(values, allow_expired=allow_expired) if d.is_error]
    if catalog is None or values is None or templates is None or errors_only(found):
        raise PackError(d for d in found if d.code != PROVENANCE_CODE)
    return catalog, values, templates


@dataclass(frozen=True)
class LoadedPack:
    """A catalog with its values and templates, validated together."""

    catalog: Catalog
    values: Values
    templates: Templates

    @property
    def ids(self) -> list[str]:
        return self.catalog.ids

    @property
    def deployed(self) -> Catalog:
        """What render, plan, backtest and preview use: all but optional detections not enabled."""
        return self.catalog.restricted({d.id for d in self.catalog.detections if self.values.deploys(d)})


@dataclass(frozen=True)
class Validation:
    catalog: Catalog | None
    diagnostics: list[Diagnostic]
    values: Values | None = None  # the merged values files, when they could be read

    @property
    def ok(self) -> bool:
        return self.catalog is not None and not any(d.is_error for d in self.diagnostics)

    def as_dict(self, shown: Sequence[Diagnostic] | None = None) -> dict[str, Any]:
        """`pack validate --format json` (schemas/validate.schema.json), with ``shown`` (default:
        every diagnostic)."""
        catalog = self.catalog
        return {
            "format_version": "1",
            "ok": self.ok,
            "catalog": None
            if catalog is None
            else {"name": catalog.pack.name, "version": catalog.pack.version},
            "detections": 0 if catalog is None else len(catalog.detections),
            "deployed": 0
            if catalog is None
            else sum(map((self.values or Values()).deploys, catalog.detections)),
            "diagnostics": [d.as_dict() for d in (self.diagnostics if shown is None else shown)],
        }
