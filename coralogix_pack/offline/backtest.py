"""`pack backtest`: replay exported logs through the detections with Coralogix firing semantics.

Stream the inputs once. Matching needs no order, so each record is evaluated as it is read and
dropped; only its matches (time, number, detection ids) wait in a small buffer that releases them
in time order to the firing logic. Memory is flat in the input size. With ``jobs`` > 1 large plain
NDJSON files are split across processes (``offline.parallel``): the same result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from coralogix_pack.catalog.model import Catalog
from coralogix_pack.core.diagnostics import Diagnostic, PackError
from coralogix_pack.logs.formats import FORMATS
from coralogix_pack.logs.inputs import Inputs, expand
from coralogix_pack.logs.reader import input_problem
from coralogix_pack.offline.parallel import replay_in_parallel
from coralogix_pack.offline.replay import (
    BacktestOptions,
    BacktestResult,
    fire,
    matches_of,
    prepare,
    reader_for,
)
from coralogix_pack.values.model import Values

__all__ = ["BacktestOptions", "BacktestResult", "backtest", "check_inputs"]


def backtest(
    catalog: Catalog,
    paths: Iterable[Path],
    values: Values,
    options: BacktestOptions | None = None,
    on_bytes: Callable[[int], None] | None = None,
) -> BacktestResult:
    """What each detection would have fired on ``paths``; PackError when an input or option is bad."""
    options = options or BacktestOptions()
    paths = list(paths)
    check_inputs(paths, options)
    inputs = expand(paths, options.start, options.end)
    if options.jobs > 1:
        result = replay_in_parallel(catalog, inputs.files, values, options, on_bytes)
    else:
        result, rules = prepare(catalog, values, options)
        reader = reader_for(inputs.files, result, rules, options, on_bytes)
        fire(matches_of(reader, rules, result, options), rules, result, options)
    result.empty_inputs = _empty(paths, inputs, result)
    return result


def _empty(paths: list[Path], inputs: Inputs, result: BacktestResult) -> list[str]:
    """The inputs that gave no record at all (a folder whose hour files were all outside
    --from/--to is not one: it was not read)."""
    read: dict[Path, int] = {}  # records per input, over its files
    for file, origin in inputs.origin.items():
        read[origin] = read.get(origin, 0) + result.seen[file]
    return [str(path) for path in dict.fromkeys(paths) if read.get(path) == 0]


def check_inputs(paths: list[Path], options: BacktestOptions) -> None:
    """Every problem with the inputs and options at once, before anything is read."""
    found = [
        Diagnostic(file=str(p), message=why, hint="check the path", code="CXP801")
        for p in paths
        if (why := input_problem(p))
    ]
    if options.input_format not in ("auto", "csv", *FORMATS):
        message = f"unknown input format {options.input_format!r}"
        hint = f"use auto, csv or one of {', '.join(FORMATS)}"
        found.append(Diagnostic(file="--input-format", message=message, hint=hint, code="CXP803"))
    if options.jobs < 1:
        message = f"{options.jobs} processes"
        found.append(Diagnostic(file="--jobs", message=message, hint="use 1 or more", code="CXP803"))
    if options.start is not None and options.end is not None and options.start >= options.end:
        found.append(Diagnostic(file="--from", message="is not before --to", hint="swap them", code="CXP802"))
    if options.latency is not None and options.arrival_field is not None:
        message = "is given with --arrival-field"
        found.append(Diagnostic(file="--latency", message=message, hint="use one of them", code="CXP803"))
    if not paths:
        hint = "name a log file, or - for stdin"
        found.append(Diagnostic(file="FILE", message="no input given", hint=hint, code="CXP801"))
    if found:
        raise PackError(found)
