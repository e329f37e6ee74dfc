"""`pack plan`, `pack apply` and `pack export`: the account, over the REST API."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from coralogix_pack.cli.options import (
    AllowExpiredOpt,
    ApiUrlOpt,
    CatalogOpt,
    DomainOpt,
    EnvOpt,
    FormatOpt,
    KeyFileOpt,
    OnlyOpt,
    RegionOpt,
    RetryDelayOpt,
    TemplatesOpt,
    TimeoutOpt,
    ValuesOpt,
    check_format,
    select_environment,
    source_note,
)
from coralogix_pack.cli.reports import print_json
from coralogix_pack.cli.runner import app, err, say, verbose

if TYPE_CHECKING:
    from coralogix_pack.deploy.apply import Outcome


@app.command()
def plan(
    values: ValuesOpt = None,
    env: EnvOpt = None,
    prune: Annotated[
        bool, typer.Option("--prune", help="Plan deletion of managed alerts that left the pack.")
    ] = False,
    only: OnlyOpt = None,
    region: RegionOpt = None,
    domain: DomainOpt = None,
    api_url: ApiUrlOpt = None,
    api_key_file: KeyFileOpt = None,
    timeout: TimeoutOpt = 30.0,
    retry_delay: RetryDelayOpt = 0.5,
    catalog: CatalogOpt = None,
    templates: TemplatesOpt = None,
    output: Annotated[
        str,
        typer.Option("--format", metavar="FORMAT", help="text, json or markdown (a pull-request comment)."),
    ] = "text",
    detailed_exitcode: Annotated[
        bool,
        typer.Option("--detailed-exitcode", help="Exit 2 when there are changes (as terraform plan)."),
    ] = False,
    allow_expired: AllowExpiredOpt = False,
    save_to: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="FILE",
            help="Save the plan for `pack apply FILE` (JSON, no secrets).",
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Compare the pack with the managed alerts in the account (reads only).

    Exit 0 success, 1 error; with --detailed-exitcode 0 no changes, 2 changes, 1 error.
    """
    from coralogix_pack import library
    from coralogix_pack.cli.reports import console, print_plan

    fmt = check_format(output, ("text", "json", "markdown"))
    selection = select_environment(env, values, region, domain, api_url)
    values = selection.values
    pack = library.load_pack(catalog, values, templates, allow_expired=allow_expired)
    with selection.connect(api_key_file, timeout, retry_delay) as client:
        result = library.plan(pack, client, prune=prune, only=only or [])
        if save_to is not None:
            protected = [selection.environment_file] if selection.environment_file else []
            library.save_plan(
                result, pack, save_to, catalog, templates, values or [], prune=prune, protected=protected
            )
    if fmt == "json":
        print_json(result.as_dict())
    elif fmt == "markdown":
        from coralogix_pack.deploy.plan_text import plan_markdown

        print(plan_markdown(result), end="")
    else:
        out = console()
        note = source_note(pack.catalog, values, selection.environment, pack.templates.directory)
        out.print(note, markup=False)
        print_plan(result, out)
    raise typer.Exit(2 if detailed_exitcode and result.changes else 0)


