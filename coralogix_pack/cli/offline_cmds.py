"""`pack test` and `pack backtest`: the evaluator, offline."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from coralogix_pack.cli.options import (
    CatalogOpt,
    EnvOpt,
    FormatOpt,
    ValuesOpt,
    check_format,
    non_negative_seconds,
    select_environment,
)
from coralogix_pack.cli.reports import print_json
from coralogix_pack.cli.runner import app, err

if TYPE_CHECKING:
    from coralogix_pack.library import LoadedPack


@app.command("test")
def test_command(
    ids: Annotated[
        list[str] | None, typer.Argument(metavar="[ID]...", help="Detection ids (default: all).")
    ] = None,
    catalog: CatalogOpt = None,
    values: ValuesOpt = None,
    env: EnvOpt = None,
    output: FormatOpt = "text",
    mutate: Annotated[
        bool,
        typer.Option(
            "--mutate",
            help="Mutation testing: run seeded variants of the test records (other casing, sibling "
            "operations, export forms, bodies, times, threshold bursts) and report what slips through.",
        ),
    ] = False,
    seed: Annotated[
        int, typer.Option("--seed", metavar="N", min=0, help="With --mutate: the generator's seed.")
    ] = 0,
    report: Annotated[
        Path | None,
        typer.Option(
            "--report", metavar="FILE", dir_okay=False, help="With --mutate: also write an HTML report."
        ),
    ] = None,
    baseline: Annotated[
        Path | None,
        typer.Option(
            "--baseline",
            metavar="FILE",
            dir_okay=False,
            help="With --mutate: exit 1 only when a score drops or a finding appears that this earlier "
            "--format json report did not have.",
        ),
    ] = None,
) -> None:
    """Run each detection's test records through the evaluator in both case modes."""
    from coralogix_pack import library
    from coralogix_pack.cli.reports import console, print_test_reports

    fmt = check_format(output)
    if not mutate and (report or baseline or seed):
        raise typer.BadParameter("--seed, --report and --baseline go with --mutate", param_hint="--mutate")
    selection = select_environment(env, values)
    pack = library.load_pack(
        catalog, selection.values, allow_expired=True, render_checks=False
    )  # changes nothing
    if mutate:
        _mutation_test(pack, ids or [], seed, fmt, report, baseline)
    run = library.run_tests(pack, ids or [])
    if fmt == "json":
        print_json(run.as_dict())
    else:
        print_test_reports(run.reports, console())
    raise typer.Exit(0 if run.ok else 1)


