"""The compiled schema check only ever says "valid" when jsonschema agrees.

It is a fast path: a document it accepts skips jsonschema, so if it were more lenient a broken
detection would pass validation silently. Mutations of every shipped detection, values file and
rendered alert body are checked both ways.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from coralogix_pack.coralogix.body_schema import body_validator, fast_body_check
from coralogix_pack.documents.fast_schema import FastSchema, surely_valid
from coralogix_pack.documents.schema_check import fast_check, validator

ROOT = Path(__file__).resolve().parents[1]
DETECTIONS = sorted(p for p in (ROOT / "catalog").glob("*.yaml") if p.name != "pack.yaml")
ALERTS = sorted((ROOT / "rendered" / "default" / "alerts").glob("*.json"))

ODD_VALUES: list[Any] = [None, True, 0, 1.5, -1, "", "x", "2026-13-45", [], [1], {}, {"zz": 1}]


def _agrees(schema: str | None, document: Any) -> None:
    if schema is None:
        fast = surely_valid(fast_body_check().compiled(), document)
        slow = not list(body_validator().iter_errors(document))
    else:
        fast = surely_valid(fast_check(schema).compiled(), document)
        slow = not list(validator(schema).iter_errors(document))
    assert not (fast and not slow), f"compiled check accepted what jsonschema rejects: {document!r:.300}"
    assert fast == slow, f"compiled check rejected a valid document (only slower): {document!r:.300}"


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


def _replace(document: Any, path: tuple[Any, ...], new: Any) -> Any:
    copied = copy.deepcopy(document)
    parent = copied
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = new
    return copied


@pytest.mark.parametrize("path", DETECTIONS, ids=lambda p: p.stem)
def test_shipped_detections_are_valid_both_ways(path: Path) -> None:
    _agrees("detection.schema.json", yaml.safe_load(path.read_text()))


@settings(max_examples=120, deadline=None)
@given(st.data())
def test_mutated_detections_agree(data: st.DataObject) -> None:
    document = yaml.safe_load(data.draw(st.sampled_from(DETECTIONS)).read_text())
    path = data.draw(st.sampled_from(_paths(document)))
    _agrees("detection.schema.json", _replace(document, path, data.draw(st.sampled_from(ODD_VALUES))))


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_mutated_alert_bodies_agree(data: st.DataObject) -> None:
    if not ALERTS:
        pytest.skip("no committed render")
    body = json.loads(data.draw(st.sampled_from(ALERTS)).read_text())
    _agrees(None, body)
    path = data.draw(st.sampled_from(_paths(body)))
    _agrees(None, _replace(body, path, data.draw(st.sampled_from(ODD_VALUES))))


@settings(max_examples=50, deadline=None)
@given(st.data())
def test_mutated_values_agree(data: st.DataObject) -> None:
    document = yaml.safe_load((ROOT / "examples" / "values.production.yaml").read_text())
    _agrees("values.schema.json", document)
    path = data.draw(st.sampled_from(_paths(document)))
    _agrees("values.schema.json", _replace(document, path, data.draw(st.sampled_from(ODD_VALUES))))


def test_a_valid_catalog_loads_without_importing_jsonschema() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from coralogix_pack.catalog.loader import load_catalog\n"
        f"load_catalog(__import__('pathlib').Path({str(ROOT / 'catalog')!r}))\n"
        "print('jsonschema' in sys.modules)\n"
    )
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout == "False\n"


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-20T10:00:00Z",
        "2026-11-20t10:00:00.5z",
        "2026-11-20T10:00:00+01:00",
        "2026-02-30T00:00:00Z",
        "2026-11-20T10:00:60Z",
        "2026-11-20 10:00:00Z",
        "2026-11-20T10:00:00",
        "20261120T100000Z",
    ],
)
def test_the_compiled_date_time_check_is_never_more_lenient(text: str) -> None:
    check = FastSchema({"type": "string", "format": "date-time"})
    from jsonschema import Draft202012Validator

    jsonschema_accepts = Draft202012Validator.FORMAT_CHECKER.conforms(text, "date-time")
    assert not (check.surely_valid(text) and not jsonschema_accepts)


def test_schemas_with_other_formats_are_left_to_jsonschema() -> None:
    assert FastSchema({"type": "string", "format": "email"}).compiled() is None
