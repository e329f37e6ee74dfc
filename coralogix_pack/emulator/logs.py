"""The emulator's log store and its answers to the DataPrime query shapes pack sends.

Logs are loaded from the same files `pack backtest` reads; each becomes one Coralogix log with
labels, a timestamp and user data (optionally nested under a prefix, as some shippers do).
Queries are parsed stage by stage and evaluated with the project's own Lucene evaluator; a shape
pack does not send is answered with a 400 "Compilation errors", like the real engine would.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coralogix_pack.core.timeutil import BadTime, parse_time
from coralogix_pack.logs.reader import Reader, Skipped
from coralogix_pack.lucene.evaluator import compile_query
from coralogix_pack.lucene.records import leaves

BUCKET_LIMIT = 1000
_UNIT = {"m": 60, "h": 3600, "d": 86400}


class CompileError(ValueError):
    pass


@dataclass
class Log:
    time: float
    labels: dict[str, str]
    data: Any
    severity: str = "INFO"
    id: str = field(default_factory=lambda: uuid.uuid4().hex)


@dataclass
class LogStore:
    logs: list[Log] = field(default_factory=list)
    bucket_limit: int = BUCKET_LIMIT

    @classmethod
    def from_files(
        cls,
        paths: Iterable[Path],
        application: str = "azure",
        subsystem: str = "activity-log",
        prefix: str = "",
    ) -> LogStore:
        skipped: list[Skipped] = []
        logs = []
        for record, _ in Reader(list(paths), skipped.append):
            try:
                moment = parse_time(record.get("time"))
            except BadTime:
                continue
            data: Any = record
            for key in reversed(prefix.split(".") if prefix else []):
                data = {key: data}
            logs.append(Log(moment, {"applicationname": application, "subsystemname": subsystem}, data))
        return cls(sorted(logs, key=lambda log: log.time))


def split_stages(query: str) -> list[str]:
    """Stages separated by " | " outside single-quoted strings."""
    stages: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    index = 0
    while index < len(query):
        char = query[index]
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == "'":
            quoted = not quoted
        elif not quoted and query.startswith(" | ", index):
            stages.append("".join(current).strip())
            current, index = [], index + 3
            continue
        current.append(char)
        index += 1
    stages.append("".join(current).strip())
    return stages


def unquote(literal: str) -> str:
    if len(literal) < 2 or literal[0] != "'" or literal[-1] != "'":
        raise CompileError(f"expected a quoted string, not {literal[:40]!r}")
    return re.sub(r"\\(.)", r"\1", literal[1:-1])


_LABEL = re.compile(
    r"\$l\.(\w+)(?: == ('(?:[^'\\]|\\.)*')|\.(contains|startsWith|endsWith)\(('(?:[^'\\]|\\.)*')\))"
)
_SEVERITY = re.compile(r"\$m\.severity == (\w+)")
_GROUP_TIME = re.compile(
    r"groupby roundTime\(\$m\.timestamp(?: \+ (\d+)([mhd]))?, (\d+)([mhd])\)"
    r" as (\w+)((?:, \$d\.[\w.]+ as \w+)*) aggregate (?:count\(\)|distinct_count\((\$d\.[\w.]+)\)) as (\w+)"
)
_EXTRA_GROUP = re.compile(r", (\$d\.[\w.]+) as (\w+)")
_GROUP_FIELD = re.compile(r"groupby (.+) as (\w+) aggregate count\(\) as (\w+)")


def _condition(text: str) -> Callable[[Log], bool]:
    label = _LABEL.fullmatch(text)
    if label:
        name, equal, method, argument = label.groups()
        if equal is not None:
            wanted = unquote(equal)
            return lambda log: log.labels.get(name) == wanted
        value = unquote(argument)
        test = {"contains": str.__contains__, "startsWith": str.startswith, "endsWith": str.endswith}[method]
        return lambda log: test(log.labels.get(name, ""), value)
    severity = _SEVERITY.fullmatch(text)
    if severity:
        return lambda log: log.severity == severity.group(1)
    raise CompileError(f"unsupported condition {text[:60]!r}")


def _label_filter(expression: str) -> Callable[[Log], bool]:
    groups = []
    for group in expression.split(" && "):
        group = group.strip()
        if group.startswith("(") and group.endswith(")"):
            group = group[1:-1]
        groups.append([_condition(c.strip()) for c in group.split(" || ")])
    return lambda log: all(any(c(log) for c in conditions) for conditions in groups)


def _field_value(expression: str, log: Log) -> Any:
    inner = (
        expression.removeprefix("firstNonNull(").removesuffix(")")
        if expression.startswith("firstNonNull(")
        else expression
    )
    for path in (p.strip() for p in inner.split(",")):
        if not path.startswith("$d."):
            raise CompileError(f"unsupported expression {path[:60]!r}")
        for value in leaves(log.data, tuple(path[3:].split("."))):
            return value
    return None


@dataclass
class Answer:
    rows: list[dict[str, Any]]  # already in the API's row shape
    warnings: list[dict[str, Any]] = field(default_factory=list)


def _seconds(amount: str, unit: str) -> int:
    return int(amount) * _UNIT[unit]


def run_query(store: LogStore, query: str, start: float, end: float, limit: int) -> Answer:
    stages = split_stages(query)
    if not stages or stages[0] != "source logs":
        raise CompileError("a query must start with `source logs`")
    logs = [log for log in store.logs if start <= log.time < end]
    table: list[dict[str, Any]] | None = None  # set once aggregated
    warnings: list[dict[str, Any]] = []
    for stage in stages[1:]:
        if table is None and stage.startswith("filter "):
            keep = _label_filter(stage[len("filter ") :])
            logs = [log for log in logs if keep(log)]
        elif table is None and stage.startswith("lucene "):
            matcher = compile_query(unquote(stage[len("lucene ") :]))
            logs = [log for log in logs if isinstance(log.data, dict) and matcher.matches(log.data)]
        elif table is None and stage == "aggregate count() as hits":
            table = [{"hits": len(logs)}]
        elif table is None and (grouped := _GROUP_TIME.fullmatch(stage)):
            offset = _seconds(grouped[1], grouped[2]) if grouped[1] else 0
            size = _seconds(grouped[3], grouped[4])
            extra = _EXTRA_GROUP.findall(grouped[6] or "")
            distinct: dict[tuple[Any, ...], set[Any]] = {}
            for log in logs:
                key = (
                    int((log.time + offset) // size * size),
                    *(_key(_field_value(path, log)) for path, _ in extra),
                )
                value = _key(_field_value(grouped[7], log)) if grouped[7] else log.id
                if value is not None:  # distinct_count leaves out records without the field
                    distinct.setdefault(key, set()).add(value)
            table = [
                {
                    grouped[5]: key[0] * 10**9,
                    **{name: value for (_, name), value in zip(extra, key[1:], strict=True)},
                    grouped[8]: len(seen),
                }
                for key, seen in sorted(distinct.items(), key=lambda item: str(item[0]))
            ]
        elif table is None and (grouped := _GROUP_FIELD.fullmatch(stage)):
            values = Counter(_key(_field_value(grouped[1], log)) for log in logs)
            table = [{grouped[2]: key, grouped[3]: n} for key, n in values.items()]
        elif table is not None and (over := re.fullmatch(r"filter (\w+) > (\d+)", stage)):
            table = [row for row in table if row.get(over[1], 0) > int(over[2])]
        elif table is not None and (order := re.fullmatch(r"orderby (\w+) desc", stage)):
            table.sort(key=lambda row: (-row.get(order[1], 0), str(row)))
        elif (limited := re.fullmatch(r"limit (\d+)", stage)) is not None:
            if table is None:
                logs = logs[: int(limited[1])]
            else:
                table = table[: int(limited[1])]
        else:
            raise CompileError(f"unsupported stage {stage[:60]!r}")
        if table is not None and len(table) > store.bucket_limit:
            table = table[: store.bucket_limit]
            warnings.append(
                {"aggregationBucketsLimitWarning": {"aggregationBucketsLimit": store.bucket_limit}}
            )
    rows = [_aggregate_row(r) for r in table] if table is not None else [_raw_row(log) for log in logs]
    if len(rows) > limit:
        rows = rows[:limit]
        warnings.append({"numberOfResultsLimitWarning": {"numberOfResultsLimit": limit}})
    return Answer(rows, warnings)


def _key(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool) or value is None else str(value)


def _aggregate_row(row: dict[str, Any]) -> dict[str, Any]:
    import json

    return {"metadata": [], "labels": [], "userData": json.dumps(row)}


def _raw_row(log: Log) -> dict[str, Any]:
    import json
    from datetime import UTC, datetime

    stamp = datetime.fromtimestamp(log.time, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f000")
    return {
        "metadata": [
            {"key": "logid", "value": log.id},
            {"key": "timestamp", "value": stamp},
            {"key": "severity", "value": "3"},
        ],
        "labels": [{"key": k, "value": v} for k, v in sorted(log.labels.items())],
        "userData": json.dumps(log.data),
    }


MAX_QUERY_LIMIT = 50_000  # the query API's largest result set (archive tier)


def answer_query(store: LogStore, body: Any, midstream_error: bool = False) -> list[dict[str, Any]]:
    """The NDJSON lines of a query answer: id, results in batches, warnings, statistics."""
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        raise CompileError("the body needs a query")
    metadata = body.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise CompileError("metadata must be an object")
    try:
        start = parse_time(metadata.get("startDate"))
        end = parse_time(metadata.get("endDate"))
    except BadTime as exc:
        raise CompileError(f"startDate and endDate are required: {exc}") from None
    limit = metadata.get("limit", 2000)
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_QUERY_LIMIT:
        raise CompileError(f"limit must be a whole number from 1 to {MAX_QUERY_LIMIT}")
    lines: list[dict[str, Any]] = [{"queryId": {"queryId": uuid.uuid4().hex}}]
    if midstream_error:
        return [*lines, {"error": {"message": "injected engine failure", "code": {"rateLimitReached": {}}}}]
    answer = run_query(store, body["query"], start, end, limit)
    for index in range(0, len(answer.rows), 100):
        lines.append({"result": {"results": answer.rows[index : index + 100]}})
    lines += [{"warning": w} for w in answer.warnings]
    lines.append({"statistics": {"status": "COMPLETED", "outputRowCount": str(len(answer.rows))}})
    return lines
