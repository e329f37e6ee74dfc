"""`pack import sigma`: Sigma rules into the catalog (pySigma, the `sigma` extra)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from coralogix_pack.cli.runner import app, err, say

import_app = typer.Typer(help="Bring detections in from another format.", no_args_is_help=True)
app.add_typer(import_app, name="import")


@import_app.command("sigma")
def import_sigma(
    paths: Annotated[
        list[Path], typer.Argument(metavar="PATH...", help="Sigma rule files or folders of them.")
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out", metavar="DIR", help="The catalog folder to write to (pack.yaml is added when missing)."
        ),
    ] = Path("catalog"),
    skip_unsupported: Annotated[
        bool,
        typer.Option("--skip-unsupported", help="Import the rules that convert; list the others, exit 0."),
    ] = False,
) -> None:
    """Convert Sigma rules to catalog entries with generated test records (docs/sigma.md)."""
    from coralogix_pack import library

    try:
        result = library.import_sigma(paths, out, skip_unsupported=skip_unsupported)
    except ImportError as exc:
        err(f"error: pySigma is not installed ({exc.name}): pip install 'coralogix-pack[sigma]' (CXP804)")
        raise typer.Exit(1) from None
    for path, reason in result.refused:
        err(f"{path}: not imported: {reason}")
    if result.refused and not skip_unsupported:
        err(
            f"error: {len(result.refused)} rule(s) cannot be imported; nothing written "
            "(--skip-unsupported imports the rest)"
        )
        raise typer.Exit(1)
    for item in result.imported:
        if item.diff:
            print(item.diff, end="")
    say(f"imported {len(result.imported)} rule(s) into {out}, {len(result.refused)} refused")
