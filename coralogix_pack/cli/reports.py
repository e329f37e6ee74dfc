"""Human-readable output of test and backtest results (rich tables on a terminal, plain in CI)."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # rich is imported only when something is printed as text
    from rich.console import Console
    from rich.table import Table

    from coralogix_pack.deploy.plan import Plan
    from coralogix_pack.offline.backtest import BacktestResult
    from coralogix_pack.offline.cases import DetectionReport
    from coralogix_pack.offline.mutation import MutationRun
    from coralogix_pack.query.preview import PreviewReport


JSON_CHUNK = 1 << 16  # characters handed to stdout at a time


def print_json(value: Any, streamed: str | None = None) -> None:
    """``value`` as indented JSON on stdout, in pieces of whole lines (the list under the top-level
    key ``streamed`` a batch of items at a time): a report of many alerts is never held as one
    text, nor copied whole by the streams it passes through (redaction, encoding)."""
    from coralogix_pack.core.jsontext import pretty_json, pretty_json_pieces

    pieces = pretty_json_pieces(value, streamed) if streamed else [pretty_json(value)]
    write = sys.stdout.write
    for text in pieces:
        start = 0
        while start < len(text):
            end = text.find("\n", start + JSON_CHUNK) + 1 or len(text)
            write(text[start:end])
            start = end
    write("\n")


def console(stderr: bool = False) -> Console:
    """Colour only on a terminal, never with NO_COLOR set or --no-color (PACK_NO_COLOR)."""
    import os

    from rich.console import Console

    plain = bool(os.environ.get("NO_COLOR") or os.environ.get("PACK_NO_COLOR"))
    stream = sys.stderr if stderr else sys.stdout
    # in a CI log there is no terminal width to respect; 80 columns would wrap every table
    width = None if stream.isatty() or os.environ.get("COLUMNS") else 160
    return Console(file=stream, highlight=False, soft_wrap=True, no_color=plain, width=width)


def _table(title: str, out: Console | None = None) -> Table:
    from rich import box
    from rich.table import Table

    terminal = out is not None and out.is_terminal
    return Table(title=title, box=box.HEAVY_HEAD if terminal else box.ASCII)


def print_mutation(run: MutationRun, out: Console) -> None:
    """A row per detection, then each unexpected finding with the mutation as a record diff."""
    table = _table(f"pack test --mutate (seed {run.seed}; each mutant in both case modes)", out)
    columns = ("detection", "mutants", "kinds", "fire", "quiet", "escaped", "false alerts", "known", "score")
    for column in columns:
        table.add_column(column, justify="left" if column == "detection" else "right")
    for report in run.reports:
        document = report.as_dict()
        counts = (len(document[k]) for k in ("escaped", "false_alerts", "known_gaps"))
        cells = (report.mutants, len(report.kinds), report.expect_fire, report.expect_quiet, *counts)
        table.add_row(report.detection, *map(str, cells), f"{report.score:.1%}")
    out.print(table)
    for report in run.reports:
        if report.skipped:
            out.print(f"{report.detection}: no mutants: {report.skipped}", markup=False)
        for operator in report.unused_gaps:
            out.print(
                f"{report.detection}: warning: known gap {operator} matched no mutant (stale?)", markup=False
            )
        for finding in report.unexpected:
            what = "ESCAPED" if finding.expected == "fire" else "FALSE ALERT"
            out.print(
                f"{report.detection}: {what} {finding.operator} of {finding.source!r} ({finding.mode})",
                markup=False,
            )
            for line in finding.diff:
                out.print(f"    {line}", markup=False)
    known = sum(len(r.findings) - len(r.unexpected) for r in run.reports)
    verdict = "no unexpected escape or false alert" if run.ok else "unexpected findings above"
    out.print(f"{verdict}; {known} known-gap verdicts (docs/testing.md, Mutation testing)", markup=False)


def print_test_reports(reports: list[DetectionReport], out: Console) -> None:
    table = _table("pack test (each case in both case modes)", out)
    for column in ("detection", "cases", "passed", "failed", "status"):
        table.add_column(column, justify="right" if column in ("cases", "passed", "failed") else "left")
    for report in reports:
        table.add_row(
            report.id,
            str(report.checks),
            str(report.passed),
            str(len(report.failures)),
            "ok" if report.ok else "FAIL",
        )
    out.print(table)
    for report in reports:
        if report.outside_schedule:
            note = f"{report.outside_schedule} matching test record(s) outside its schedule (suppressed)"
            out.print(f"{report.id}: {note}", markup=False)
        for problem in report.problems:
            out.print(f"[bold red]{report.id}[/]: {problem}")
        for failure in report.failures:
            out.print(
                f"[bold red]{report.id}[/] / {failure.name} ({failure.mode}): expected "
                f"{failure.expected}, got {failure.got}"
            )
            out.print(f"  decided by: {failure.clause}", markup=False)
            if failure.record is not None:
                out.print("  record: " + _short_json(failure.record), markup=False)


def _short_json(record: dict[str, Any], limit: int = 800) -> str:
    text = json.dumps(record, ensure_ascii=False)  # the record's own key order: operationName comes early
    return text if len(text) <= limit else text[:limit] + " ..."


def alerts_per_day(result: BacktestResult) -> dict[str, Any]:
    from coralogix_pack.offline.html_report import alerts_per_day as per_day

    return per_day(result)


def print_backtest(result: BacktestResult, out: Console, max_alerts: int = 50) -> None:
    out.print(
        f"{result.records} records replayed, {result.skipped} skipped"
        + (f", {result.out_of_range} outside --from/--to" if result.out_of_range else "")
    )
    table = _table("pack backtest", out)
    for column in ("detection", "matches", "alerts"):
        table.add_column(column, justify="left" if column == "detection" else "right")
    for detection_id, tally in sorted(result.detections.items()):
        name = detection_id if tally.enabled else f"{detection_id} (disabled)"
        table.add_row(name, str(tally.matches), str(tally.alerts))
    out.print(table)
    for alert in result.alerts[:max_alerts]:
        records = ", ".join(map(str, alert["records"][:12])) + (" ..." if len(alert["records"]) > 12 else "")
        out.print(f"{alert['time']}  {alert['detection']}  {alert['matches']} match(es)  records {records}")
    if len(result.alerts) > max_alerts:
        out.print(f"... {len(result.alerts) - max_alerts} more alerts (use --format json for all)")
    for silence in result.as_dict()["silences"]:
        until = silence["until"] or "the end of the input"
        group = f" ({silence['group']})" if silence["group"] else ""
        out.print(f"{silence['detection']}{group}: silent from {silence['since']} to {until}", markup=False)
    timeline = alerts_per_day(result)
    for detection_id, tally in sorted(result.detections.items()):
        if tally.matches:
            shown = result.as_dict()["detections"][detection_id]
            for key, title in (
                ("top_identities", "identities"),
                ("top_resource_groups", "resource groups"),
                ("top_operations", "operations"),
            ):
                items = ", ".join(f"{t['value']} ({t['count']})" for t in shown[key])
                out.print(f"{detection_id}: {title}: {items}", markup=False)
        for day, count in sorted(timeline.get(detection_id, {}).items()):
            out.print(f"{detection_id}: alerts on {day}: {'#' * min(count, 60)} {count}", markup=False)
        for label, count in tally.suppressed.items():
            dead = "  (dead: it suppressed nothing in this input)" if count == 0 else ""
            out.print(
                f"exception on {detection_id}: {label}: suppressed {count} match(es){dead}", markup=False
            )


def print_plan(plan: Plan, out: Console) -> None:
    from rich.text import Text

    from coralogix_pack.deploy.plan_text import plan_lines

    styles = {"+": "green", "-": "red", "~": "yellow", "!": "magenta"}
    for line in plan_lines(plan):
        style = styles.get(line.strip()[:1], "") if line[:1] in "+-~ " else ""
        out.print(Text(line, style=style) if style else Text(line))


def print_preview(report: PreviewReport, out: Console) -> None:
    table = _table(
        f"pack preview {report.as_dict()['from']} .. {report.as_dict()['to']} ({report.tier})", out
    )
    for column in ("detection", "matches", "alerts", "busiest day", "top identity", "top resource"):
        table.add_column(column)
    for d in report.detections:
        if d.error:
            table.add_row(d.id, "-", "FAILED", "-", "-", "-")
            continue
        at_least = "at least " if d.lower_bound else ""
        alerts = f"{at_least}{d.alerts}" + (" (estimate)" if d.kind == "threshold" else "")
        busiest = max(d.per_day.items(), key=lambda item: item[1]["alerts"], default=None)
        day = f"{busiest[0]}: {busiest[1]['alerts']}" if busiest and busiest[1]["alerts"] else "-"
        identity = f"{d.top_identities[0].value} ({d.top_identities[0].count})" if d.top_identities else "-"
        resource = f"{d.top_resources[0].value} ({d.top_resources[0].count})" if d.top_resources else "-"
        table.add_row(d.id, f"{at_least}{d.matches}", alerts, day, identity, resource)
    out.print(table)
    out.print(
        "Threshold counts are estimates from UTC-aligned and half-window-shifted windows; "
        f"{report.queries} queries.",
        markup=False,
    )