@app.command()
def backtest(
    files: Annotated[
        list[Path],
        typer.Argument(
            metavar="FILE...", help="NDJSON or Event Hub JSON files, optionally gzipped; - reads stdin."
        ),
    ],
    since: Annotated[
        str | None,
        typer.Option("--from", metavar="TIME", help="Only records at or after this RFC 3339 time."),
    ] = None,
    until: Annotated[
        str | None, typer.Option("--to", metavar="TIME", help="Only records before this RFC 3339 time.")
    ] = None,
    values: ValuesOpt = None,
    env: EnvOpt = None,
    case_sensitive: Annotated[bool, typer.Option("--case-sensitive", help="Match case exactly.")] = False,
    reorder_window: Annotated[
        float,
        typer.Option(
            "--reorder-window",
            metavar="SECONDS",
            help="Seconds of disorder tolerated in the input (records are replayed in time order).",
            callback=non_negative_seconds,
        ),
    ] = 600.0,
    catalog: CatalogOpt = None,
    output: FormatOpt = "text",
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 when any record was skipped.")] = False,
    top: Annotated[
        int,
        typer.Option("--top", metavar="N", help="Identities, resource groups and operations shown.", min=1),
    ] = 5,
    report: Annotated[
        Path | None,
        typer.Option(
            "--report", metavar="FILE", help="Also write a self-contained HTML report.", dir_okay=False
        ),
    ] = None,
    input_format: Annotated[
        str,
        typer.Option(
            "--input-format",
            metavar="FORM",
            help="auto (default, per file and record), csv (a CSV export, whatever its name), eventhub, "
            "rest, sdk, log-analytics or coralogix.",
        ),
    ] = "auto",
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs",
            "-j",
            metavar="N",
            min=1,
            help="Processes: large plain NDJSON files are cut across them (same result).",
        ),
    ] = 1,
    latency: Annotated[
        str | None,
        typer.Option(
            "--latency",
            metavar="DURATION",
            help="Model every record reaching Coralogix this late (e.g. 15m): threshold alerts count "
            "it only once their evaluation delay has passed (docs/values.md).",
        ),
    ] = None,
    arrival_field: Annotated[
        str | None,
        typer.Option(
            "--arrival-field",
            metavar="PATH",
            help="Or: the record field holding its arrival time (e.g. EnqueuedTimeUtc).",
        ),
    ] = None,
    new_value_warmup: Annotated[
        str | None,
        typer.Option(
            "--new-value-warmup",
            metavar="DURATION",
            help="New-value detections only learn during this long from the input's start (e.g. 24h, 7d); "
            "default: none, every first sight in the input fires (docs/alert-kinds.md).",
        ),
    ] = None,
) -> None:
    """Replay exported Activity Logs and report what each detection would have fired."""
    from coralogix_pack import library
    from coralogix_pack.cli.reports import console, print_backtest
    from coralogix_pack.core.timeutil import time_bounds
    from coralogix_pack.offline.backtest import BacktestOptions
    from coralogix_pack.offline.progress import byte_progress

    fmt = check_format(output)
    start, end = time_bounds(since, until)
    warmup = _duration(new_value_warmup, "--new-value-warmup") if new_value_warmup else 0.0
    options = BacktestOptions(
        latency=_duration(latency, "--latency") if latency else None,
        arrival_field=arrival_field,
        new_value_warmup=warmup,
        case_sensitive=case_sensitive,
        start=start,
        end=end,
        input_format=input_format,
        top=top,
        strict=strict,
        reorder_seconds=reorder_window,
        jobs=jobs,
    )
    selection = select_environment(env, values)
    pack = library.load_pack(
        catalog, selection.values, allow_expired=True, render_checks=False
    )  # changes nothing
    with byte_progress(files) as advance:
        result = library.backtest(pack, files, options, on_bytes=advance)
    if report is not None:
        from coralogix_pack.core.files import write_atomic
        from coralogix_pack.offline.html_report import html_report

        write_atomic(report, html_report(result))
    for skipped in result.skip_reasons:
        err(f"{skipped.where}: skipped: {skipped.reason}")
    if result.skipped > len(result.skip_reasons):
        err(f"... {result.skipped - len(result.skip_reasons)} more skipped")
    if fmt == "json":
        print_json(result.as_dict(), streamed="alerts")
    else:
        print_backtest(result, console())
    for empty in result.empty_inputs:
        err(f"error: {empty}: no readable record (the input is empty, or every record in it was skipped)")
    nothing = result.records == 0 and result.out_of_range == 0 and (result.skipped or result.empty_inputs)
    if nothing:
        err("error: no record of any input was readable (see the skip reasons above)")
    if nothing or result.empty_inputs:
        raise typer.Exit(1)
    if strict and result.skipped:
        err(f"error: {result.skipped} record(s) skipped and --strict given")
        raise typer.Exit(1)


def _mutation_test(
    pack: LoadedPack, ids: list[str], seed: int, fmt: str, report: Path | None, baseline: Path | None
) -> None:
    """`pack test --mutate`: exits 1 on any unexpected escape or false alert, or with a baseline,
    on anything worse than it."""
    from coralogix_pack import library
    from coralogix_pack.cli.reports import console, print_mutation
    from coralogix_pack.core.files import write_atomic
    from coralogix_pack.offline.mutation_gate import baseline_problems, read_baseline
    from coralogix_pack.offline.mutation_html import mutation_html

    earlier = read_baseline(baseline, seed) if baseline is not None else None  # refused before any work
    run = library.mutate(pack, ids, seed)
    if report is not None:
        write_atomic(report, mutation_html(run))
    if fmt == "json":
        print_json(run.as_dict())
    else:
        print_mutation(run, console())
    if baseline is None or earlier is None:
        raise typer.Exit(0 if run.ok else 1)
    problems = baseline_problems(run, earlier)
    for problem in problems:
        err(f"error: {problem}")
    if not problems:
        err(f"mutation scores are at or above the baseline {baseline}")
    raise typer.Exit(1 if problems else 0)


def _duration(text: str, option: str) -> float:
    from coralogix_pack.query.windows import parse_since

    try:
        return parse_since(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint=option) from None