@app.command()
def apply(
    plan_file: Annotated[
        Path | None,
        typer.Argument(
            metavar="[PLAN]", help="A plan saved by `pack plan --out`: apply exactly it.", dir_okay=False
        ),
    ] = None,
    values: ValuesOpt = None,
    env: EnvOpt = None,
    prune: Annotated[bool, typer.Option("--prune", help="Delete managed alerts that left the pack.")] = False,
    max_delete: Annotated[
        int, typer.Option("--max-delete", metavar="N", help="Refuse a plan with more deletions.", min=0)
    ] = 5,
    only: OnlyOpt = None,
    auto_approve: Annotated[
        bool, typer.Option("--auto-approve", help="Do not ask for confirmation.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only show the plan (same as pack plan).")
    ] = False,
    region: RegionOpt = None,
    domain: DomainOpt = None,
    api_url: ApiUrlOpt = None,
    api_key_file: KeyFileOpt = None,
    timeout: TimeoutOpt = 30.0,
    retry_delay: RetryDelayOpt = 0.5,
    catalog: CatalogOpt = None,
    templates: TemplatesOpt = None,
    output: FormatOpt = "text",
    allow_expired: AllowExpiredOpt = False,
) -> None:
    """Show the plan, ask for confirmation, then create, update and delete alerts."""
    from coralogix_pack import library
    from coralogix_pack.cli.reports import console, print_plan
    from coralogix_pack.deploy.apply import apply_report, check_delete_budget

    fmt = check_format(output)
    out = console(stderr=fmt == "json")  # with --format json, stdout holds only the JSON result
    saved = None
    if plan_file is not None:
        if values or prune or only or catalog or templates:
            raise typer.BadParameter(
                "a saved plan carries its inputs: drop --values, --prune, --only and paths"
            )
        saved = library.load_saved_plan(plan_file)
        catalog, templates = saved.inputs.catalog, saved.inputs.templates  # type: ignore[assignment]
        values = [Path(v) for v in saved.inputs.values]
    selection = select_environment(None if saved else env, values, region, domain, api_url)
    values = selection.values
    pack = library.load_pack(catalog, values, templates, allow_expired=allow_expired)
    with selection.connect(api_key_file, timeout, retry_delay) as client:
        if saved is not None:
            result = library.saved_plan_if_current(saved, pack, client)
            out.print(f"Applying the plan saved in {plan_file} ({source_note(pack.catalog, values)})")
        else:
            result = library.plan(pack, client, prune=prune, only=only or [])
            note = source_note(pack.catalog, values, selection.environment, pack.templates.directory)
            out.print(note, markup=False)
        print_plan(result, out)
        if dry_run or not result.changes:
            if fmt == "json":
                print_json(apply_report(result, None))
            raise typer.Exit(0)
        check_delete_budget(result, max_delete)
        if not auto_approve and not _confirm(len(result.changes), client.target.base_url):
            err("apply cancelled; nothing was changed")
            raise typer.Exit(1)

        def show(outcome: Outcome) -> None:
            status = "ok" if outcome.ok else f"FAILED: {outcome.error}"
            out.print(f"{outcome.describe()}: {status}", markup=False)

        applied = library.apply(result, client, show, max_delete=max_delete)
        if verbose():
            out.print(f"{len(client.calls)} API requests", markup=False)
    if fmt == "json":
        print_json(apply_report(result, applied))
        raise typer.Exit(1 if applied.failed else 0)
    done = len(applied.outcomes) - len(applied.failed)
    if applied.duplicates_removed:
        out.print(
            f"Removed {applied.duplicates_removed} duplicate alert(s) of the same detection and content."
        )
    out.print(
        f"Apply complete: {done} succeeded, {len(applied.failed)} failed."
        + (" Run pack apply again to retry the failures." if applied.failed else "")
    )
    for failure in applied.failed:
        err(f"failed: {failure.describe()}: {failure.error}")
    raise typer.Exit(1 if applied.failed else 0)


def _confirm(changes: int, target: str) -> bool:
    if not sys.stdin.isatty():
        err("stdin is not a terminal: pass --auto-approve to apply without confirmation")
        return False
    answer = input(f"Apply {changes} change(s) to {target}? Only 'yes' is accepted: ")
    return answer.strip() == "yes"


@app.command()
def export(
    what: Annotated[
        str,
        typer.Argument(
            metavar="[sigma]",
            help="sigma: the catalog's detections as Sigma rules (offline); default: the account's alerts.",
        ),
    ] = "alerts",
    out: Annotated[
        Path, typer.Option("--out", metavar="DIR", help="Folder for the exported alerts.", file_okay=False)
    ] = Path("export"),
    force: Annotated[
        bool, typer.Option("--force", help="Write into an existing folder that is not an earlier export.")
    ] = False,
    env: EnvOpt = None,
    region: RegionOpt = None,
    domain: DomainOpt = None,
    api_url: ApiUrlOpt = None,
    api_key_file: KeyFileOpt = None,
    timeout: TimeoutOpt = 30.0,
    retry_delay: RetryDelayOpt = 0.5,
    catalog: CatalogOpt = None,
    output: FormatOpt = "text",
) -> None:
    """Write the managed alerts as the account holds them (for audits), or with `sigma` the catalog's
    detections as Sigma rules."""
    from coralogix_pack import library
    from coralogix_pack.deploy.export import export_report

    if what not in ("alerts", "sigma"):
        raise typer.BadParameter("use sigma, or nothing for the account's alerts", param_hint="[sigma]")
    if what == "sigma":
        pack = library.load_pack(catalog, (), render_checks=False)
        written, refused = library.export_sigma(
            pack, out if out != Path("export") else Path("sigma"), force=force
        )
        for detection_id, reason in refused:
            err(f"{detection_id}: not exported: {reason}")
        say(f"exported {len(written)} detection(s) as Sigma rules, {len(refused)} left out")
        return

    account = select_environment(env, None, region, domain, api_url)
    pack = library.load_pack(
        catalog, account.values, allow_expired=True, render_checks=False
    )  # changes nothing
    with account.connect(api_key_file, timeout, retry_delay) as client:
        written = library.export(pack, client, out, force=force)
    if check_format(output) == "json":
        print(json.dumps(export_report(out, written), indent=2))
    else:
        say(f"exported {len(written)} managed alert(s) to {out}")
