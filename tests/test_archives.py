"""pack backtest over the archives users keep: storage-account folders of hour files, Event Hub
Capture (Avro), CSV told by content, saved DataPrime answers; empty inputs and skip reasons."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from conftest import CATALOG
from synthetic import day_of_traffic

from coralogix_pack.catalog.loader import load_catalog
from coralogix_pack.core.timeutil import parse_time
from coralogix_pack.logs.inputs import hour_of
from coralogix_pack.offline.backtest import backtest
from coralogix_pack.offline.replay import BacktestOptions
from coralogix_pack.values.model import Values

SUBSCRIPTION = "7C1E2F4A-9B3D-4E8F-A1C2-5D6E7F8A9B0C"
# The documented Event Hubs Capture schema (Microsoft.ServiceBus.Messaging.EventData)
CAPTURE_SCHEMA = {
    "type": "record",
    "name": "EventData",
    "namespace": "Microsoft.ServiceBus.Messaging",
    "fields": [
        {"name": "SequenceNumber", "type": "long"},
        {"name": "Offset", "type": "string"},
        {"name": "EnqueuedTimeUtc", "type": "string"},
        {
            "name": "SystemProperties",
            "type": {"type": "map", "values": ["long", "double", "string", "bytes"]},
        },
        {
            "name": "Properties",
            "type": {"type": "map", "values": ["long", "double", "string", "bytes", "null"]},
        },
        {"name": "Body", "type": ["null", "bytes"]},
    ],
}


def _two_days() -> list[dict[str, Any]]:
    """A day of traffic (its first 24 hours) and the same again a day later: 48 hour files."""
    records = list(day_of_traffic(3_000, seed=5))
    first_hour = parse_time(records[0]["time"]) // 3600
    day = [r for r in records if parse_time(r["time"]) // 3600 - first_hour < 24]
    return day + [{**r, "time": _shift(r["time"], 86_400)} for r in day]


def _shift(moment: str, seconds: float) -> str:
    shifted = datetime.fromtimestamp(parse_time(moment) + seconds, UTC)
    return shifted.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"


def _hour_path(root: Path, moment: str) -> Path:
    at = datetime.fromtimestamp(parse_time(moment), UTC)
    return (
        root
        / "insights-activity-logs"
        / "resourceId="
        / "SUBSCRIPTIONS"
        / SUBSCRIPTION
        / f"y={at.year}/m={at.month:02d}/d={at.day:02d}/h={at.hour:02d}/m=00"
        / "PT1H.json"
    )


def _storage_folder(root: Path, records: list[dict[str, Any]]) -> list[Path]:
    files: dict[Path, list[str]] = {}
    for record in records:
        files.setdefault(_hour_path(root, record["time"]), []).append(json.dumps(record))
    for path, lines in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return sorted(files)


def _report(paths: list[Path], **options: Any) -> dict[str, Any]:
    result = backtest(load_catalog(CATALOG), paths, Values(), BacktestOptions(**options))
    document = result.as_dict()
    for alert in document["alerts"]:
        alert.pop("records")  # locations name the files
    return document


def test_a_storage_account_folder_gives_the_report_of_its_concatenation(tmp_path):
    records = _two_days()
    files = _storage_folder(tmp_path / "archive", records)
    assert len(files) == 48
    together = tmp_path / "all.ndjson"
    together.write_text("".join(f.read_text(encoding="utf-8") for f in files), encoding="utf-8")
    from_folder = _report([tmp_path / "archive"])
    assert from_folder == _report([together])
    assert _report([tmp_path / "archive"], jobs=2) == from_folder
    assert from_folder["records"] == len(records) and from_folder["skipped"] == 0
    assert sum(d["alerts"] for d in from_folder["detections"].values()) > 20


def test_from_and_to_open_only_the_hour_files_in_range(tmp_path):
    files = _storage_folder(tmp_path / "archive", _two_days())
    wanted = files[5:7]  # two hours of the first day
    start = hour_of(wanted[0])
    assert start is not None
    end = start + 2 * 3600
    read: list[int] = []
    options = BacktestOptions(start=start, end=end)
    result = backtest(load_catalog(CATALOG), [tmp_path / "archive"], Values(), options, on_bytes=read.append)
    assert sum(read) == sum(f.stat().st_size for f in wanted)
    assert result.records == sum(len(f.read_text(encoding="utf-8").splitlines()) for f in wanted)
    assert result.out_of_range == 0


def _capture(path: Path, records: list[dict[str, Any]], per_event: int = 40, late: float = 95) -> None:
    from fastavro import parse_schema, writer

    def events() -> Any:
        for number, begin in enumerate(range(0, len(records), per_event)):
            batch = records[begin : begin + per_event]
            arrival = datetime.fromtimestamp(parse_time(batch[-1]["time"]) + late, UTC)
            yield {
                "SequenceNumber": number,
                "Offset": str(number * 4096),
                "EnqueuedTimeUtc": _windows_time(arrival),
                "SystemProperties": {"x-opt-sequence-number": number},
                "Properties": {},
                "Body": json.dumps({"records": batch}).encode(),
            }

    with path.open("wb") as handle:
        writer(handle, parse_schema(CAPTURE_SCHEMA), events())


def _windows_time(at: datetime) -> str:
    """How .NET writes a UTC time by default (en-US): 11/20/2026 9:05:03 PM."""
    half = "PM" if at.hour >= 12 else "AM"
    return f"{at.month}/{at.day}/{at.year} {at.hour % 12 or 12}:{at.minute:02d}:{at.second:02d} {half}"


def test_an_event_hub_capture_file_gives_the_alerts_of_its_ndjson_twin(tmp_path, cli):
    records = list(day_of_traffic(2_000, seed=9))
    capture = tmp_path / "00.avro"
    _capture(capture, records)
    twin = tmp_path / "twin.ndjson"
    twin.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    assert _report([capture]) == _report([twin])
    report = json.loads(cli("backtest", capture, "--format", "json").out)
    location = report["alerts"][0]["records"][0]
    assert location.startswith(f"{capture}#") and ":" in location.removeprefix(f"{capture}#")
    event, record = map(int, location.removeprefix(f"{capture}#").split(":"))
    assert records[(event - 1) * 40 + record - 1]["operationName"].lower().endswith("/delete")


def test_capture_arrival_times_feed_the_evaluation_delay_model(tmp_path):
    records = list(day_of_traffic(500, seed=3))
    prompt, late = tmp_path / "prompt.avro", tmp_path / "late.avro"
    _capture(prompt, records)
    _capture(late, records, late=2 * 3600)  # two hours late: past every threshold window
    on_time = _report([prompt], arrival_field="EnqueuedTimeUtc")
    assert on_time["detections"]["bulk-disk-deletion"]["alerts"] == 1
    lagged = _report([late], arrival_field="EnqueuedTimeUtc")
    assert lagged["detections"]["bulk-disk-deletion"]["alerts"] == 0
    assert _report([late])["detections"]["bulk-disk-deletion"]["alerts"] == 1  # without the arrival model
    assert lagged["detections"]["vm-deleted"] == on_time["detections"]["vm-deleted"]  # immediate: unaffected


def _csv_text() -> str:
    header = "TimeGenerated [UTC],OperationNameValue,ActivityStatusValue,ResourceId,CorrelationId,Properties"
    rows = [
        '"11/20/2026, 9:00:08.123 AM",MICROSOFT.COMPUTE/VIRTUALMACHINES/DELETE,Success,'
        "/SUBSCRIPTIONS/X/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMPUTE/VIRTUALMACHINES/VM1,c-1,{}",
        "2026/11/20 21:10:00.000,MICROSOFT.COMPUTE/DISKS/DELETE,Succeeded,"
        "/SUBSCRIPTIONS/X/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMPUTE/DISKS/D1,c-2,{}",
    ]
    return header + "\n" + "\n".join(rows) + "\n"


def test_a_portal_csv_is_read_by_content_from_any_name_and_from_stdin(cli, tmp_path, monkeypatch):
    named = tmp_path / "query_data.txt"  # not *.csv
    named.write_text(_csv_text(), encoding="utf-8")
    report = json.loads(cli("backtest", named, "--format", "json").out)
    assert report["records"] == 2 and report["skipped"] == 0
    times = [a["time"] for a in report["alerts"]]
    assert "2026-11-20T09:00:08.123000Z" in times and "2026-11-20T21:10:00Z" in times
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(_csv_text().encode())))
    from_stdin = json.loads(cli("backtest", "-", "--format", "json").out)
    assert from_stdin["detections"] == report["detections"]
    forced = tmp_path / "export.data"
    forced.write_text(_csv_text().replace("OperationNameValue", "OperationNameValue "), encoding="utf-8")
    assert (
        json.loads(cli("backtest", forced, "--input-format", "csv", "--format", "json").out)["records"] == 2
    )


def test_empty_inputs_exit_1_naming_each(cli, tmp_path):
    empty, blank = tmp_path / "empty.ndjson", tmp_path / "blank.ndjson"
    empty.write_bytes(b"")
    blank.write_bytes(b"\n\n")
    good = tmp_path / "good.ndjson"
    good.write_text(json.dumps(next(iter(day_of_traffic(1, seed=1)))) + "\n", encoding="utf-8")
    result = cli("backtest", empty, good, blank)
    assert result.code == 1
    assert (
        f"error: {empty}: no readable record" in result.err
        and f"error: {blank}: no readable record" in result.err
    )
    assert f"error: {good}" not in result.err
    assert cli("backtest", good).code == 0
    header_only = tmp_path / "export.csv"
    header_only.write_text("TimeGenerated [UTC],OperationNameValue\n\n", encoding="utf-8")
    result = cli("backtest", header_only)
    assert result.code == 1
    assert f"{header_only}:1: skipped: a CSV header and no rows" in result.err


def test_a_saved_dataprime_answer_is_read(cli, tmp_path):
    records = [r for r in day_of_traffic(50, seed=2)][:30]
    rows = [{"metadata": [], "labels": [], "userData": json.dumps(r)} for r in records]
    lines = [
        {"queryId": {"queryId": "0b6f-example"}},
        {"result": {"results": rows[:20]}},
        {"warning": {"resultsLimitWarning": {"resultsLimit": 2000}}},
        {"result": {"results": rows[20:]}},
        {"statistics": {"bytesScanned": 1}},
    ]
    answer = tmp_path / "answer.ndjson"
    answer.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    report = json.loads(cli("backtest", answer, "--format", "json").out)
    assert report["records"] == 30 and report["skipped"] == 0
    failed = tmp_path / "failed.ndjson"
    failed.write_text(json.dumps({"error": {"message": "Compilation errors"}}) + "\n", encoding="utf-8")
    result = cli("backtest", failed)
    assert (
        result.code == 1
        and "a DataPrime answer's error line" in result.err
        and "Compilation errors" in result.err
    )
    broken_rows = tmp_path / "broken-rows.ndjson"
    broken_rows.write_text(
        json.dumps({"result": {"results": [{"userData": "{cut"}, {"userData": None}]}}) + "\n"
    )
    result = cli("backtest", broken_rows)
    for item in (1, 2):
        assert (
            f"{broken_rows}:1#{item}: skipped: a Coralogix export row whose userData is not a JSON object"
            in result.err
        )


def test_skip_reasons_name_the_form_and_the_missing_field(cli, tmp_path):
    forms = {
        "rest": {
            "operationName": {"value": "Microsoft.Compute/virtualMachines/delete"},
            "status": {"value": "Succeeded"},
        },
        "sdk": {"operation_name": {"value": "Microsoft.Compute/disks/delete"}},
        "log-analytics": {"OperationNameValue": "MICROSOFT.COMPUTE/DISKS/DELETE"},
        "eventhub": {"operationName": "MICROSOFT.COMPUTE/DISKS/DELETE", "resultType": "Success"},
    }
    path = tmp_path / "timeless.ndjson"
    path.write_text("".join(json.dumps(r) + "\n" for r in forms.values()), encoding="utf-8")
    result = cli("backtest", path)
    assert result.code == 1
    assert (
        f"{path}:1: skipped: no usable time: a REST API / portal record without eventTimestamp" in result.err
    )
    assert f"{path}:2: skipped: no usable time: an Azure SDK record without event_timestamp" in result.err
    assert (
        f"{path}:3: skipped: no usable time: a Log Analytics (AzureActivity) record without TimeGenerated"
        in (result.err)
    )
    assert (
        f"{path}:4: skipped: no usable time: an Event Hub / storage-account export record without time"
        in (result.err)
    )


def test_broken_capture_files_are_reported_not_crashed_on(cli, tmp_path):
    records = list(day_of_traffic(200, seed=4))
    whole = tmp_path / "whole.avro"
    _capture(whole, records, per_event=10)
    cut = tmp_path / "cut.avro"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size * 2 // 3])
    garbage = tmp_path / "garbage.avro"
    garbage.write_bytes(b"Obj\x01 not an avro header")
    result = cli("backtest", cut, garbage, "--format", "json")
    assert result.code == 1 and "internal error" not in result.text
    assert f"{cut}#" in result.err and "truncated" in result.err
    assert f"{garbage}#1: skipped: stopped reading this Event Hub Capture (Avro) file" in result.err
    report = json.loads(result.out)
    assert 0 < report["records"] < len(records)  # the events before the cut are read
    assert report["empty_inputs"] == [str(garbage)]


def test_an_avro_file_that_is_not_a_capture_is_named_so(cli, tmp_path):
    from fastavro import writer

    other = tmp_path / "metrics.avro"
    with other.open("wb") as handle:
        writer(
            handle,
            {"type": "record", "name": "Metric", "fields": [{"name": "value", "type": "int"}]},
            [{"value": 1}],
        )
    result = cli("backtest", other)
    assert result.code == 1
    assert (
        f"{other}#1: skipped: stopped reading this Event Hub Capture (Avro) file: "
        "its events have no Body field" in result.err
    )
    assert "(fields: value)" in result.err
