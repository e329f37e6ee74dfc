"""Command-line interface. Thin: parse options, call library functions, map errors to exit codes."""

from __future__ import annotations

import contextlib
import math
import os
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

app = typer.Typer(
    name="pack",
    help="coralogix-pack: Azure VM security detections as code for Coralogix.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: rendering it with rich costs more than the rest of start-up
)

CatalogOpt = Annotated[
    Path | None, typer.Option("--catalog", help="Catalog folder (default: the bundled one).", file_okay=False)
]
TemplatesOpt = Annotated[
    Path | None, typer.Option("--templates", help="Templates folder (default: bundled).", file_okay=False)
]
ValuesOpt = Annotated[
    list[Path] | None, typer.Option("--values", help="Values file; repeat, later files win.", dir_okay=False)
]


def _err(text: str) -> None:
    print(text, file=sys.stderr)


def _dirs(catalog: Path | None, templates: Path | None) -> tuple[Path, Path]:
    from coralogix_pack.resources import default_catalog_dir, default_templates_dir

    return catalog or default_catalog_dir(), templates or default_templates_dir()


def _report(diagnostics) -> int:
    from coralogix_pack.diagnostics import errors_only

    for diagnostic in diagnostics:
        _err(diagnostic.format())
    return 1 if errors_only(diagnostics) else 0


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
    from coralogix_pack.validation import PROVENANCE_PATH
    from coralogix_pack.validation import validate as run

    catalog_dir, templates_dir = _dirs(catalog, templates)
    loaded, diagnostics = run(catalog_dir, templates_dir, list(values or []))
    vendor = [d for d in diagnostics if d.path == PROVENANCE_PATH]
    code = _report([d for d in diagnostics if provenance or d.path != PROVENANCE_PATH])
    if vendor and not provenance:
        _err(
            f"note: {len(vendor)} vendor ATT&CK mappings kept as provenance are inconsistent "
            "(pack validate --provenance lists them)"
        )
    if code == 0 and loaded is not None:
        print(f"{len(loaded.detections)} detections valid")
    raise typer.Exit(code)


@app.command()
def render(
    out: Annotated[Path, typer.Option("--out", help="Output folder.", file_okay=False)] = Path("out"),
    check: Annotated[
        Path | None,
        typer.Option("--check", help="Compare DIR with a fresh render; exit 1 if stale.", file_okay=False),
    ] = None,
    catalog: CatalogOpt = None,
    templates: TemplatesOpt = None,
    values: ValuesOpt = None,
) -> None:
    """Render alert JSON, Lucene queries, the Terraform module and a manifest."""
    from coralogix_pack.render.outdir import check_rendered, write_rendered
    from coralogix_pack.render.pipeline import render_pack
    from coralogix_pack.validation import load_inputs

    catalog_dir, templates_dir = _dirs(catalog, templates)
    loaded, values_obj, engine = load_inputs(catalog_dir, templates_dir, list(values or []))
    rendered = render_pack(loaded, values_obj, engine)
    if check is not None:
        diff = check_rendered(rendered.files, check)
        if diff:
            sys.stdout.write(diff)
            _err(f"{check} is stale: run `pack render --out {check}` and commit the result")
            raise typer.Exit(1)
        print(f"{check} is up to date ({len(rendered.files)} files)")
        return
    removed, kept = write_rendered(rendered.files, out)
    for path in kept:
        _err(f"{out / path}: kept: pack rendered it once but it was edited since; delete it if unwanted")
    alerts = sum(1 for p in rendered.files if p.startswith("alerts/"))
    print(
        f"rendered {alerts} alerts, {len(rendered.files)} files into {out}"
        + (f"; removed {len(removed)} stale" if removed else "")
    )


Format = Annotated[str, typer.Option("--format", help="text or json.", case_sensitive=False)]


def _check_format(value: str) -> str:
    if value.lower() not in ("text", "json"):
        raise typer.BadParameter(f"--format must be text or json, not {value!r}")
    return value.lower()


