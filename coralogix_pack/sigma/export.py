"""`pack export sigma`: the catalog's detections as Sigma rules (DRL-style attribution to the pack).

Immediate detections become plain rules; threshold detections a rule and an ``event_count``
correlation over it. The query's structure is kept (AND, OR, NOT as named selections); a quoted
value of a whole-value field is an exact value, a single word elsewhere a ``contains`` (Lucene
matches it as a word inside the value). Every case variant the query lists is kept: Sigma compares
case-insensitively, but `pack import sigma` turns each back into the variants it lists.
A single unquoted word is a word search in Lucene, so it becomes ``contains`` whatever the field.
"""

from __future__ import annotations

import uuid
from itertools import count
from pathlib import Path
from typing import Any

import yaml
from luqum.tree import (
    AndOperation,
    FieldGroup,
    Group,
    Item,
    Not,
    OrOperation,
    Phrase,
    Prohibit,
    SearchField,
    Word,
)

from coralogix_pack.catalog.attack import attack_table
from coralogix_pack.catalog.model import Catalog, Detection, Kind
from coralogix_pack.core.diagnostics import Diagnostic, PackError
from coralogix_pack.core.files import write_atomic
from coralogix_pack.lucene.syntax import parse

WHOLE_VALUE_FIELDS = {"operationName", "resourceId", "resultType", "category"}
PRIORITY_LEVELS = {"P1": "critical", "P2": "high", "P3": "medium", "P4": "low", "P5": "informational"}
_NAMESPACE = uuid.UUID("2f8b6d7e-4c1a-5e3b-9a0d-7c6e5b4a3f21")


class Unexportable(Exception):
    """A query construct with no Sigma counterpart here (ranges, _exists_, regex)."""


def _values(node: Item) -> list[Item]:
    if isinstance(node, (FieldGroup, Group)):
        return _values(node.expr)
    if isinstance(node, OrOperation):
        return [v for child in node.children for v in _values(child)]
    if isinstance(node, (Word, Phrase)):
        return [node]
    raise Unexportable(f"{type(node).__name__} inside a field")


def _selection(field: str, node: Item) -> dict[str, list[str]]:
    exact: list[str] = []
    contains: list[str] = []
    for value in _values(node):
        text = value.value[1:-1] if isinstance(value, Phrase) else value.value
        if isinstance(value, Word) and ("*" in text or "?" in text):
            raise Unexportable(f"wildcard {text}")
        whole = isinstance(value, Phrase) and field.rsplit(".", 1)[-1] in WHOLE_VALUE_FIELDS
        (exact if whole else contains).append(text.replace('\\"', '"'))
    found: dict[str, list[str]] = {}
    if exact:
        found[field] = exact
    if contains:
        found[f"{field}|contains"] = contains
    return found


class _Builder:
    def __init__(self) -> None:
        self.selections: dict[str, dict[str, list[str]]] = {}
        self._numbers = count(1)

    def condition(self, node: Item) -> str:
        if isinstance(node, (AndOperation, OrOperation)):
            word = " and " if isinstance(node, AndOperation) else " or "
            return "(" + word.join(self.condition(c) for c in node.children) + ")"
        if isinstance(node, (Not, Prohibit)):
            return "not " + self.condition(node.a)
        if isinstance(node, Group):
            return self.condition(node.expr)
        if isinstance(node, SearchField):
            parts = _selection(node.name, node.expr)
            names = []
            for key, values in parts.items():
                name = f"selection_{next(self._numbers)}"
                self.selections[name] = {key: values}
                names.append(name)
            return names[0] if len(names) == 1 else "(" + " or ".join(names) + ")"
        raise Unexportable(f"{type(node).__name__} at the top of the query")


def _tags(detection: Detection) -> list[str]:
    if detection.tactic is None:
        return []
    table = attack_table()
    tactic = table.tactics[detection.tactic.id].lower().replace(" ", "-")
    return [f"attack.{tactic}", *(f"attack.{t.id.lower()}" for t in detection.techniques)]


def sigma_documents(detection: Detection, pack: str) -> list[dict[str, Any]]:
    """The Sigma rule (and, for a threshold, its correlation) of one detection."""
    builder = _Builder()
    condition = builder.condition(parse(detection.query))
    if condition.startswith("(") and condition.endswith(")") and condition.count("(") == 1:
        condition = condition[1:-1]
    name = f"coralogix_pack_{detection.id.replace('-', '_')}"
    rule: dict[str, Any] = {
        "title": detection.title,
        "id": str(uuid.uuid5(_NAMESPACE, f"{pack}/{detection.id}")),
        "name": name,
        "status": "experimental",
        "description": detection.description,
        "references": list(detection.references),
        "author": f"coralogix-pack ({pack})",
        "tags": _tags(detection),
        "logsource": {"product": "azure", "service": "activitylogs"},
        "detection": {**builder.selections, "condition": condition},
        "falsepositives": [detection.notes or "See the detection's notes in the catalog."],
        "level": PRIORITY_LEVELS[detection.priority],
    }
    if not rule["tags"]:
        del rule["tags"]
    documents = [rule]
    if (
        detection.kind is Kind.THRESHOLD
        and detection.threshold is not None
        and not detection.threshold.less_than
    ):
        documents.append(
            {
                "title": f"{detection.title} (count)",
                "id": str(uuid.uuid5(_NAMESPACE, f"{pack}/{detection.id}/correlation")),
                "status": "experimental",
                "correlation": {
                    "type": "event_count",
                    "rules": [name],
                    "timespan": detection.threshold.window,
                    "condition": {"gt": detection.threshold.count},
                },
                "level": PRIORITY_LEVELS[detection.priority],
            }
        )
    return documents


def export_catalog(catalog: Catalog) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """File name -> Sigma YAML for each exportable detection; (id, reason) for the others."""
    files: dict[str, str] = {}
    refused: list[tuple[str, str]] = []
    for detection in catalog.detections:
        if not detection.kind.has_query or detection.kind not in (Kind.IMMEDIATE, Kind.THRESHOLD):
            refused.append((detection.id, f"a {detection.kind} detection has no Sigma form here"))
            continue
        if detection.threshold is not None and detection.threshold.less_than:
            refused.append((detection.id, "Sigma correlations count more than, not fewer than"))
            continue
        try:
            documents = sigma_documents(detection, catalog.pack.name)
        except Unexportable as exc:
            refused.append((detection.id, str(exc)))
            continue
        text = yaml.safe_dump_all(documents, sort_keys=False, width=100, allow_unicode=True)
        files[f"{detection.id}.yml"] = text
    return files, refused


def write_export(
    catalog: Catalog, folder: Path, *, force: bool = False
) -> tuple[list[Path], list[tuple[str, str]]]:
    """Write ``export_catalog`` into ``folder``: new, empty, or holding only Sigma rules (``force``:
    any folder)."""
    foreign = [p.name for p in folder.iterdir() if p.suffix != ".yml"] if folder.is_dir() else []
    if foreign and not force:
        message = f"holds files other than Sigma rules ({', '.join(sorted(foreign)[:3])})"
        hint = "choose a new folder, or --force"
        raise PackError(
            [Diagnostic(file=str(folder), path="--out", message=message, hint=hint, code="CXP713")]
        )
    files, refused = export_catalog(catalog)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in files.items():
        write_atomic(folder / name, text)
        written.append(folder / name)
    return written, refused
