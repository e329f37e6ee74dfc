"""The validated, typed form of the catalog that every later stage consumes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from coralogix_pack.catalog.kinds import WINDOW_SECONDS as WINDOW_SECONDS
from coralogix_pack.catalog.kinds import (
    Condition,
    Flow,
    FlowStage,
    NewValue,
    StageOp,
    Undetected,
    UniqueCount,
)


class Kind(StrEnum):
    """What a detection fires on: each match; more (or fewer) matches than a count in a window; a
    value not seen before; too many distinct values; or a sequence of other detections' alerts."""

    IMMEDIATE = "immediate"
    THRESHOLD = "threshold"
    NEW_VALUE = "new-value"
    UNIQUE_COUNT = "unique-count"
    FLOW = "flow"

    @property
    def has_query(self) -> bool:
        return self is not Kind.FLOW


@dataclass(frozen=True)
class Threshold:
    count: int
    window: str
    condition: Condition = Condition.MORE_THAN
    undetected: Undetected | None = None  # less-than only

    @property
    def less_than(self) -> bool:
        return self.condition is Condition.LESS_THAN

    @property
    def window_seconds(self) -> int:
        return WINDOW_SECONDS[self.window]


@dataclass(frozen=True)
class AttackRef:
    id: str
    name: str


@dataclass(frozen=True)
class TestCase:
    name: str
    expect_match: bool
    record: dict[str, Any]
    why: str = ""


@dataclass(frozen=True)
class Scenario:
    name: str
    expect_alerts: int
    record: dict[str, Any]
    start: str
    count: int
    every_seconds: float


@dataclass(frozen=True)
class Step:
    at: str
    record: dict[str, Any] | None = None  # None: the sequence's record
    set: dict[str, Any] = field(default_factory=dict)  # dotted path -> value
    repeat: int = 1
    every_seconds: float = 0.0


@dataclass(frozen=True)
class Sequence:
    """Records at given times through the detection's firing, with the alerts expected."""

    name: str
    expect_alerts: int
    steps: tuple[Step, ...]
    record: dict[str, Any] = field(default_factory=dict)
    expect_times: tuple[str, ...] = ()
    span: tuple[str | None, str | None] = (None, None)


@dataclass(frozen=True)
class KnownGap:
    """A mutation the detection deliberately does not catch (or deliberately fires on)."""

    operator: str  # kind or kind/variant, e.g. case/mixed
    reason: str
    reference: str
    mode: str = "both"  # case-sensitive, case-insensitive or both


@dataclass(frozen=True)
class Detection:
    id: str
    title: str
    description: str
    impact: str
    mitigation: str
    kind: Kind
    query: str
    priority: str
    priority_rationale: str
    tactic: AttackRef | None  # None: no technique applies (attack_gap says why)
    techniques: tuple[AttackRef, ...]
    vendor_tactic: str | None  # the source document's mapping, kept as provenance (optional)
    vendor_technique: str | None
    references: tuple[str, ...]
    threshold: Threshold | None = None
    notes: str = ""
    vendor_title: str = ""  # the name of this detection in Coralogix's own extension, if any
    optional: bool = False  # deployed only when a values file enables it
    new_value: NewValue | None = None
    unique_count: UniqueCount | None = None
    flow: Flow | None = None
    attack_gap: str = ""
    known_gaps: tuple[KnownGap, ...] = ()
    cases: tuple[TestCase, ...] = ()
    scenarios: tuple[Scenario, ...] = ()
    sequences: tuple[Sequence, ...] = ()
    source: Path = field(default=Path("."), compare=False)
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def line(self, key: str) -> int:
        return self.lines.get(key, 1)


@dataclass(frozen=True)
class Pack:
    name: str
    version: str
    description: str
    attack_version: str
    known_gaps: tuple[KnownGap, ...] = ()  # shared by every detection


