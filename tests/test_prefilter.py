"""The prefilter is a necessary condition: it never drops a record that a query matches."""

from __future__ import annotations

import pytest
from conftest import CATALOG
from synthetic import day_of_traffic

from coralogix_pack.catalog.loader import load_catalog
from coralogix_pack.logs import bytestreams
from coralogix_pack.lucene.evaluator import compile_query
from coralogix_pack.lucene.prefilter import Prefilter
from coralogix_pack.offline.cases import scenario_records


def _deployed(catalog):
    """The detections a backtest runs by default (the optional silence detection matches every record)."""
    return [d for d in catalog.detections if not d.optional]


def _records():
    catalog = load_catalog(CATALOG)
    for detection in _deployed(catalog):
        yield from (case.record for case in detection.cases)
        for scenario in detection.scenarios:
            yield from (record for _, record in scenario_records(scenario))
    yield from day_of_traffic(3000, seed=3)


@pytest.mark.parametrize("case_sensitive", [False, True])
def test_prefilter_keeps_every_match(case_sensitive):
    catalog = load_catalog(CATALOG)
    detections = _deployed(catalog)
    queries = [compile_query(d.query, case_sensitive) for d in detections]
    prefilter = Prefilter(queries)
    assert prefilter.always == []  # every shipped query yields a usable condition
    kept = dropped = 0
    for record in _records():
        candidates = set(prefilter.candidates(record))
        for index, query in enumerate(queries):
            if query.matches(record):
                assert index in candidates, (detections[index].id, record.get("operationName"))
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
    "Microsoft.Network/networkInterfaces/write",
    "Microsoft.Compute/virtualMachines/extensions/write",
]
# response bodies that decide a detection, hide its word, or spell it with non-ASCII letters that
# fold to ASCII (U+017F folds to "s", U+212A to "k")
BODIES = [
    '{"properties":{"publicIPAddress":{"id":"pip-1"}}}',
    '{"properties":{"privateIPAddress":"10.0.0.4"}}',
    '{"properties":{"type":"VMAccessAgent"}}',
    '{"properties":{"type":"AzureMonitorLinuxAgent"}}',
    '{"properties":{"publicIPAddreſs":{"id":"pip-2"}}}',
    '{"properties":{"type":"VMAccessAgent\u212a"}}',
    "publicipaddress",
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
    optional={
        "properties": st.fixed_dictionaries(
            {},
            optional={
                "operationName": st.sampled_from(OPERATIONS),
                "responseBody": st.sampled_from(BODIES),
            },
        ),
        "resourceId": st.sampled_from(
            ["/subscriptions/s/vm-1", "/subscriptions/s/vm-1/extensions/enablevmaccess"]
        ),
    },
)


# A longer run: PACK_FUZZ_EXAMPLES=3000 python -m pytest tests/test_prefilter.py
@settings(max_examples=EXAMPLES, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lines=st.lists(st.tuples(records, st.integers(0, 11)), min_size=1, max_size=12),
    block_bytes=st.sampled_from([64, 700, 1 << 20]),  # blocks that cut lines, and the real size
)
def test_the_raw_prefilter_never_drops_a_match(tmp_path_factory, lines, block_bytes):
    from unittest import mock

    from coralogix_pack.offline.backtest import BacktestOptions, backtest
    from coralogix_pack.values.model import Values

    path = tmp_path_factory.mktemp("raw") / "logs.ndjson"
    path.write_text("".join(_variant(record, style) + "\n" for record, style in lines), newline="")
    catalog = load_catalog(CATALOG)
    with mock.patch.object(bytestreams, "BLOCK_BYTES", block_bytes):
        scanned = backtest(catalog, [path], Values(), BacktestOptions(raw_prefilter=True))
    parsed = backtest(catalog, [path], Values(), BacktestOptions(raw_prefilter=False))
    fast, full = scanned.as_dict(), parsed.as_dict()
    assert fast["detections"] == full["detections"] and fast["alerts"] == full["alerts"]
    # (no generated line opens and closes like a record while broken inside: counts agree too)
    assert (fast["records"], fast["skipped"]) == (full["records"], full["skipped"])
    assert scanned.skip_reasons == parsed.skip_reasons


# ---- which lines the raw scan leaves unparsed, and the three-valued judgement behind it ----


def _line(op: str, result: str = "Success", extra: str = "", time: str = "2026-11-20T10:00:00Z") -> bytes:
    return f'{{"time":"{time}","operationName":"{op}","resultType":"{result}"{extra}}}\n'.encode()


def test_the_raw_scan_skips_only_lines_no_query_can_match():
    from coralogix_pack.logs.rawscan import RawScan

    catalog = load_catalog(CATALOG)
    scan = RawScan.for_queries([compile_query(d.query, False) for d in _deployed(catalog)])
    assert scan is not None
    nic = "Microsoft.Network/networkInterfaces/write"
    body = ',"properties":{"responseBody":"%s"}'
    lines = {
        "storage read": (_line("Microsoft.Storage/storageAccounts/read"), False),
        "NIC write that started": (_line(nic, "Start"), False),
        "NIC write, private IP only": (_line(nic, extra=body % "privateIPAddress 10.0.0.4"), False),
        "NIC write with a public IP": (_line(nic, extra=body % "publicIPAddress pip-1"), True),
        "public IP spelled with a long s": (_line(nic, extra=body % "publicIPAddreſs"), True),
        "VM delete": (_line("Microsoft.Compute/virtualMachines/delete"), True),
        "hidden top-level key": (
            _line("Microsoft.Storage/storageAccounts/read").replace(
                b'"operationName"', b'"operation\\u004eame"'
            )[:-2]
            + b',"properties":{"operationName":"x"}}\n',
            True,
        ),
        "month 13": (_line("Microsoft.Storage/storageAccounts/read", time="2026-13-01T00:00:00Z"), True),
        "CRLF": (_line("Microsoft.Storage/storageAccounts/read")[:-1] + b"\r\n", True),
        "spaced like json.dumps": (
            _line("Microsoft.Storage/storageAccounts/read").replace(b'":', b'": '),
            False,
        ),
        "spaced twice": (_line("Microsoft.Storage/storageAccounts/read").replace(b'":', b'":  '), True),
    }
    block = b"".join(line for line, _ in lines.values())
    count, parse = scan.lines_to_parse(block, 0, len(block))
    assert count == len(lines)
    names = list(lines)
    parsed = {names[index] for index, _, _ in parse}
    assert parsed == {name for name, (_, must_parse) in lines.items() if must_parse}


def test_partial_verdicts_are_three_valued():
    from coralogix_pack.lucene.evaluator import Document
    from coralogix_pack.lucene.partial import possible, required_words, verdict

    query = compile_query('operationName:"A/B" AND NOT resultType:Start AND properties.body:pip')
    read = frozenset({"operationName"})
    assert verdict(query.root, Document({"operationName": "x/y"}, True), read) is False
    assert verdict(query.root, Document({"operationName": "a/b"}, True), read) is None  # others unread
    both = frozenset({"operationName", "resultType"})
    assert verdict(query.root, Document({"operationName": "a/b", "resultType": "start"}, True), both) is False
    # a key read once may be nested: absent at the top, where NOT resultType:Start holds
    assert possible([query], {"operationName": "a/b", "resultType": "Start"}) == [0]
    assert (
        possible([compile_query('operationName:"A/B" AND resultType:Success')], {"resultType": "Start"}) == []
    )
    assert required_words(query.root) == [frozenset({"a"}), frozenset({"b"}), frozenset({"pip"})]
    assert required_words(compile_query("x:(abc OR 123)").root) == []  # digits: a number's text may differ
