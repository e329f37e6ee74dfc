"""`pack doctor` and `pack preview`: the account's own logs, before enabling anything."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Annotated

import typer

from coralogix_pack.cli.options import (
    ApiUrlOpt,
    CatalogOpt,
    DomainOpt,
    EnvOpt,
    FormatOpt,
    KeyFileOpt,
    OnlyOpt,
    RegionOpt,
    TemplatesOpt,
    TimeoutOpt,
    ValuesOpt,
    check_format,
    non_negative_seconds,
    select_environment,
)
from coralogix_pack.cli.reports import print_json
from coralogix_pack.cli.runner import app, err

SinceOpt = Annotated[str, typer.Option("--since", metavar="DURATION", help="How far back: 90m, 24h, 7d, 2w.")]
UntilOpt = Annotated[
    str | None, typer.Option("--until", metavar="TIME", help="End of the window (RFC 3339; default: now).")
]
QueryUrlOpt = Annotated[
    str | None,
    typer.Option("--query-url", metavar="URL", help="DataPrime query endpoint (default: the API host's)."),
]
TierOpt = Annotated[str, typer.Option("--tier", metavar="TIER", help="archive (default) or frequent.")]
IntervalOpt = Annotated[
    float | None,
    typer.Option(
        "--query-interval", hidden=True, callback=lambda v: v if v is None else non_negative_seconds(v)
    ),
]


def _window(since: str, until: str | None) -> tuple[float, float]:
    from coralogix_pack.core.timeutil import time_bounds
    from coralogix_pack.query.windows import parse_since

    try:
        seconds = parse_since(since)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--since") from None
    end = time_bounds(None, until)[1] if until else float(int(time.time()) // 60 * 60)
    assert end is not None
    return end - seconds, end


def _tier(value: str) -> str:
    if value.lower() not in ("archive", "frequent"):
        raise typer.BadParameter("use archive or frequent", param_hint="--tier")
    return value.lower()


@app.command()
def doctor(
    values: ValuesOpt = None,
    env: EnvOpt = None,
    since: SinceOpt = "24h",
    until: UntilOpt = None,
    region: RegionOpt = None,
    domain: DomainOpt = None,
    api_url: ApiUrlOpt = None,
    query_url: QueryUrlOpt = None,
    tier: TierOpt = "archive",
    api_key_file: KeyFileOpt = None,
    timeout: TimeoutOpt = 30.0,
    interval: IntervalOpt = None,
    catalog: CatalogOpt = None,
    templates: TemplatesOpt = None,
    output: FormatOpt = "text",
) -> None:
    """Check the key, the Activity Log records, where their fields live and the deployed alerts."""
    import yaml

    from coralogix_pack import library

    fmt, tier_name = check_format(output), _tier(tier)
    start, end = _window(since, until)
    selection = select_environment(env, values, region, domain, api_url)
    pack = library.load_pack(catalog, selection.values, templates, allow_expired=True)  # reads only
    with (
        selection.connect(api_key_file, timeout) as client,
        library.connect_queries(client, query_url=query_url, tier=tier_name, interval=interval) as queries,
    ):
        report = library.doctor(pack, client, queries, start, end)
    if fmt == "json":
        print_json(report.as_dict())
    else:
        for check in report.checks:
            print(f"{check.status.upper():<5} {check.name}: {check.message}")
            if check.hint and check.status != "ok":
                print(f"      fix: {check.hint}")
        if report.recommended:
            print("\nRecommended values (add to your values file):\n")
            print(yaml.safe_dump(report.recommended, sort_keys=True).rstrip())
    raise typer.Exit(0 if report.ok else 1)


@app.command()
def preview(
    values: ValuesOpt = None,
    env: EnvOpt = None,
    since: SinceOpt = "7d",
    until: UntilOpt = None,
    only: OnlyOpt = None,
    region: RegionOpt = None,
    domain: DomainOpt = None,
    api_url: ApiUrlOpt = None,
    query_url: QueryUrlOpt = None,
    tier: TierOpt = "archive",
    api_key_file: KeyFileOpt = None,
    timeout: TimeoutOpt = 120.0,
    interval: IntervalOpt = None,
    catalog: CatalogOpt = None,
    templates: TemplatesOpt = None,
    output: FormatOpt = "text",
) -> None:
    """Estimate how many alerts each enabled detection would have raised, from the account's logs."""
    from coralogix_pack import library
    from coralogix_pack.cli.reports import print_preview

    fmt, tier_name = check_format(output), _tier(tier)
    start, end = _window(since, until)
    selection = select_environment(env, values, region, domain, api_url)
    pack = library.load_pack(catalog, selection.values, templates, allow_expired=True)  # reads only
    with (
        selection.connect(api_key_file, timeout) as client,
        library.connect_queries(client, query_url=query_url, tier=tier_name, interval=interval) as queries,
    ):
        report = library.preview(pack, queries, start, end, only=only or [], progress=_progress())
    if fmt == "json":
        print_json(report.as_dict())
    else:
        from coralogix_pack.cli.reports import console

        print_preview(report, console())
    for detection in report.detections:
        if detection.error:
            err(f"error: {detection.id}: {detection.error}")
    raise typer.Exit(0 if report.ok else 1)


def _progress() -> Callable[[str], None] | None:
    import sys

    if not sys.stderr.isatty():
        return None
    return lambda text: print(f"\r\x1b[2Kquerying {text}", end="", file=sys.stderr, flush=True)
