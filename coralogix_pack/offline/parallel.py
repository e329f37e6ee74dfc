"""`pack backtest --jobs N`: large plain NDJSON files split across processes, the same result.

A file is cut into parts at line starts; each worker replays its part as if alone (lines numbered
from 1, its own record numbers) and returns its matches and tallies. The parent renumbers them
(lines and record numbers of the parts before), keeps the first skip reasons in input order, and
feeds all matches in input order to the firing logic: the sequence the single-process replay
sees, so alerts, counts and locations are identical. What cannot be cut (gzip, stdin, CSV, a
pretty-printed JSON document, a small file) is one part, read by the parent itself while the
workers run (a worker cannot read the parent's stdin). Matches of a part wait in memory until the
parts before it are done.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from itertools import pairwise
from pathlib import Path

from coralogix_pack.catalog.model import Catalog
from coralogix_pack.logs.bytestreams import STDIN
from coralogix_pack.logs.reader import Match, SkipKind, Skipped, parses
from coralogix_pack.offline.replay import (
    BacktestOptions,
    BacktestResult,
    fire,
    matches_of,
    prepare,
    reader_for,
)
from coralogix_pack.values.model import Values

MIN_PART_BYTES = 8 * 2**20  # below this a part costs more to start than it saves


@dataclass(frozen=True)
class Part:
    path: Path
    start: int
    end: int  # -1: the whole file, read the ordinary way
    input: int = 0  # its place among the inputs (a file given twice is read twice)


@dataclass
class PartResult:
    result: BacktestResult
    matches: list[Match]
    lines: int  # lines the part held
    parsed: int  # records with a usable time (what numbers matches)


def parts_of(paths: list[Path], jobs: int, min_bytes: int | None = None) -> list[Part]:
    """Each input as one part, or as up to ``jobs`` parts when it is a large plain NDJSON file."""
    min_bytes = MIN_PART_BYTES if min_bytes is None else min_bytes
    parts: list[Part] = []
    for number, path in enumerate(paths):
        size = _splittable_size(path)
        if size is None or size < 2 * min_bytes:
            parts.append(Part(path, 0, -1, number))
            continue
        cuts = [0]
        with path.open("rb") as handle:
            for index in range(1, min(jobs, size // min_bytes)):
                handle.seek(max(size * index // jobs, cuts[-1]))
                handle.readline()  # to the next line start
                if handle.tell() < size:
                    cuts.append(handle.tell())
        cuts.append(size)
        parts += [Part(path, a, b, number) for a, b in pairwise(cuts) if b > a]
    return parts


def _splittable_size(path: Path) -> int | None:
    """The size of a regular, uncompressed NDJSON file (its first line is JSON), else None."""
    if path == STDIN or path.name.lower().removesuffix(".gz").endswith(".csv"):
        return None
    try:
        if not path.is_file():
            return None
        with path.open("rb") as handle:
            if handle.read(2) == b"\x1f\x8b":
                return None
            handle.seek(0)
            first = handle.readline(2**20)
        return path.stat().st_size if first.strip() and parses(first) else None
    except OSError:
        return None


def replay_in_parallel(
    catalog: Catalog,
    paths: list[Path],
    values: Values,
    options: BacktestOptions,
    on_bytes: Callable[[int], None] | None = None,
) -> BacktestResult:
    jobs = options.jobs
    parts = parts_of(paths, jobs)
    # spawn, not fork: the parent may run a progress bar thread, and forking while it holds a lock
    # can leave a worker stuck
    context = multiprocessing.get_context("spawn")
    cut = [part for part in parts if part.end >= 0]
    with ProcessPoolExecutor(max_workers=max(1, min(jobs, len(cut))), mp_context=context) as pool:
        futures = {part: pool.submit(replay_part, catalog, values, options, part) for part in cut}
        done = []
        for part in parts:  # a whole input (stdin among them) is read here, meanwhile
            done.append(
                futures[part].result() if part in futures else replay_part(catalog, values, options, part)
            )
            if on_bytes is not None:
                on_bytes(_size(part))
    result, rules = prepare(catalog, values, options)
    fire(_merged(parts, done, result, options), rules, result, options)
    return result


def replay_part(catalog: Catalog, values: Values, options: BacktestOptions, part: Part) -> PartResult:
    """One worker's replay: its part as if it were the whole input."""
    result, rules = prepare(catalog, values, options)
    window = (part.start, part.end) if part.end >= 0 else None
    reader = reader_for([part.path], result, rules, options, window=window)
    matches = list(matches_of(reader, rules, result, options))
    lines = reader.lines_read if part.end >= 0 else 0
    parsed = result.records + result.out_of_range - reader.unparsed
    return PartResult(result, matches, lines, parsed)


def _merged(
    parts: list[Part], done: list[PartResult], result: BacktestResult, options: BacktestOptions
) -> Iterator[Match]:
    """The parts' tallies added to ``result``; their matches renumbered, in input order."""
    lines_before: dict[int, int] = {}  # by input: a file given twice is numbered from 1 twice
    parsed_before = 0
    long_form_seen: set[Path] = set()
    for part, outcome in zip(parts, done, strict=True):
        offset = lines_before.get(part.input, 0)
        _add(result, outcome.result, part.path, offset, long_form_seen, options.max_skip_reasons)
        for match in outcome.matches:
            where = match.where.shifted(offset) if match.where is not None else None
            yield replace(match, number=match.number + parsed_before, where=where)
        lines_before[part.input] = offset + outcome.lines
        parsed_before += outcome.parsed


def _add(
    total: BacktestResult,
    part: BacktestResult,
    path: Path,
    line_offset: int,
    long_form_seen: set[Path],
    limit: int,
) -> None:
    total.records += part.records
    total.skipped += part.skipped
    total.out_of_range += part.out_of_range
    total.spans(part.first_time, part.last_time)
    total.seen.update(part.seen)
    for reason in part.skip_reasons:
        if len(total.skip_reasons) >= limit:
            break
        total.skip_reasons.append(_renumbered(reason, path, line_offset, long_form_seen))
    for detection_id, tally in part.detections.items():
        into = total.detections[detection_id]
        into.identities.update(tally.identities)
        into.resource_groups.update(tally.resource_groups)
        into.operations.update(tally.operations)
        for label, count in tally.suppressed.items():
            into.suppressed[label] = into.suppressed.get(label, 0) + count


def _renumbered(reason: Skipped, path: Path, offset: int, long_form_seen: set[Path]) -> Skipped:
    where = reason.where.shifted(offset) if reason.where.file == path else reason.where
    if reason.kind is SkipKind.SHAPE:  # a file's first unknown record is described once, in full
        if path in long_form_seen:
            return Skipped(where, "unknown record shape", SkipKind.RECORD)
        long_form_seen.add(path)
    return replace(reason, where=where)


def _size(part: Part) -> int:
    if part.end >= 0:
        return part.end - part.start
    try:
        return os.stat(part.path).st_size if part.path != STDIN else 0
    except OSError:
        return 0
