"""The prefilter is a necessary condition: it never drops a record that a query matches."""

from __future__ import annotations

import pytest
from conftest import CATALOG

from coralogix_pack.catalog.loader import load_catalog
from coralogix_pack.lucene.evaluator import compile_query
from coralogix_pack.lucene.prefilter import Prefilter
from coralogix_pack.testing.cases import scenario_records
from coralogix_pack.testing.synthetic import day_of_traffic


def _records():
    catalog = load_catalog(CATALOG)
    for detection in catalog.detections:
        yield from (case.record for case in detection.cases)
        for scenario in detection.scenarios:
            yield from (record for _, record in scenario_records(scenario))
    yield from day_of_traffic(3000, seed=3)


@pytest.mark.parametrize("case_sensitive", [False, True])
def test_prefilter_keeps_every_match(case_sensitive):
    catalog = load_catalog(CATALOG)
    queries = [compile_query(d.query, case_sensitive) for d in catalog.detections]
    prefilter = Prefilter(queries)
    assert prefilter.always == []  # every shipped query yields a usable condition
    kept = dropped = 0
    for record in _records():
        candidates = set(prefilter.candidates(record))
        for index, query in enumerate(queries):
            if query.matches(record):
                assert index in candidates, (catalog.detections[index].id, record.get("operationName"))
        kept += bool(candidates)
        dropped += not candidates
    assert dropped > kept  # and it does skip most background traffic


def test_queries_without_a_condition_are_always_candidates():
    queries = [compile_query("NOT resultType:Success"), compile_query('operationName:"A/B" AND resultType:x')]
    prefilter = Prefilter(queries)
    assert prefilter.always == [0]
    assert prefilter.candidates({"operationName": "zzz"}) == [0]
    assert prefilter.candidates({"operationName": "a/b"}) == [0, 1]
    assert prefilter.candidates({"operationName": ["x", "A.B"]}) == [0, 1]  # arrays and other values too


# ---- the raw-bytes prefilter of backtest: it may only skip lines no query can match ----

import os  # noqa: E402

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

EXAMPLES = int(os.environ.get("PACK_FUZZ_EXAMPLES", "60"))

OPERATIONS = [
    "Microsoft.Compute/virtualMachines/delete",
    "MICROSOFT.COMPUTE/VIRTUALMACHINES/DELETE",
    "microsoft.compute/disks/delete",
    "Microsoft.Compute/virtualMachines/deallocate/action",
    "Microsoft.Compute/virtualMachines/write",
    "Microsoft.Storage/storageAccounts/read",
    "Microsoft.Network/networkInterfaces/write",
    "Microsoft.Compute/virtualMachineScaleSets/extensions/write",
    "Microsoft.Resources/deployments/delete",
    "Microsoft.Compute/virtualMachines/powerOff/action",
    "Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems/delete",
]


def _variant(record: dict, style: int) -> str:
    import json as _json

    compact = _json.dumps(record, separators=(",", ":"))  # the exporters' form: the one the scan skips
    if style == 0:
        return _json.dumps(record)
    if style == 1:
        return compact
    if style == 2:
        return _json.dumps(record).replace("/", "\\/")  # escaped slashes: the same JSON value
    if style == 3:
        return _json.dumps(record, ensure_ascii=True).replace("a", "\\u0061")  # escaped letters
    if style == 4:  # a duplicate key: JSON readers keep the last value
        return '{"operationName": "Microsoft.Storage/storageAccounts/read", ' + _json.dumps(record)[1:]
    if style == 5:
        return _json.dumps({"records": [record]})
    if style == 6:  # the top-level key escaped, a nested one left visible
        return compact.replace('"operationName":', '"operation\\u004eame":', 1)
    if style == 7:
        return compact + "\r"  # CRLF
    if style == 8:  # a later duplicate of the top-level key, compact
        return compact[:-1] + ',"operationName":"Microsoft.Compute/virtualMachines/delete"}'
    if style == 9:
        return compact[: len(compact) // 2]  # a line cut short
    if style == 10:
        return ""  # a blank line
    return _json.dumps(record, indent=None).replace(": ", ":  ")


records = st.fixed_dictionaries(
    {
        "time": st.sampled_from(
            [
                "2026-11-20T10:00:00Z",
                "2026-11-20T10:05:00.1234567Z",
                "2026-02-29T10:00:00Z",  # not a date: parsing skips it
                "2026-11-20T24:00:00Z",
                "2026-11-20T10:05:60Z",
                "yesterday",
            ]
        ),
        "operationName": st.sampled_from(OPERATIONS).flatmap(
            lambda op: st.sampled_from([op, op.upper(), op.lower(), op.swapcase()])
        ),
        "resultType": st.sampled_from(["Success", "Succeeded", "Failure", "Start"]),
        "resultSignature": st.sampled_from(["Succeeded.", "Failed.Conflict", "ScopeLocked"]),
    },
    optional={"properties": st.fixed_dictionaries({"operationName": st.sampled_from(OPERATIONS)})},
)


# A longer run: PACK_FUZZ_EXAMPLES=3000 python -m pytest tests/test_prefilter.py
@settings(max_examples=EXAMPLES, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lines=st.lists(st.tuples(records, st.integers(0, 11)), min_size=1, max_size=12),
    block_bytes=st.sampled_from([64, 700, 1 << 20]),  # blocks that cut lines, and the real size
)
def test_the_raw_prefilter_never_drops_a_match(tmp_path_factory, lines, block_bytes):
    from unittest import mock

    from coralogix_pack.testing import inputs
    from coralogix_pack.testing.backtest import backtest
    from coralogix_pack.values import Values

    path = tmp_path_factory.mktemp("raw") / "logs.ndjson"
    path.write_text("".join(_variant(record, style) + "\n" for record, style in lines), newline="")
    catalog = load_catalog(CATALOG)
    with mock.patch.object(inputs, "BLOCK_BYTES", block_bytes):
        scanned = backtest(catalog, [path], Values(), raw_prefilter=True)
    parsed = backtest(catalog, [path], Values(), raw_prefilter=False)
    fast, full = scanned.as_dict(), parsed.as_dict()
    assert fast["detections"] == full["detections"] and fast["alerts"] == full["alerts"]
    # (no generated line opens and closes like a record while broken inside: counts agree too)
    assert (fast["records"], fast["skipped"]) == (full["records"], full["skipped"])
    assert scanned.skip_reasons == parsed.skip_reasons