@app.command("test")
def test_command(
    ids: Annotated[list[str] | None, typer.Argument(help="Detection ids (default: all).")] = None,
    catalog: CatalogOpt = None,
    output: Format = "text",
) -> None:
    """Run each detection's test records through the evaluator in both case modes."""
    import json

    from coralogix_pack.catalog.loader import load_catalog
    from coralogix_pack.diagnostics import Diagnostic, PackError
    from coralogix_pack.reports import console, print_test_reports
    from coralogix_pack.testing.cases import run_tests

    fmt = _check_format(output)
    loaded = load_catalog(_dirs(catalog, None)[0])
    unknown = [i for i in ids or [] if i not in loaded.ids]
    if unknown:
        raise PackError(
            [
                Diagnostic(
                    str(loaded.directory),
                    0,
                    "",
                    f"unknown detection id {i!r}",
                    "known ids: " + ", ".join(loaded.ids),
                )
                for i in unknown
            ]
        )
    reports = run_tests(loaded, list(ids or []))
    if fmt == "json":
        print(
            json.dumps(
                {"ok": all(r.ok for r in reports), "detections": [r.as_dict() for r in reports]},
                indent=2,
                ensure_ascii=False,
            )
        )
    else:
        print_test_reports(reports, console())
    raise typer.Exit(0 if all(r.ok for r in reports) else 1)


@app.command()
def backtest(
    files: Annotated[
        list[Path], typer.Argument(help="NDJSON or Event Hub JSON files, optionally gzipped; - reads stdin.")
    ],
    since: Annotated[
        str | None, typer.Option("--from", help="Only records at or after this RFC 3339 time.")
    ] = None,
    until: Annotated[str | None, typer.Option("--to", help="Only records before this RFC 3339 time.")] = None,
    values: ValuesOpt = None,
    case_sensitive: Annotated[bool, typer.Option("--case-sensitive", help="Match case exactly.")] = False,
    reorder_window: Annotated[
        float,
        typer.Option(
            "--reorder-window",
            help="Seconds of disorder tolerated in the input (records are replayed in time order).",
            callback=_non_negative_seconds,
        ),
    ] = 600.0,
    catalog: CatalogOpt = None,
    output: Format = "text",
) -> None:
    """Replay exported Activity Logs and report what each detection would have fired."""
    import json

    from coralogix_pack.catalog.loader import load_catalog
    from coralogix_pack.diagnostics import Diagnostic, PackError
    from coralogix_pack.reports import console, print_backtest
    from coralogix_pack.testing.backtest import backtest as replay
    from coralogix_pack.testing.progress import byte_progress
    from coralogix_pack.testing.timeutil import BadTime, parse_time
    from coralogix_pack.values import Values, load_values

    fmt = _check_format(output)
    loaded = load_catalog(_dirs(catalog, None)[0])
    settings = load_values(list(values), loaded) if values else Values()
    bounds = []
    for option, text in (("--from", since), ("--to", until)):
        try:
            bounds.append(parse_time(text) if text is not None else None)
        except BadTime as exc:
            raise PackError(
                [Diagnostic(option, 0, "", str(exc), "use RFC 3339, e.g. 2026-11-20T10:00:00Z")]
            ) from None
    if bounds[0] is not None and bounds[1] is not None and bounds[0] >= bounds[1]:
        raise PackError([Diagnostic("--from", 0, "", f"{since} is not before --to {until}", "swap them")])
    unreadable = [(f, why) for f in files if (why := _input_problem(f))]
    if unreadable:
        raise PackError([Diagnostic(str(f), 0, "", why, "check the path") for f, why in unreadable])
    with byte_progress(files) as advance:
        result = replay(
            loaded,
            files,
            settings,
            case_sensitive=case_sensitive,
            start=bounds[0],
            end=bounds[1],
            reorder_seconds=reorder_window,
            on_bytes=advance,
        )
    for skipped in result.skip_reasons:
        _err(f"{skipped.where}: skipped: {skipped.reason}")
    if result.skipped > len(result.skip_reasons):
        _err(f"... {result.skipped - len(result.skip_reasons)} more skipped")
    if fmt == "json":
        print(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))
    else:
        print_backtest(result, console())
    if result.records == 0 and result.out_of_range == 0 and result.skipped:
        _err("error: no record of any input was readable (see the skip reasons above)")
        raise typer.Exit(1)


