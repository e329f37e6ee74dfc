"""Backtest reads the forms users actually export: each yields the matches of its Event Hub twin."""

from __future__ import annotations

import csv
import gzip
import io
import json

import pytest
from conftest import SHARED

from coralogix_pack.logs.formats import detect, to_eventhub

APPID = "0f1e2d3c-4b5a-4697-8877-665544332211"
RESOURCE = "/subscriptions/s1/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm-7"
EVENTHUB = {
    "time": "2026-11-20T10:00:00.123Z",
    "operationName": "Microsoft.Compute/virtualMachines/delete",
    "resultType": "Success",
    "resultSignature": "Succeeded.",
    "resourceId": RESOURCE,
    "category": "Administrative",
    "correlationId": "c0ffee00-0000-4000-8000-000000000001",
    "level": "Information",
    "identity": {"claims": {"appid": APPID, "name": "Alice Admin"}},
}


def _rest(snake: bool) -> dict:
    k = (lambda camel, s: s) if snake else (lambda camel, s: camel)
    return {
        k("eventTimestamp", "event_timestamp"): EVENTHUB["time"],
        k("operationName", "operation_name"): {"value": EVENTHUB["operationName"]},
        "status": {"value": "Succeeded"},
        k("subStatus", "sub_status"): {"value": "OK"},
        k("resourceId", "resource_id"): RESOURCE,
        "category": {"value": "Administrative"},
        k("correlationId", "correlation_id"): EVENTHUB["correlationId"],
        "level": "Informational",
        "caller": "alice@contoso.com",
        "claims": {"appid": APPID, "name": "Alice Admin"},
    }


LOG_ANALYTICS = {
    "TimeGenerated": EVENTHUB["time"],
    "OperationNameValue": "MICROSOFT.COMPUTE/VIRTUALMACHINES/DELETE",
    "ActivityStatusValue": "Success",
    "_ResourceId": RESOURCE.lower(),
    "CategoryValue": "Administrative",
    "CorrelationId": EVENTHUB["correlationId"],
    "Caller": "alice@contoso.com",
    "Claims": json.dumps({"appid": APPID, "name": "Alice Admin"}),
    "Properties": json.dumps({"statusCode": "OK"}),
}


def _write(path, records) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


def _matches(cli, path, *args) -> dict:
    result = cli("backtest", path, "--format", "json", *args)
    assert result.code == 0, result.text
    report = json.loads(result.out)
    assert report["skipped"] == 0, result.err
    return {k: (v["matches"], v["alerts"]) for k, v in report["detections"].items()}


@pytest.mark.parametrize("case", ["", "--case-sensitive"])
@pytest.mark.parametrize(
    ("form", "document"),
    [
        ("rest array", lambda: [_rest(False)]),
        ("rest value page", lambda: {"value": [_rest(False)], "nextLink": None}),
        ("sdk", lambda: _rest(True)),
        ("log analytics json", lambda: [LOG_ANALYTICS]),
        (
            "log analytics query api",
            lambda: {
                "tables": [
                    {"columns": [{"name": k} for k in LOG_ANALYTICS], "rows": [list(LOG_ANALYTICS.values())]}
                ]
            },
        ),
        ("coralogix export row", lambda: {"userData": json.dumps(EVENTHUB), "labels": [], "metadata": []}),
    ],
)
def test_each_form_matches_like_its_event_hub_twin(cli, tmp_path, form, document, case):
    twin = tmp_path / "twin.ndjson"
    _write(twin, [EVENTHUB])
    path = tmp_path / "export.json"
    path.write_text(json.dumps(document(), indent=2))
    expected = _matches(cli, twin, *([case] if case else []))
    assert expected["vm-deleted"] == (1, 1)
    assert _matches(cli, path, *([case] if case else [])) == expected, form


def test_log_analytics_csv(cli, tmp_path):
    path = tmp_path / "AzureActivity.csv.gz"
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(LOG_ANALYTICS))
    writer.writeheader()
    writer.writerow(LOG_ANALYTICS)
    with gzip.open(path, "wt") as handle:
        handle.write(text.getvalue())
    assert _matches(cli, path)["vm-deleted"] == (1, 1)
    result = json.loads(cli("backtest", path, "--format", "json").out)
    assert result["alerts"][0]["records"] == [f"{path}:2"]  # the CSV line, header counted


def test_status_values_are_mapped():
    for status, mapped in (
        ("Succeeded", "Success"),
        ("Failed", "Failure"),
        ("Started", "Start"),
        ("Accepted", "Accept"),
    ):
        rest = {**_rest(False), "status": {"value": status}}
        assert to_eventhub(rest)[0]["resultType"] == mapped
    assert detect({"foo": 1}) is None


def test_an_unknown_shape_is_reported_once_per_file_and_exits_1(cli, tmp_path):
    path = tmp_path / "weird.ndjson"
    _write(path, [{"when": "today", "what": "x"}] * 3)
    result = cli("backtest", path)
    assert result.code == 1 and "no record of any input was readable" in result.err
    assert result.err.count("an unknown record shape (keys: what, when)") == 1
    assert "readable forms: eventhub, rest, sdk, log-analytics, coralogix" in result.err


def test_a_forced_format(cli, tmp_path):
    path = tmp_path / "sdk.ndjson"
    _write(path, [_rest(True)])
    assert _matches(cli, path, "--input-format", "sdk")["vm-deleted"] == (1, 1)
    assert cli("backtest", path, "--input-format", "nope").code == 1


REALDATA = SHARED / "realdata"


@pytest.mark.skipif(not REALDATA.is_dir(), reason="shared/realdata not present")
def test_published_records_are_all_read_and_alert_only_on_what_they_show(cli):
    for path in sorted(p for p in REALDATA.iterdir() if p.suffix in (".json", ".jsonl", ".ndjson")):
        result = cli("backtest", path, "--format", "json")
        assert result.code == 0, (path.name, result.err)
        report = json.loads(result.out)
        assert report["skipped"] == 0 and report["records"] > 0, (path.name, result.err)
        lines = path.read_text().splitlines()
        for alert in report["alerts"]:
            for location in alert["records"]:
                line = int(location.rsplit(":", 1)[1].split("#")[0])
                text = lines[line - 1].lower() if path.suffix != ".json" else path.read_text().lower()
                # every alert of these files is a delete detection, on a delete record
                assert "delete" in alert["detection"] and "/delete" in text, (path.name, alert)


@pytest.mark.skipif(not REALDATA.is_dir(), reason="shared/realdata not present")
def test_published_records_give_the_same_report_without_the_raw_scan():
    from conftest import CATALOG

    from coralogix_pack.catalog.loader import load_catalog
    from coralogix_pack.offline.backtest import BacktestOptions, backtest
    from coralogix_pack.values.model import Values

    paths = sorted(p for p in REALDATA.iterdir() if p.suffix in (".json", ".jsonl", ".ndjson"))
    catalog = load_catalog(CATALOG)
    scanned = backtest(catalog, paths, Values())
    parsed = backtest(catalog, paths, Values(), BacktestOptions(raw_prefilter=False))
    assert scanned.as_dict() == parsed.as_dict() and scanned.skip_reasons == parsed.skip_reasons
