"""The validated, typed form of the catalog that every later stage consumes."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

WINDOW_SECONDS = {
    "5m": 300,
    "10m": 600,
    "15m": 900,
    "20m": 1200,
    "30m": 1800,
    "1h": 3600,
    "2h": 7200,
    "4h": 14400,
    "6h": 21600,
    "12h": 43200,
    "24h": 86400,
    "36h": 129600,
}


class Kind(StrEnum):
    """What a detection fires on: each match, or more than a count of matches in a window."""

    IMMEDIATE = "immediate"
    THRESHOLD = "threshold"


@dataclass(frozen=True)
class Threshold:
    count: int
    window: str

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
    tactic: AttackRef
    techniques: tuple[AttackRef, ...]
    vendor_tactic: str | None  # the source document's mapping, kept as provenance (optional)
    vendor_technique: str | None
    references: tuple[str, ...]
    threshold: Threshold | None = None
    notes: str = ""
    vendor_title: str = ""  # the name of this detection in Coralogix's own extension, if any
    cases: tuple[TestCase, ...] = ()
    scenarios: tuple[Scenario, ...] = ()
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


@dataclass(frozen=True)
class Catalog:
    pack: Pack
    detections: tuple[Detection, ...]
    directory: Path
    content_sha256: str

    def get(self, detection_id: str) -> Detection:
        for detection in self.detections:
            if detection.id == detection_id:
                return detection
        raise KeyError(detection_id)

    @property
    def ids(self) -> list[str]:
        return [d.id for d in self.detections]


def detection_from_dict(raw: dict[str, Any], source: Path, lines: dict[str, int]) -> Detection:
    mitre = raw["mitre"]
    threshold = raw.get("threshold")
    tests = raw.get("tests", {})
    return Detection(
        id=raw["id"],
        title=raw["title"].strip(),
        description=raw["description"].strip(),
        impact=raw["impact"].strip(),
        mitigation=raw["mitigation"].strip(),
        kind=Kind(raw["kind"]),
        query=raw["query"].strip(),
        priority=raw["priority"],
        priority_rationale=raw["priority_rationale"].strip(),
        tactic=AttackRef(**mitre["tactic"]),
        techniques=tuple(AttackRef(**t) for t in mitre["techniques"]),
        vendor_tactic=mitre.get("vendor", {}).get("tactic"),
        vendor_technique=mitre.get("vendor", {}).get("technique"),
        references=tuple(raw["references"]),
        threshold=Threshold(**threshold) if threshold else None,
        notes=raw.get("notes", "").strip(),
        vendor_title=raw.get("vendor_title", "").strip(),
        cases=tuple(
            TestCase(c["name"], c["expect"] == "match", c["record"], c.get("why", ""))
            for c in tests.get("cases", [])
        ),
        scenarios=tuple(Scenario(**s) for s in tests.get("scenarios", [])),
        source=source,
        lines=lines,
    )
