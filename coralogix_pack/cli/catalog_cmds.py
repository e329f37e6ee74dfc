"""`pack validate` and `pack render`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from coralogix_pack.cli.options import CatalogOpt, TemplatesOpt, ValuesOpt, source_note
from coralogix_pack.cli.runner import app, err


@app.command()
def validate(
    catalog: CatalogOpt = None,
    templates: TemplatesOpt = None,
    values: ValuesOpt = None,
    provenance: Annotated[
        bool,
        typer.Option("--provenance", help="List each inconsistent vendor ATT&CK mapping kept as provenance."),
    ] = False,
) -> None:
    """Check the catalog (schema, Lucene, ATT&CK, uniqueness, API limits) and values files."""
    from coralogix_pack import library
    from coralogix_pack.validation import PROVENANCE_CODE

    result = library.validate(catalog, values or [], templates)
    vendor = [d for d in result.diagnostics if d.code == PROVENANCE_CODE]
    for diagnostic in result.diagnostics:
        if provenance or diagnostic.code != PROVENANCE_CODE:
            err(diagnostic.format())
    if vendor and not provenance:
        err(
            f"note: {len(vendor)} vendor ATT&CK mappings kept as provenance are inconsistent "
            "(pack validate --provenance lists them)"
        )
    if result.ok and result.catalog is not None:
        print(
            f"{len(result.catalog.detections)} detections valid ({source_note(result.catalog, values or [])})"
        )
    raise typer.Exit(0 if result.ok else 1)


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
    out: Annotated[Path, typer.Option("--out", metavar="DIR", help="Output folder.", file_okay=False)] = Path(
        "out"
    ),
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
) -> None:
    """Render alert JSON, Lucene queries, the Terraform module and a manifest."""
    from coralogix_pack import library

    pack = library.load_pack(catalog, values or [], templates)
    rendered = library.render(pack)
    if check is not None:
        diff = library.check(rendered, check)
        if diff:
            sys.stdout.write(diff)
            again = _render_command(check, catalog, templates, values or [])
            err(f"{check} is stale: run `{again}` and commit the result")
            raise typer.Exit(1)
        print(f"{check} is up to date ({len(rendered.files)} files)")
        return
    removed, kept = library.write(rendered, out)
    for path in kept:
        err(f"{out / path}: kept: pack rendered it once but it was edited since; delete it if unwanted")
    print(
        f"rendered {len(rendered.alerts)} alerts, {len(rendered.files)} files into {out}"
        + (f"; removed {len(removed)} stale" if removed else "")
        + f" ({source_note(pack.catalog, values or [])})"
    )
