"""`pack coverage`: the enabled detections as an ATT&CK Navigator layer, scored by priority.

The layer uses the Navigator's layer format 4.5 and the catalog's pinned ATT&CK version, so it
opens in the Navigator next to other tools' layers; a technique several detections cover gets the
highest score among them, and its comment lists them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from coralogix_pack.catalog.attack import attack_table
from coralogix_pack.catalog.model import Catalog
from coralogix_pack.values.model import Values

LAYER_VERSION = "4.5"
NAVIGATOR_VERSION = "5.1.0"
SCORES = {"P1": 5, "P2": 4, "P3": 3, "P4": 2, "P5": 1}


def shortname(tactic_name: str) -> str:
    """The tactic's short name as the Navigator wants it: 'Defense Impairment' -> 'defense-impairment'."""
    return tactic_name.strip().lower().replace(" ", "-")


@dataclass
class Cell:
    technique: str
    name: str
    tactic: str
    score: int = 0
    detections: list[str] = field(default_factory=list)


def coverage(catalog: Catalog, values: Values) -> list[Cell]:
    table = attack_table()
    cells: dict[tuple[str, str], Cell] = {}
    for detection in catalog.detections:
        if not values.enabled(detection.id):
            continue
        priority = values.priority(detection.id, detection.priority)
        if detection.tactic is None:
            continue
        tactic = shortname(table.tactics[detection.tactic.id])
        for technique in detection.techniques:
            cell = cells.setdefault(
                (technique.id, tactic), Cell(technique.id, table.techniques[technique.id]["name"], tactic)
            )
            cell.score = max(cell.score, SCORES[priority])
            cell.detections.append(f"{detection.id} ({priority})")
    return sorted(cells.values(), key=lambda c: (c.tactic, c.technique))


def layer(catalog: Catalog, values: Values) -> dict[str, Any]:
    cells = coverage(catalog, values)
    return {
        "name": f"{catalog.pack.name} {catalog.pack.version}",
        "versions": {
            "attack": catalog.pack.attack_version,
            "navigator": NAVIGATOR_VERSION,
            "layer": LAYER_VERSION,
        },
        "domain": "enterprise-attack",
        "description": "Enabled coralogix-pack detections; score 5 = P1 ... 1 = P5 (highest per technique).",
        "sorting": 3,
        "hideDisabled": False,
        "techniques": [
            {
                "techniqueID": c.technique,
                "tactic": c.tactic,
                "score": c.score,
                "color": "",
                "comment": ", ".join(c.detections),
                "enabled": True,
                "metadata": [],
                "links": [],
                "showSubtechniques": False,
            }
            for c in cells
        ],
        "gradient": {"colors": ["#fff7bc", "#fe9929", "#cc4c02"], "minValue": 1, "maxValue": 5},
        "legendItems": [{"label": f"{p}: score {s}", "color": ""} for p, s in SCORES.items()],
        "metadata": [],
        "links": [],
        "showTacticRowBackground": False,
        "selectTechniquesAcrossTactics": True,
        "selectSubtechniquesWithParent": False,
    }