@dataclass(frozen=True)
class Catalog:
    pack: Pack
    detections: tuple[Detection, ...]
    directory: Path
    content_sha256: str
    # file name -> bytes of pack.yaml and of each detection file, for the hash of a restricted catalog
    sources: dict[str, bytes] = field(default_factory=dict, compare=False, repr=False)

    def get(self, detection_id: str) -> Detection:
        for detection in self.detections:
            if detection.id == detection_id:
                return detection
        raise KeyError(detection_id)

    @property
    def ids(self) -> list[str]:
        return [d.id for d in self.detections]

    def restricted(self, ids: set[str]) -> Catalog:
        """The same catalog with only the detections in ``ids`` (what a values file deploys)."""
        kept = tuple(d for d in self.detections if d.id in ids)
        if len(kept) == len(self.detections):
            return self
        names = ["pack.yaml", *sorted(d.source.name for d in kept)]
        return Catalog(self.pack, kept, self.directory, content_digest(names, self.sources), self.sources)


def detection_from_dict(raw: dict[str, Any], source: Path, lines: dict[str, int]) -> Detection:
    mitre = raw.get("mitre", {"techniques": []})
    tests = raw.get("tests", {})
    return Detection(
        id=raw["id"],
        title=raw["title"].strip(),
        description=raw["description"].strip(),
        impact=raw["impact"].strip(),
        mitigation=raw["mitigation"].strip(),
        kind=Kind(raw["kind"]),
        query=raw.get("query", "").strip(),
        priority=raw["priority"],
        priority_rationale=raw["priority_rationale"].strip(),
        tactic=AttackRef(**mitre["tactic"]) if "tactic" in mitre else None,
        techniques=tuple(AttackRef(**t) for t in mitre["techniques"]),
        vendor_tactic=mitre.get("vendor", {}).get("tactic"),
        vendor_technique=mitre.get("vendor", {}).get("technique"),
        references=tuple(raw["references"]),
        threshold=_threshold(raw.get("threshold")),
        notes=raw.get("notes", "").strip(),
        vendor_title=raw.get("vendor_title", "").strip(),
        optional=bool(raw.get("optional", False)),
        attack_gap=raw.get("attack_gap", "").strip(),
        known_gaps=tuple(KnownGap(**g) for g in raw.get("known_gaps", [])),
        new_value=NewValue(**raw["new_value"]) if "new_value" in raw else None,
        unique_count=_unique_count(raw.get("unique_count")),
        flow=_flow(raw.get("flow")),
        cases=tuple(
            TestCase(c["name"], c["expect"] == "match", c["record"], c.get("why", ""))
            for c in tests.get("cases", [])
        ),
        scenarios=tuple(Scenario(**s) for s in tests.get("scenarios", [])),
        sequences=tuple(_sequence(s) for s in tests.get("sequences", [])),
        source=source,
        lines=lines,
    )


def _threshold(raw: dict[str, Any] | None) -> Threshold | None:
    if not raw:
        return None
    undetected = raw.get("undetected_values")
    return Threshold(
        raw["count"],
        raw["window"],
        Condition(raw.get("condition", Condition.MORE_THAN)),
        Undetected(**undetected) if undetected else None,
    )


def _unique_count(raw: dict[str, Any] | None) -> UniqueCount | None:
    if not raw:
        return None
    return UniqueCount(
        raw["keypath"], raw["count"], raw["window"], tuple(raw.get("group_by", ())), raw.get("max_per_group")
    )


def _flow(raw: dict[str, Any] | None) -> Flow | None:
    if not raw:
        return None
    stages = tuple(
        FlowStage(tuple(s["alerts"]), StageOp(s.get("op", StageOp.ANY)), s.get("within"))
        for s in raw["stages"]
    )
    return Flow(stages)


def _sequence(raw: dict[str, Any]) -> Sequence:
    span = raw.get("span", {})
    return Sequence(
        raw["name"],
        raw["expect_alerts"],
        tuple(Step(**step) for step in raw["steps"]),
        raw.get("record", {}),
        tuple(raw.get("expect_times", ())),
        (span.get("from"), span.get("to")),
    )


def content_digest(names: list[str], sources: dict[str, bytes]) -> str:
    """The catalog's content hash: each file's name and bytes, in the order given."""
    digest = hashlib.sha256()
    for name in names:
        data = sources.get(name)
        if data is not None:
            digest.update(name.encode() + b"\0" + data + b"\0")
    return digest.hexdigest()
