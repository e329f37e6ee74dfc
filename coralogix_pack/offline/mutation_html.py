"""`pack test --mutate --report FILE`: one self-contained HTML page (no scripts, no external
files), in the style of the backtest report: a summary row per detection, then each escape, false
alert and known gap with the mutation shown as a record diff."""

from __future__ import annotations

from html import escape
from typing import Any

from coralogix_pack.offline.html_report import STYLE
from coralogix_pack.offline.mutation import MutationRun

_COLUMNS = (
    "detection",
    "mutants",
    "kinds",
    "expect fire",
    "expect quiet",
    "escaped",
    "false alerts",
    "known gaps",
    "score",
)


def _summary(detections: list[dict[str, Any]]) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in _COLUMNS)
    rows = []
    for d in detections:
        cells = (
            d["detection"],
            d["mutants"],
            len(d["kinds"]),
            d["expect_fire"],
            d["expect_quiet"],
            len(d["escaped"]),
            len(d["false_alerts"]),
            len(d["known_gaps"]),
            f"{d['score']:.2%}",
        )
        rows.append("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def _findings(title: str, findings: list[dict[str, Any]]) -> str:
    if not findings:
        return ""
    items = []
    for f in findings:
        diff = escape("\n".join(f["diff"]) or "(a burst of records; see the operator)")
        why = f"<p>{escape(f['known'])}</p>" if f["known"] else ""
        items.append(
            f"<li><b>{escape(f['operator'])}</b> of {escape(f['source'])} ({escape(f['mode'])}): "
            f"expected {escape(f['expected'])}, {escape(f['got'])}{why}<pre>{diff}</pre></li>"
        )
    return f"<h3>{escape(title)} ({len(findings)})</h3><ul>{''.join(items)}</ul>"


def mutation_html(run: MutationRun) -> str:
    document = run.as_dict()
    sections = []
    for d in document["detections"]:
        kinds = ", ".join(f"{k} {n}" for k, n in d["kinds"].items())
        parts = [f"<h2>{escape(d['detection'])}</h2>", f"<p>{escape(d['skipped'] or kinds)}</p>"]
        parts.append(_findings("escaped: should fire, did not", d["escaped"]))
        parts.append(_findings("false alerts: should not fire, did", d["false_alerts"]))
        parts.append(_findings("known gaps", d["known_gaps"]))
        sections.append("".join(parts))
    verdict = "no unexpected escape or false alert" if run.ok else "unexpected escapes or false alerts"
    return (
        '<!doctype html><html><head><meta charset="utf-8"><title>pack test --mutate</title>'
        f"<style>{STYLE}pre{{background:#f6f6f6;padding:4px}}</style></head><body>"
        f"<h1>pack test --mutate</h1><p>seed {run.seed}: {verdict}</p>{_summary(document['detections'])}"
        f"{''.join(sections)}</body></html>\n"
    )
