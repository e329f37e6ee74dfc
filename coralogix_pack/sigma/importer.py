"""`pack import sigma`: Sigma rules to catalog entries (query, metadata, provenance, test records)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sigma.collection import SigmaCollection
from sigma.correlations import SigmaCorrelationRule
from sigma.exceptions import SigmaError
from sigma.rule import SigmaRule

from coralogix_pack.catalog.attack import attack_table
from coralogix_pack.catalog.model import WINDOW_SECONDS
from coralogix_pack.sigma.backend import CoralogixBackend
from coralogix_pack.sigma.pipeline import coralogix_azure_activity
from coralogix_pack.sigma.records import generated

LEVELS = {"critical": "P1", "high": "P2", "medium": "P3", "low": "P4", "informational": "P5"}
LICENCE = "Detection Rule License (DRL) 1.1, https://github.com/SigmaHQ/Detection-Rule-License"
PACK_YAML = """\
name: sigma-imports
version: 0.1.0
description: >-
  Detections imported from Sigma rules by pack import sigma (each file names its source rule,
  authors and licence).
attack:
  domain: enterprise-attack
  version: "{version}"
"""


@dataclass
class Imported:
    source: Path
    detection_id: str
    path: Path
    query: str
    diff: str = ""  # when an earlier import of the same rule was updated


@dataclass
class ImportResult:
    imported: list[Imported] = field(default_factory=list)
    refused: list[tuple[Path, str]] = field(default_factory=list)


def rule_files(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        found += (
            sorted(p for p in path.rglob("*") if p.suffix in (".yml", ".yaml")) if path.is_dir() else [path]
        )
    return found


def convert(rule_path: Path, success_only: bool = True) -> tuple[SigmaRule, str]:
    """The rule (processed by the pipeline) and its query; SigmaError with the reason otherwise."""
    rule, query, _ = convert_with_threshold(rule_path, success_only)
    return rule, query


def convert_with_threshold(
    rule_path: Path, success_only: bool = True
) -> tuple[SigmaRule, str, dict[str, Any] | None]:
    """As ``convert``, and the threshold of an ``event_count`` correlation over the rule, if any."""
    collection = SigmaCollection.load_ruleset([rule_path])
    if collection.errors:
        raise collection.errors[0]
    rules = [r for r in collection.rules if isinstance(r, SigmaRule)]
    correlations = [r for r in collection.rules if isinstance(r, SigmaCorrelationRule)]
    if len(rules) != 1 or len(correlations) > 1:
        raise SigmaError("a file must hold one rule (and at most one event_count correlation over it)")
    threshold = _threshold(correlations[0]) if correlations else None
    pipeline = coralogix_azure_activity(success_only=success_only)
    backend = CoralogixBackend(pipeline, True)
    rules[0]._output = True  # a rule a correlation names is marked "not for output"; we want its query
    queries = backend.convert_rule(rules[0])
    if backend.errors:
        raise backend.errors[0][1]
    return rules[0], str(queries[0]), threshold


def _threshold(correlation: SigmaCorrelationRule) -> dict[str, Any]:
    """An event_count correlation as a catalog threshold (Coralogix counts more than N per window)."""
    condition: Any = correlation.condition
    operator = condition.op.name if hasattr(condition, "op") else ""
    window = correlation.timespan.spec if correlation.timespan is not None else ""
    if str(correlation.type) != "event_count" and getattr(correlation.type, "value", "") != "event_count":
        raise SigmaError(f"{correlation.type} correlations are not imported (only event_count)")
    if correlation.group_by:
        raise SigmaError("an event_count correlation with group-by: set group_by in a values file instead")
    if operator not in ("GT", "GTE") or window not in WINDOW_SECONDS:
        allowed = ", ".join(WINDOW_SECONDS)
        raise SigmaError(f"only gt/gte conditions over a timespan of {allowed} are imported")
    count = condition.count - (1 if operator == "GTE" else 0)
    return {"count": int(count), "window": window}


def detection_id(rule_path: Path) -> str:
    stem = re.sub(r"[^a-z0-9]+", "-", rule_path.stem.lower()).strip("-")
    return ("sigma-" + stem)[:63].rstrip("-")


def _mitre(rule: SigmaRule) -> dict[str, Any]:
    table = attack_table()
    names = {name.lower().replace(" ", "-"): tid for tid, name in table.tactics.items()}
    tags = [f"{t.namespace}.{t.name}".lower() for t in rule.tags]
    tactics = [
        names[t.split(".", 1)[1]] for t in tags if t.startswith("attack.") and t.split(".", 1)[1] in names
    ]
    techniques = [t.split(".", 1)[1].upper() for t in tags if re.fullmatch(r"attack\.t\d{4}(\.\d{3})?", t)]
    for technique in techniques:
        for tactic in tactics:
            if table.pair_problem(tactic, technique) is None:
                name = table.techniques[technique]["name"]
                return {
                    "mitre": {
                        "tactic": {"id": tactic, "name": table.tactics[tactic]},
                        "techniques": [{"id": technique, "name": name}],
                    }
                }
    said = ", ".join(techniques) or "no technique"
    return {
        "attack_gap": f"The Sigma rule's tags ({said}) name no tactic and technique pair of the "
        f"project's pinned ATT&CK v{table.version} table; add the technique to the table to map it."
    }


def _text(value: Any, fallback: str) -> str:
    text = " ".join(str(value or "").split())
    return text if len(text) >= 20 else f"{text} {fallback}".strip()


def entry(
    rule_path: Path, rule: SigmaRule, query: str, display: str, threshold: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The catalog entry for one converted rule."""
    title = _text(rule.title, "(Sigma rule)")[:200]
    falsepositives = [str(f) for f in (rule.falsepositives or [])]
    level = rule.level.name.lower() if rule.level else "medium"
    references = [str(r) for r in (rule.references or []) if str(r).startswith("https://")]
    cases = [
        {"name": name, "expect": "match" if matches else "no_match", "record": record}
        for name, matches, record in generated(rule)
    ]
    return {
        "id": detection_id(rule_path),
        "title": title,
        "description": _text(rule.description, f"(imported from the Sigma rule {title!r})"),
        "impact": f"As described by the Sigma rule {title!r}: " + _text(rule.description, ""),
        "mitigation": "Review the operation and the identity behind it. Known false positives: "
        + ("; ".join(falsepositives) or "none listed by the rule."),
        "kind": "threshold" if threshold else "immediate",
        **({"threshold": threshold} if threshold else {}),
        "query": query,
        "priority": LEVELS.get(level, "P3"),
        "priority_rationale": f"Sigma level {level}, mapped by the pack's table (critical P1 .. P5).",
        **_mitre(rule),
        "references": references or ["https://github.com/SigmaHQ/sigma"],
        "notes": "Imported from Sigma; fires on the Success record only (the pipeline's success-only "
        "condition). False positives: " + ("; ".join(falsepositives) or "none listed."),
        "provenance": {
            "source": "sigma",
            "rule_id": str(rule.id),
            "author": str(rule.author or ""),
            "licence": LICENCE,
            "path": display,
        },
        "tests": {"cases": cases, **({"scenarios": _scenarios(cases, threshold)} if threshold else {})},
    }


