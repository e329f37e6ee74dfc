"""`pack backtest --report FILE`: one self-contained HTML page (no scripts, no external files)
with, per detection, its alerts per day as a bar chart and the identities, resource groups and
operations behind its matches."""

from __future__ import annotations

from collections import Counter
from html import escape
from typing import Any

from coralogix_pack.offline.backtest import BacktestResult

STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2em;color:#222}h2{margin-top:2em}"
    "table{border-collapse:collapse;margin:.5em 0}"
    "td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}"
    ".bar{fill:#cc4c02}.label{font-size:10px}"
)


def alerts_per_day(result: BacktestResult) -> dict[str, Counter[str]]:
    days: dict[str, Counter[str]] = {}
    for alert in result.alerts:
        days.setdefault(alert["detection"], Counter())[alert["time"][:10]] += 1
    return days


def _chart(days: Counter[str]) -> str:
    if not days:
        return "<p>No alerts.</p>"
    items = sorted(days.items())
    highest = max(days.values())
    width, height = 28, 120
    bars = []
    for i, (day, count) in enumerate(items):
        bar = round(height * count / highest)
        x = i * (width + 6)
        bars.append(
            f'<rect class="bar" x="{x}" y="{height - bar}" width="{width}" height="{bar}">'
            f"<title>{day}: {count}</title></rect>"
            f'<text class="label" x="{x}" y="{height + 12}">{escape(day[5:])}</text>'
            f'<text class="label" x="{x}" y="{height - bar - 2}">{count}</text>'
        )
    return f'<svg width="{len(items) * (width + 6)}" height="{height + 16}" role="img">{"".join(bars)}</svg>'


def _table(title: str, rows: list[dict[str, Any]]) -> str:
    if not rows:
        return ""
    body = "".join(f"<tr><td>{escape(str(r['value']))}</td><td>{r['count']}</td></tr>" for r in rows)
    return f"<table><tr><th>{escape(title)}</th><th>matches</th></tr>{body}</table>"


def html_report(result: BacktestResult) -> str:
    document = result.as_dict()
    days = alerts_per_day(result)
    sections = []
    for detection_id, tally in document["detections"].items():
        if not tally["matches"] and not tally["exceptions"]:
            continue
        parts = [
            f"<h2>{escape(detection_id)}</h2>",
            f"<p>{tally['matches']} matches, {tally['alerts']} alerts</p>",
            _chart(days.get(detection_id, Counter())),
            _table("identity", tally["top_identities"]),
            _table("resource group", tally["top_resource_groups"]),
            _table("operation", tally["top_operations"]),
        ]
        for exception in tally["exceptions"]:
            parts.append(
                f"<p>exception {escape(exception['exception'])}: suppressed {exception['suppressed']}</p>"
            )
        sections.append("".join(parts))
    summary = f"{document['records']} records replayed, {document['skipped']} skipped"
    body = "".join(sections) or "<p>No matches.</p>"
    return (
        '<!doctype html><html><head><meta charset="utf-8"><title>pack backtest</title>'
        f"<style>{STYLE}</style></head><body><h1>pack backtest</h1><p>{summary}</p>{body}"
        "</body></html>\n"
    )
