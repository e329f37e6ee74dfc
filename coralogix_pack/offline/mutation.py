"""`pack test --mutate`: how robust each detection is to the variations real logs and attackers
produce. Every mutant is evaluated in both case modes; a verdict other than the expected one is an
escape (should fire, did not) or a false alert (should not, did), unless the detection lists it
as a known gap (``known_gaps``: operator, reason, reference, optional case mode)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from coralogix_pack.catalog.model import Catalog, Detection, Kind, KnownGap
from coralogix_pack.core.timeutil import parse_time
from coralogix_pack.documents.diff import ABSENT, field_changes
from coralogix_pack.logs.formats import to_eventhub
from coralogix_pack.lucene.evaluator import CompiledQuery, compile_query
from coralogix_pack.lucene.syntax import render_query
from coralogix_pack.offline.cases import MODES
from coralogix_pack.offline.mutants import Mutant, record_mutants, scenario_mutants, value_at
from coralogix_pack.offline.windows import GroupedFiring


@dataclass
class Finding:
    operator: str
    source: str
    mode: str
    expected: str
    got: str
    diff: list[str]
    known: str = ""  # the known gap's reason, when it is one

    def as_dict(self) -> dict[str, Any]:
        return {
            k: getattr(self, k) for k in ("operator", "source", "mode", "expected", "got", "diff", "known")
        }


@dataclass
class MutationReport:
    detection: str
    skipped: str = ""  # why a detection has no mutants (its kind)
    mutants: int = 0
    expect_fire: int = 0
    expect_quiet: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)
    unused_gaps: list[str] = field(default_factory=list)  # the detection's known gaps no verdict needed

    @property
    def unexpected(self) -> list[Finding]:
        return [f for f in self.findings if not f.known]

    @property
    def score(self) -> float:
        """Share of mutant verdicts (both modes) that are as expected or known gaps."""
        checks = 2 * self.mutants
        return round(1 - len(self.unexpected) / checks, 4) if checks else 1.0

    def as_dict(self) -> dict[str, Any]:
        escaped = [f for f in self.unexpected if f.expected == "fire"]
        return {
            "detection": self.detection,
            "skipped": self.skipped,
            "mutants": self.mutants,
            "kinds": dict(sorted(self.kinds.items())),
            "expect_fire": self.expect_fire,
            "expect_quiet": self.expect_quiet,
            "score": self.score,
            "escaped": [f.as_dict() for f in escaped],
            "false_alerts": [f.as_dict() for f in self.unexpected if f.expected == "quiet"],
            "known_gaps": [f.as_dict() for f in self.findings if f.known],
            "unused_gaps": self.unused_gaps,
        }


def mutation_lines(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """``path: old -> new`` for each field the mutation changed (the plan's field-level diff; a
    field the mutation removed or added reads None on its missing side)."""
    return [
        f"{c.path or '(record)'}: {_short(c.old)} -> {_short(c.new)}" for c in field_changes(before, after)
    ]


def _short(value: Any) -> str:
    text = repr(None if value == ABSENT else value)
    return text if len(text) <= 150 else text[:147] + "..."


def _verdict(
    detection: Detection, mutant: Mutant, case_sensitive: bool, query: CompiledQuery | None = None
) -> bool:
    """Whether the detection fires on the mutant's records (``query``: its query compiled for the
    mutant's prefix and case mode, when the caller has it)."""
    if query is None:
        query = compile_query(render_query(detection.query, mutant.prefix), case_sensitive)
    records = []
    for record in mutant.records:
        mapped, _ = to_eventhub(record, mutant.form) if mutant.form != "eventhub" else (record, "eventhub")
        if mapped is not None:
            records.append(mapped)
    if len(mutant.records) == 1 or detection.threshold is None:
        return any(query.matches(r) for r in records)
    firing = GroupedFiring(detection.id, detection.threshold)
    matching = [r for r in records if query.matches(r)]
    return any(firing.feed_group(_group(r, mutant.group_by), parse_time(r["time"]), None) for r in matching)


def _group(record: dict[str, Any], path: str) -> str | None:
    value = value_at(record, path) if path else None
    return None if value is None else str(value)


def _gap(gaps: tuple[KnownGap, ...], mutant: Mutant, mode: str) -> KnownGap | None:
    for gap in gaps:
        covers = mutant.operator == gap.operator or mutant.operator.startswith(gap.operator + "/")
        if covers and gap.mode in ("both", mode):
            return gap
    return None


def mutable(detection: Detection) -> bool:
    """Record mutants need a query over single records: immediate and more-than thresholds."""
    threshold = detection.threshold
    return detection.kind is Kind.IMMEDIATE or (
        detection.kind is Kind.THRESHOLD and threshold is not None and not threshold.less_than
    )


def mutate_detection(
    detection: Detection, seed: int = 0, shared: tuple[KnownGap, ...] = ()
) -> MutationReport:
    report = MutationReport(detection.id)
    if not mutable(detection):
        report.skipped = (
            f"a {detection.kind.value} detection: only immediate and more-than threshold ones are mutated"
        )
        return report
    gaps, used = (*detection.known_gaps, *shared), set()
    mutants = record_mutants(detection, seed) + scenario_mutants(detection)
    compiled: dict[tuple[str, bool], CompiledQuery] = {}  # by field prefix and case mode
    for mutant in mutants:
        report.mutants += 1
        report.kinds[mutant.kind] += 1
        report.expect_fire += mutant.expect_fire
        report.expect_quiet += not mutant.expect_fire
        for mode, case_sensitive in MODES.items():
            key = (mutant.prefix, case_sensitive)
            if key not in compiled:
                compiled[key] = compile_query(render_query(detection.query, mutant.prefix), case_sensitive)
            fired = _verdict(detection, mutant, case_sensitive, compiled[key])
            if fired == mutant.expect_fire:
                continue
            source = mutant.records[0] if len(mutant.records) == 1 else {}
            gap = _gap(gaps, mutant, mode)
            used.add(gap)
            report.findings.append(
                Finding(
                    mutant.operator,
                    mutant.source,
                    mode,
                    "fire" if mutant.expect_fire else "quiet",
                    "fired" if fired else "quiet",
                    mutation_lines(mutant.original, source)[:12],
                    f"{gap.reason} ({gap.reference})" if gap else "",
                )
            )
    report.unused_gaps = [g.operator for g in detection.known_gaps if g not in used]
    return report


@dataclass
class MutationRun:
    seed: int
    reports: list[MutationReport]

    @property
    def ok(self) -> bool:
        return not any(r.unexpected for r in self.reports)

    def as_dict(self) -> dict[str, Any]:
        """`pack test --mutate --format json` (schemas/mutation.schema.json)."""
        return {
            "format_version": "1",
            "seed": self.seed,
            "ok": self.ok,
            "detections": [r.as_dict() for r in self.reports],
        }


def mutate(catalog: Catalog, ids: list[str] | None = None, seed: int = 0) -> MutationRun:
    """The chosen detections (default: every immediate and more-than threshold detection)."""
    chosen = [catalog.get(i) for i in ids] if ids else [d for d in catalog.detections if mutable(d)]
    return MutationRun(seed, [mutate_detection(d, seed, catalog.pack.known_gaps) for d in chosen])