def import_rules(paths: list[Path], out: Path, *, skip_unsupported: bool = False) -> ImportResult:
    """Write one catalog file per convertible rule into ``out`` (a catalog folder: pack.yaml is
    written when missing). A file of another origin is never overwritten; an earlier import of the
    same rule is, and the diff is kept."""
    result = ImportResult()
    planned: list[tuple[Path, dict[str, Any], Path]] = []
    for rule_path in rule_files(paths):
        try:
            rule, query, threshold = convert_with_threshold(rule_path)
        except (SigmaError, ValueError, yaml.YAMLError) as exc:
            result.refused.append((rule_path, str(exc).splitlines()[0] if str(exc) else type(exc).__name__))
            continue
        data = entry(rule_path, rule, query, str(rule_path), threshold)
        target = out / f"{data['id']}.yaml"
        problem = _collision(target, data)
        if problem:
            result.refused.append((rule_path, problem))
            continue
        planned.append((rule_path, data, target))
    if result.refused and not skip_unsupported:
        return result
    out.mkdir(parents=True, exist_ok=True)
    if not (out / "pack.yaml").exists():
        (out / "pack.yaml").write_text(PACK_YAML.format(version=attack_table().version))
    for rule_path, data, target in planned:
        text = yaml.safe_dump(data, sort_keys=False, width=100, allow_unicode=True)
        before = target.read_text() if target.exists() else ""
        lines = before.splitlines(True), text.splitlines(True)
        changed = before and before != text
        diff = "".join(difflib.unified_diff(*lines, str(target), str(target))) if changed else ""
        target.write_text(text)
        result.imported.append(Imported(rule_path, data["id"], target, data["query"], diff))
    return result


def _collision(target: Path, data: dict[str, Any]) -> str:
    if not target.exists():
        return ""
    try:
        existing = yaml.safe_load(target.read_text()) or {}
    except yaml.YAMLError:
        existing = {}
    origin = (existing.get("provenance") or {}).get("rule_id") if isinstance(existing, dict) else None
    if origin == data["provenance"]["rule_id"]:
        return ""
    return f"{target} exists and is not an import of this rule: rename or remove it first"


def _scenarios(cases: list[dict[str, Any]], threshold: dict[str, Any]) -> list[dict[str, Any]]:
    """Threshold scenarios from the first record that must match: one over the count, one at it."""
    record = next(c["record"] for c in cases if c["expect"] == "match")
    seconds = WINDOW_SECONDS[threshold["window"]]
    every = max(1.0, seconds / (threshold["count"] + 2) / 2)
    above = {"name": "more than the count within the window fires once", "expect_alerts": 1}
    at = {"name": "exactly the count stays quiet", "expect_alerts": 0}
    common = {"record": record, "start": "2026-01-02T00:00:00Z", "every_seconds": every}
    return [
        {**above, **common, "count": threshold["count"] + 1},
        {**at, **common, "count": threshold["count"]},
    ]
