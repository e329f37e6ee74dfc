"""DataPrime query text for the questions doctor and preview ask (reference notes, query API §3).

Every query starts from the alert's own label filters and Lucene query, so the account's engine
answers for exactly what the alert would see. The emulator parses these same shapes back.
"""

from __future__ import annotations

from collections.abc import Sequence

from coralogix_pack.values.model import LabelFilter

SEVERITY_WORDS = {
    "Debug": "DEBUG",
    "Verbose": "VERBOSE",
    "Info": "INFO",
    "Warning": "WARNING",
    "Error": "ERROR",
    "Critical": "CRITICAL",
}
_METHODS = {"INCLUDES": "contains", "STARTS_WITH": "startsWith", "ENDS_WITH": "endsWith"}


def string_literal(text: str) -> str:
    """A single-quoted DataPrime string: backslash and quote escaped with a backslash."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _label_condition(label: str, item: LabelFilter) -> str:
    field = f"$l.{label}"
    value = string_literal(item.value)
    if item.operation == "IS":
        return f"{field} == {value}"
    return f"{field}.{_METHODS[item.operation]}({value})"


def label_filter(
    application: Sequence[LabelFilter], subsystem: Sequence[LabelFilter], severities: Sequence[str]
) -> str | None:
    """`filter ...` for the alert's label filters (OR within a label, AND across), or None."""
    groups = []
    for label, items in (("applicationname", application), ("subsystemname", subsystem)):
        if items:
            groups.append("(" + " || ".join(_label_condition(label, i) for i in items) + ")")
    if severities:
        groups.append("(" + " || ".join(f"$m.severity == {SEVERITY_WORDS[s]}" for s in severities) + ")")
    return "filter " + " && ".join(groups) if groups else None


def base(filters: str | None, lucene: str | None) -> list[str]:
    stages = ["source logs"]
    if filters:
        stages.append(filters)
    if lucene:
        stages.append(f"lucene {string_literal(lucene)}")
    return stages


def pipeline(stages: list[str]) -> str:
    return " | ".join(stages)


def duration(seconds: float) -> str:
    """A DataPrime interval: 20m, 1h, 1d (whole minutes)."""
    minutes = int(seconds // 60)
    if minutes % 1440 == 0:
        return f"{minutes // 1440}d"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"


def count(stages: list[str]) -> str:
    return pipeline([*stages, "aggregate count() as hits"])


def per_bucket(
    stages: list[str],
    bucket_seconds: float,
    offset_seconds: float = 0.0,
    over: int | None = None,
    group_by: Sequence[str] = (),
    distinct: str | None = None,
) -> str:
    """Matches per UTC-aligned bucket (shifted by ``offset_seconds``) and per value of the
    ``group_by`` fields (paths under $d, as the alert's groupByKeys), optionally only those over N;
    with ``distinct``, the number of distinct values of that path instead of matches."""
    moment = "$m.timestamp" + (f" + {duration(offset_seconds)}" if offset_seconds else "")
    groups = "".join(f", $d.{path} as g{index}" for index, path in enumerate(group_by))
    aggregate = f"distinct_count($d.{distinct})" if distinct else "count()"
    text = [
        *stages,
        f"groupby roundTime({moment}, {duration(bucket_seconds)}) as bucket{groups}"
        f" aggregate {aggregate} as hits",
    ]
    if over is not None:
        text.append(f"filter hits > {over}")
    return pipeline(text)


def top(stages: list[str], fields: Sequence[str], name: str, limit: int = 5) -> str:
    """The ``limit`` most frequent values of the first present of ``fields`` (paths under $d)."""
    paths = ", ".join(f"$d.{f}" for f in fields)
    expression = f"firstNonNull({paths})" if len(fields) > 1 else f"$d.{fields[0]}"
    return pipeline(
        [
            *stages,
            f"groupby {expression} as {name} aggregate count() as hits",
            "orderby hits desc",
            f"limit {limit}",
        ]
    )


def sample(stages: list[str], rows: int) -> str:
    return pipeline([*stages, f"limit {rows}"])