def _input_problem(path: Path) -> str:
    """Why a backtest input cannot be read, or "" (stdin as -, files and named pipes are fine)."""
    if str(path) == "-":
        return ""
    try:
        if path.is_dir():
            return "is a folder, not a log file"
        if not path.exists():
            return "input file not found"
        if not (path.is_file() or path.is_fifo()):
            return "not a file or a pipe"
    except OSError as exc:
        return f"cannot read: {exc.strerror}"
    return ""


RegionOpt = Annotated[
    str | None,
    typer.Option(
        "--region",
        metavar="REGION",
        help="EU1, EU2, US1, US2, US3, AP1, AP2 or AP3, or the provider's aliases (default: $CORALOGIX_ENV).",
    ),
]
DomainOpt = Annotated[
    str | None,
    typer.Option(
        "--domain",
        metavar="DOMAIN",
        help="Coralogix domain, e.g. eu2.coralogix.com (default: $CORALOGIX_DOMAIN).",
    ),
]
ApiUrlOpt = Annotated[
    str | None,
    typer.Option("--api-url", help="Base URL instead of a region, e.g. https://api.example/mgmt/openapi/5."),
]
KeyFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--api-key-file",
        help="Read the API key from this file (default: $CORALOGIX_API_KEY).",
        dir_okay=False,
    ),
]


def _positive_seconds(value: float) -> float:
    if not math.isfinite(value) or value <= 0:
        raise typer.BadParameter(f"{value} is not a positive number of seconds")
    return value


def _non_negative_seconds(value: float) -> float:
    if not math.isfinite(value) or value < 0:
        raise typer.BadParameter(f"{value} is not zero or a positive number of seconds")
    return value


TimeoutOpt = Annotated[
    float,
    typer.Option("--timeout", help="Seconds per HTTP request, answer included.", callback=_positive_seconds),
]
RetryDelayOpt = Annotated[
    float,
    typer.Option(
        "--retry-base-delay",
        help="First retry back-off in seconds.",
        hidden=True,
        callback=_non_negative_seconds,
    ),
]


def _client(
    region: str | None,
    api_url: str | None,
    key_file: Path | None,
    timeout: float,
    retry_delay: float,
    domain: str | None = None,
):
    from coralogix_pack.deploy.client import CoralogixClient, RetryPolicy
    from coralogix_pack.deploy.target import resolve_target

    target = resolve_target(region, api_url, key_file, domain)
    return CoralogixClient(target, timeout=timeout, retry=RetryPolicy(base_delay=retry_delay))


def _plan_for(client, catalog, templates, values, prune: bool, only: list[str] | None):
    from coralogix_pack.deploy.plan import desired_alerts, make_plan
    from coralogix_pack.diagnostics import Diagnostic, PackError
    from coralogix_pack.validation import load_inputs

    catalog_dir, templates_dir = _dirs(catalog, templates)
    loaded, values_obj, engine = load_inputs(catalog_dir, templates_dir, list(values or []))
    unknown = [i for i in only or [] if i not in loaded.ids]
    if unknown:
        raise PackError(
            [
                Diagnostic(
                    "--only", 0, "", f"unknown detection id {i!r}", "known ids: " + ", ".join(loaded.ids)
                )
                for i in unknown
            ]
        )
    desired = desired_alerts(loaded, values_obj, engine)
    return make_plan(
        loaded.pack.name,
        loaded.pack.version,
        client.target.base_url,
        desired,
        client.list_alerts(),
        prune=prune,
        only=only,
    )


def _deploy_failure(exc: Exception) -> NoReturn:
    _err(f"error: {exc}")  # messages are built redacted: they never hold the API key
    raise typer.Exit(1)


@app.command()
def plan(
    values: ValuesOpt = None,
    prune: Annotated[
        bool, typer.Option("--prune", help="Plan deletion of managed alerts that left the pack.")
    ] = False,
    only: Annotated[list[str] | None, typer.Option("--only", help="Limit to these detection ids.")] = None,
    region: RegionOpt = None,
    domain: DomainOpt = None,
    api_url: ApiUrlOpt = None,
    api_key_file: KeyFileOpt = None,
    timeout: TimeoutOpt = 30.0,
    retry_delay: RetryDelayOpt = 0.5,
    catalog: CatalogOpt = None,
    templates: TemplatesOpt = None,
    output: Format = "text",
) -> None:
    """Compare the pack with the managed alerts in the account. Exit 0 no changes, 2 changes, 1 error."""
    import json

    from coralogix_pack.deploy.client import ApiError
    from coralogix_pack.deploy.target import TargetError
    from coralogix_pack.reports import console, print_plan

    fmt = _check_format(output)
    try:
        with _client(region, api_url, api_key_file, timeout, retry_delay, domain) as client:
            result = _plan_for(client, catalog, templates, values, prune, only)
    except (TargetError, ApiError) as exc:
        _deploy_failure(exc)
    if fmt == "json":
        print(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))
    else:
        print_plan(result, console())
    raise typer.Exit(2 if result.changes else 0)


