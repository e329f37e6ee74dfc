"""Command-line interface. Thin: parse options, call library functions, map errors to exit codes."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    name="pack",
    help="coralogix-pack: Azure VM security detections as code for Coralogix.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
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
    from coralogix_pack.render.pipeline import check_rendered, render_pack, write_rendered
    from coralogix_pack.validation import load_inputs

    catalog_dir, templates_dir = _dirs(catalog, templates)
    loaded, values_obj, engine = load_inputs(catalog_dir, templates_dir, list(values or []))
    rendered = render_pack(loaded, values_obj, engine)
    if check is not None:
        diff = check_rendered(rendered, check)
        if diff:
            sys.stdout.write(diff)
            _err(f"{check} is stale: run `pack render --out {check}` and commit the result")
            raise typer.Exit(1)
        print(f"{check} is up to date ({len(rendered.files)} files)")
        return
    removed = write_rendered(rendered, out)
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
        list[Path], typer.Argument(help="NDJSON or Event Hub JSON files, optionally gzipped.", dir_okay=False)
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
            bounds.append(parse_time(text) if text else None)
        except BadTime as exc:
            raise PackError(
                [Diagnostic(option, 0, "", str(exc), "use RFC 3339, e.g. 2026-11-20T10:00:00Z")]
            ) from None
    missing = [f for f in files if not f.is_file()]
    if missing:
        raise PackError(
            [Diagnostic(str(f), 0, "", "input file not found", "check the path") for f in missing]
        )
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


def run(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code; PackError becomes located messages and exit 1."""
    from coralogix_pack.diagnostics import PackError

    try:
        app(args=argv, prog_name="pack")
        return 0
    except SystemExit as exc:  # typer ends every run this way, usage errors included
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except PackError as exc:
        return _report(exc.diagnostics) or 1
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    except Exception as exc:  # a crash trace is a bug; show it only on request
        if os.environ.get("PACK_DEBUG"):
            raise
        _err(f"internal error: {type(exc).__name__}: {exc} (set PACK_DEBUG=1 for the trace and report it)")
        return 3


def main() -> None:
    sys.exit(run())
