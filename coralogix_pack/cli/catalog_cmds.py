"""`pack validate` and `pack render`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from coralogix_pack.cli.options import (
    AllowExpiredOpt,
    CatalogOpt,
    EnvOpt,
    FormatOpt,
    TemplatesOpt,
    ValuesOpt,
    check_format,
    select_environment,
    source_note,
)
from coralogix_pack.cli.reports import print_json
from coralogix_pack.cli.runner import app, err, note, say

if TYPE_CHECKING:
    from coralogix_pack.core.diagnostics import Diagnostic


@app.command()
def validate(
    catalog: CatalogOpt = None,
    templates: TemplatesOpt = None,
    values: ValuesOpt = None,
    env: EnvOpt = None,
    provenance: Annotated[
        bool,
        typer.Option("--provenance", help="List each inconsistent vendor ATT&CK mapping kept as provenance."),
    ] = False,
    output: Annotated[
        str,
        typer.Option("--format", metavar="FORMAT", help="text, json, or github (workflow annotations)."),
    ] = "text",
    allow_expired: Annotated[
        bool, typer.Option("--allow-expired", help="An expired exception is a warning, not an error.")
    ] = False,
    expiry_warning_days: Annotated[
        int,
        typer.Option("--expiry-warning-days", metavar="DAYS", help="Warn this long before expiry.", min=0),
    ] = 14,
    show_values: Annotated[
        bool,
        typer.Option(
            "--show-values", help="Print the merged values, each setting with the file:line it came from."
        ),
    ] = False,
) -> None:
    """Check the catalog (schema, Lucene, ATT&CK, uniqueness, API limits) and values files."""
    from coralogix_pack import library
    from coralogix_pack.core.diagnostics import PROVENANCE_CODE

    fmt = check_format(output, ("text", "json", "github"))
    selection = select_environment(env, values)
    values = selection.values
    result = library.validate(
        catalog, values, templates, allow_expired=allow_expired, expiry_warning_days=expiry_warning_days
    )
    shown = [d for d in result.diagnostics if provenance or d.code != PROVENANCE_CODE]
    vendor = [d for d in result.diagnostics if d.code == PROVENANCE_CODE]
    if fmt == "json":
        print_json(result.as_dict(shown))
    elif fmt == "github":
        for diagnostic in shown:
            print(github_annotation(diagnostic))
    else:
        for diagnostic in shown:
            err(diagnostic.format())
        if vendor and not provenance:
            note(
                f"note: {len(vendor)} vendor ATT&CK mappings kept as provenance are inconsistent "
                "(pack validate --provenance lists them)"
            )
        if show_values and result.values is not None:
            from coralogix_pack.values.merge import show_values as merged_lines

            for line in merged_lines(result.values.raw, result.values.origins) or [
                "(no values: the catalog's defaults apply)"
            ]:
                print(line)
        if result.ok and result.catalog is not None:
            sources = source_note(result.catalog, values, selection.environment)
            from coralogix_pack.values.model import Values

            detections = result.catalog.detections
            off = sum(not (result.values or Values()).deploys(d) for d in detections)
            optional = f", {off} optional ones not enabled" if off else ""
            say(f"{len(detections)} detections valid{optional} ({sources})")
    raise typer.Exit(0 if result.ok else 1)


def github_annotation(diagnostic: Diagnostic) -> str:
    """A GitHub Actions workflow command that annotates the file and line in a pull request."""
    kind = "error" if diagnostic.is_error else "warning"
    where = f"file={diagnostic.file}" + (f",line={diagnostic.line}" if diagnostic.line else "")
    text = f"{diagnostic.path}: {diagnostic.message}" if diagnostic.path else diagnostic.message
    text += f" ({diagnostic.hint})" if diagnostic.hint else ""
    escaped = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return f"::{kind} {where},title={diagnostic.code or 'pack'}::{escaped}"


def _render_command(out: Path, catalog: Path | None, templates: Path | None, values: list[Path]) -> str:
    """The render command that refreshes ``out``, with the flags the check was run with."""
    import shlex

    words = ["pack", "render", "--out", str(out)]
    for flag, value in (("--catalog", catalog), ("--templates", templates)):
        if value is not None:
            words += [flag, str(value)]
    for path in values:
        words += ["--values", str(path)]
    return shlex.join(words)


@app.command()
def render(
    out: Annotated[
        Path | None,
        typer.Option("--out", metavar="DIR", help="Output folder (default: out).", file_okay=False),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Write into an existing folder that pack did not render (files may be replaced)."
        ),
    ] = False,
    check: Annotated[
        Path | None,
        typer.Option(
            "--check",
            metavar="DIR",
            help="Compare DIR with a fresh render; exit 1 if stale.",
            file_okay=False,
        ),
    ] = None,
    catalog: CatalogOpt = None,
    templates: TemplatesOpt = None,
    values: ValuesOpt = None,
    env: EnvOpt = None,
    output: FormatOpt = "text",
    allow_expired: AllowExpiredOpt = False,
) -> None:
    """Render alert JSON, Lucene queries, the Terraform module and a manifest."""
    from coralogix_pack import library
    from coralogix_pack.rendering.pipeline import RenderReport

    fmt = check_format(output)
    selection = select_environment(env, values)
    values = selection.values
    pack = library.load_pack(catalog, values, templates, allow_expired=allow_expired)
    rendered = library.render(pack)
    alerts, files = len(rendered.alerts), len(rendered.files)
    if check is not None:
        diff = library.check(rendered, check)
        if fmt == "json":
            print(
                json.dumps(
                    RenderReport(str(check), alerts, files, check=True, current=not diff).as_dict(), indent=2
                )
            )
        elif diff:
            sys.stdout.write(diff)
        else:
            say(f"{check} is up to date ({len(rendered.files)} files)")
        if diff:
            again = _render_command(check, catalog, templates, values or [])
            err(f"{check} is stale: run `{again}` and commit the result")
            raise typer.Exit(1)
        return
    out = out if out is not None else Path("out")
    protected = [pack.catalog.directory, pack.templates.directory]
    removed, kept = library.write(rendered, out, force=force, protected=protected)
    for path in kept:
        err(f"{out / path}: kept: pack rendered it once but it was edited since; delete it if unwanted")
    if fmt == "json":
        print(
            json.dumps(RenderReport(str(out), alerts, files, removed=removed, kept=kept).as_dict(), indent=2)
        )
        return
    say(
        f"rendered {len(rendered.alerts)} alerts, {len(rendered.files)} files into {out}"
        + (f"; removed {len(removed)} stale" if removed else "")
        + f" ({source_note(pack.catalog, values, selection.environment, pack.templates.directory)})"
    )


@app.command()
def new(
    detection_id: Annotated[
        str, typer.Argument(metavar="ID", help="The new detection's id, e.g. vm-extension-installed.")
    ],
    kind: Annotated[
        str,
        typer.Option(
            "--kind",
            metavar="KIND",
            help="immediate, threshold, less-than, new-value, unique-count or flow (docs/alert-kinds.md).",
        ),
    ] = "immediate",
    catalog: CatalogOpt = None,
) -> None:
    """Create catalog/ID.yaml: a detection that validates as written, with TODOs to replace."""
    from coralogix_pack import library
    from coralogix_pack.catalog.scaffold import KINDS, flow_stages, scaffold

    if kind not in KINDS:
        raise typer.BadParameter("use one of " + ", ".join(KINDS), param_hint="--kind")
    folder = library.catalog_dir(catalog)
    stages = flow_stages(library.load_catalog(folder)) if kind == "flow" else None
    path = scaffold(folder, detection_id, kind, stages)
    print(f"created {path}: replace the TODOs, then run pack validate && pack test")


@app.command()
def coverage(
    values: ValuesOpt = None,
    env: EnvOpt = None,
    catalog: CatalogOpt = None,
    output: FormatOpt = "text",
) -> None:
    """The enabled detections' ATT&CK coverage: a table, or a Navigator layer with --format json."""
    from coralogix_pack import library
    from coralogix_pack.offline.coverage import coverage as cells
    from coralogix_pack.offline.coverage import layer

    fmt = check_format(output)
    selection = select_environment(env, values)
    pack = library.load_pack(catalog, selection.values, allow_expired=True)  # reads only
    if fmt == "json":
        print_json(layer(pack.catalog, pack.values))
        return
    rows = cells(pack.catalog, pack.values)
    width = max((len(f"{c.technique} {c.name}") for c in rows), default=10)
    print(f"{'technique':<{width}}  {'tactic':<20}  score  detections")
    for c in rows:
        print(
            f"{c.technique + ' ' + c.name:<{width}}  {c.tactic:<20}  {c.score:>5}  {', '.join(c.detections)}"
        )
    detections = len({d for c in rows for d in c.detections})
    say(f"{len(rows)} technique(s) covered by {detections} enabled detection(s)")