@app.command()
def apply(
    values: ValuesOpt = None,
    prune: Annotated[bool, typer.Option("--prune", help="Delete managed alerts that left the pack.")] = False,
    max_delete: Annotated[
        int, typer.Option("--max-delete", help="Refuse a plan with more deletions.", min=0)
    ] = 5,
    only: Annotated[list[str] | None, typer.Option("--only", help="Limit to these detection ids.")] = None,
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
) -> None:
    """Show the plan, ask for confirmation, then create, update and delete alerts."""
    from coralogix_pack.deploy.apply import TooManyDeletes, apply_plan, check_delete_budget
    from coralogix_pack.deploy.client import ApiError
    from coralogix_pack.deploy.target import TargetError
    from coralogix_pack.reports import console, print_plan

    out = console()
    try:
        with _client(region, api_url, api_key_file, timeout, retry_delay, domain) as client:
            result = _plan_for(client, catalog, templates, values, prune, only)
            print_plan(result, out)
            if dry_run or not result.changes:
                raise typer.Exit(2 if dry_run and result.changes else 0)
            check_delete_budget(result, max_delete)
            if not auto_approve and not _confirm(len(result.changes), client.target.base_url):
                _err("apply cancelled; nothing was changed")
                raise typer.Exit(1)

            def show(outcome) -> None:
                status = "ok" if outcome.ok else f"FAILED: {outcome.error}"
                out.print(f"{outcome.action.action} {outcome.action.detection}: {status}", markup=False)

            applied = apply_plan(result, client, show)
    except (TargetError, ApiError, TooManyDeletes) as exc:
        _deploy_failure(exc)
    done = len(applied.outcomes) - len(applied.failed)
    if applied.duplicates_removed:
        out.print(
            f"Removed {applied.duplicates_removed} duplicate alert(s) of the same detection and content."
        )
    out.print(
        f"Apply complete: {done} succeeded, {len(applied.failed)} failed."
        + (" Run pack apply again to retry the failures." if applied.failed else "")
    )
    raise typer.Exit(1 if applied.failed else 0)


def _confirm(changes: int, target: str) -> bool:
    if not sys.stdin.isatty():
        _err("stdin is not a terminal: pass --auto-approve to apply without confirmation")
        return False
    answer = input(f"Apply {changes} change(s) to {target}? Only 'yes' is accepted: ")
    return answer.strip() == "yes"


@app.command()
def export(
    out: Annotated[
        Path, typer.Option("--out", help="Folder for the exported alerts.", file_okay=False)
    ] = Path("export"),
    region: RegionOpt = None,
    domain: DomainOpt = None,
    api_url: ApiUrlOpt = None,
    api_key_file: KeyFileOpt = None,
    timeout: TimeoutOpt = 30.0,
    retry_delay: RetryDelayOpt = 0.5,
    catalog: CatalogOpt = None,
) -> None:
    """Write the managed alerts as the account holds them (for audits)."""
    from coralogix_pack.catalog.loader import load_catalog
    from coralogix_pack.deploy.client import ApiError
    from coralogix_pack.deploy.export import export_managed
    from coralogix_pack.deploy.target import TargetError

    loaded = load_catalog(_dirs(catalog, None)[0])
    try:
        with _client(region, api_url, api_key_file, timeout, retry_delay, domain) as client:
            written = export_managed(client, loaded.pack.name, out)
    except (TargetError, ApiError) as exc:
        _deploy_failure(exc)
    print(f"exported {len(written)} managed alert(s) to {out}")


