"""The pinned MITRE ATT&CK vocabulary and the pairing rules checked against it.

The table is kept in the project (no network at validation time) and covers the
ids the catalog uses plus those that appear in vendor mappings.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

_TABLE = Path(__file__).with_name("attack_enterprise_v19.json")


@dataclass(frozen=True)
class AttackTable:
    version: str
    tactics: dict[str, str]
    techniques: dict[str, dict[str, Any]]
    revoked: dict[str, dict[str, Any]]

    def tactic_problem(self, tactic_id: str) -> str | None:
        if tactic_id in self.tactics:
            return None
        if tactic_id in self.techniques or tactic_id in self.revoked:
            return f"{tactic_id} is a technique id, not a tactic id"
        return f"unknown tactic {tactic_id} in ATT&CK v{self.version}"

    def technique_problem(self, technique_id: str) -> str | None:
        if technique_id in self.techniques:
            return None
        if technique_id in self.revoked:
            entry = self.revoked[technique_id]
            return (
                f"{technique_id} ({entry['name']}) is revoked in ATT&CK v{self.version}; "
                f"use {entry['replaced_by']}"
            )
        if technique_id in self.tactics:
            return f"{technique_id} is a tactic id, not a technique id"
        return f"unknown technique {technique_id} in ATT&CK v{self.version} (not in the project's table)"

    def pair_problem(self, tactic_id: str, technique_id: str) -> str | None:
        problem = self.tactic_problem(tactic_id) or self.technique_problem(technique_id)
        if problem:
            return problem
        tactics = self.techniques[technique_id]["tactics"]
        if tactic_id not in tactics:
            names = ", ".join(f"{t} {self.tactics[t]}" for t in tactics)
            return (
                f"{technique_id} {self.techniques[technique_id]['name']} does not belong to "
                f"{tactic_id} {self.tactics[tactic_id]} in ATT&CK v{self.version} (it belongs to {names})"
            )
        return None


@cache
def attack_table() -> AttackTable:
    raw = json.loads(_TABLE.read_text(encoding="utf-8"))
    return AttackTable(raw["version"], raw["tactics"], raw["techniques"], raw["revoked"])