@app.command()
def emulator(
    port: Annotated[int, typer.Option("--port", help="Port on 127.0.0.1 (0 picks a free one).")] = 8080,
    host: Annotated[str, typer.Option("--host", help="Loopback address to bind.")] = "127.0.0.1",
    api_key_file: KeyFileOpt = None,
    page_size: Annotated[int, typer.Option("--page-size", help="Alerts per list page.")] = 50,
    fault_rate: Annotated[
        float, typer.Option("--fault-rate", help="Share of requests answered with an injected fault.")
    ] = 0.0,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the fault schedule.")] = 0,
    behaviours: Annotated[
        list[str] | None,
        typer.Option("--behaviour", help="Backend behaviour to emulate; repeat. See the README for names."),
    ] = None,
) -> None:
    """Run a local emulator of the alert-definitions API (for demos and tests)."""
    import random

    from coralogix_pack.deploy.target import TargetError, read_api_key
    from coralogix_pack.emulator import Behaviour, Emulator, FaultPlan

    if not 0 <= port <= 65535 or page_size < 1 or not 0.0 <= fault_rate <= 1.0:
        _err("error: --port must be 0-65535, --page-size at least 1, --fault-rate between 0 and 1")
        raise typer.Exit(1)
    try:
        key = read_api_key(api_key_file)
        behaviour = Behaviour.from_names(list(behaviours or []))
        faults = FaultPlan(rate=fault_rate, rng=random.Random(seed))
        server = Emulator(key, host=host, port=port, page_size=page_size, faults=faults, behaviour=behaviour)
    except (TargetError, ValueError) as exc:
        _deploy_failure(exc)
    except OSError as exc:
        _err(f"error: cannot listen on {host}:{port}: {exc.strerror} (pick another --port, or 0 for any)")
        raise typer.Exit(1) from None
    print(
        f"emulating the alert-definitions API at {server.base_url} (use it with --api-url); Ctrl+C stops it",
        flush=True,
    )
    try:
        server.server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server.server_close()


def _terminate(signum: int, frame: object) -> NoReturn:
    raise KeyboardInterrupt  # unwinds like Ctrl+C, so pending writes remove their temporary files


def run(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code; PackError becomes located messages and exit 1.

    Everything printed passes through redaction: the key is known from the environment before
    options are parsed, so even a usage error that echoes a mistyped argument cannot show it.
    """
    import signal

    from coralogix_pack import redaction
    from coralogix_pack.deploy.target import KEY_ENV

    redaction.register(os.environ.get(KEY_ENV, ""))
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = redaction.RedactingStream(sys.stdout), redaction.RedactingStream(sys.stderr)
    previous = signal.getsignal(signal.SIGTERM) if _main_thread() else None
    if previous is not None:
        signal.signal(signal.SIGTERM, _terminate)
    try:
        return _run(argv)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        sys.stdout, sys.stderr = streams


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def _run(argv: list[str] | None) -> int:
    from coralogix_pack.diagnostics import PackError

    usage_error, click_exception = _click_errors()
    try:
        code = app(args=argv, prog_name="pack", standalone_mode=False)
        return code if isinstance(code, int) else 0
    except usage_error as exc:  # exit 1, not click's 2: 2 means "plan found changes"
        exc.show()
        return 1
    except typer.Abort:
        _err("interrupted")
        return 130
    except click_exception as exc:
        exc.show()
        return 1
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except PackError as exc:
        return _report(exc.diagnostics) or 1
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    except BrokenPipeError:  # output piped into `head` that stopped reading
        _silence_stdout()
        return 1
    except Exception as exc:  # a crash trace is a bug; show it only on request
        if os.environ.get("PACK_DEBUG"):
            raise
        _err(f"internal error: {type(exc).__name__}: {exc} (set PACK_DEBUG=1 for the trace and report it)")
        return 3


def _click_errors() -> tuple[type[Exception], type[Exception]]:
    """Click's UsageError and ClickException as typer raises them (newer typer vendors click)."""
    ancestry = {cls.__name__: cls for cls in typer.BadParameter.__mro__}
    return ancestry["UsageError"], ancestry["ClickException"]


def _silence_stdout() -> None:
    # Python flushes stdout again at exit; point it at /dev/null so that flush cannot fail too
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.__stdout__.fileno())


def main() -> None:
    sys.exit(run())
