from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import pytest
from conftest import CATALOG, DETECTION_IDS
from synthetic import EXPECTED, Operation, day_of_traffic, lifecycle

from coralogix_pack.catalog.loader import load_catalog
from coralogix_pack.offline.backtest import backtest
from coralogix_pack.offline.windows import ThresholdFiring
from coralogix_pack.values.model import Values

START = 1_800_000_000.0


def _write(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def _ops(name: str, count: int, every: float, resource: str = "Microsoft.Compute/disks/d") -> list[dict]:
    rng = random.Random(1)
    records = []
    for i in range(count):
        records += lifecycle(Operation(name, f"{resource}{i}"), START + i * every, rng)
    return records


def _json(cli, *args) -> dict:
    result = cli("backtest", *args, "--format", "json")
    assert result.code == 0, result.text
    return json.loads(result.out)


def test_one_vm_delete_lifecycle(cli, tmp_path):
    records = lifecycle(
        Operation("Microsoft.Compute/virtualMachines/delete", "Microsoft.Compute/virtualMachines/vm1"),
        START,
        random.Random(2),
    )
    assert [r["resultType"] for r in records] == ["Start", "Accept", "Success"]
    report = _json(cli, _write(tmp_path / "vm.ndjson", records))
    assert report["records"] == 3 and report["skipped"] == 0
    assert sorted(report["detections"]) == sorted(DETECTION_IDS)
    tally = report["detections"]["vm-deleted"]
    assert {k: tally[k] for k in ("matches", "alerts", "enabled", "exceptions")} == {
        "matches": 1,
        "alerts": 1,
        "enabled": True,
        "exceptions": [],
    }
    assert tally["top_operations"] == [{"value": "MICROSOFT.COMPUTE/VIRTUALMACHINES/DELETE", "count": 1}]
    assert len(tally["top_identities"]) == 1 and tally["top_resource_groups"][0]["count"] == 1
    assert report["detections"]["resource-deleted"]["matches"] == 1
    assert report["detections"]["locked-vm-delete-attempt"]["matches"] == 0
    vm_alert = next(a for a in report["alerts"] if a["detection"] == "vm-deleted")
    assert vm_alert == {
        "detection": "vm-deleted",
        "time": "2027-01-15T08:00:05Z",
        "matches": 1,
        "records": [f"{tmp_path / 'vm.ndjson'}:3"],  # file:line of the record
    }


@pytest.mark.parametrize(("count", "alerts"), [(11, 1), (10, 0)])
def test_bulk_disk_deletion(cli, tmp_path, count, alerts):
    report = _json(cli, _write(tmp_path / "disks.ndjson", _ops("Microsoft.Compute/disks/delete", count, 100)))
    assert report["detections"]["disk-deleted"]["matches"] == count
    expected = {"matches": count, "alerts": alerts, "enabled": True, "exceptions": []}
    tally = report["detections"]["bulk-disk-deletion"]
    assert {k: tally[k] for k in expected} == expected


def test_window_edges():
    def fire(gaps: list[float]) -> int:
        firing, moment, alerts = ThresholdFiring("x", 10, 1200), START, 0
        for gap in gaps:
            moment += gap
            alerts += firing.feed(moment, None) is not None
        return alerts

    assert fire([0] + [120] * 10) == 0  # the 11th lands exactly 20 minutes after the first: outside
    assert fire([0] + [119.999] * 10) == 1
    assert fire([0] * 11) == 1  # all at the same instant
    assert fire([0] * 11 + [1] * 30) == 1  # stays above the threshold: no second alert
    assert fire([0] * 11 + [1300] + [0] * 10) == 2  # dropped to 1, then above again: fires again


def test_refire_only_after_dropping_to_threshold():
    firing = ThresholdFiring("x", 10, 1200)
    times = (
        [START + i for i in range(11)]
        + [START + 600 + i for i in range(5)]
        + [START + 1250 + i for i in range(6)]
    )
    fired = [t for t in times if firing.feed(t, None)]
    # at START+1250 the first 11 have expired but the 5 at +600.. remain: 5+6 = 11 > 10 after a drop to 5
    assert fired == [START + 10, START + 1255]


def test_input_formats_gzip_and_bad_lines(cli, tmp_path):
    records = _ops("Microsoft.Compute/disks/delete", 4, 30)  # 12 records, 4 Success
    plain = tmp_path / "a.ndjson"
    plain.write_text(
        json.dumps(records[0])
        + "\n"
        + "not json at all\n"
        + json.dumps({"records": records[1:4]})
        + "\n"  # an Event Hub message on one line
        + "\n"
        + "[1, 2]\n"
        + json.dumps({"operationName": "x"})
        + "\n"  # no time
        + json.dumps({**records[4], "time": "yesterday"})
        + "\n"
    )
    document = tmp_path / "b.json"
    document.write_text(json.dumps({"records": records[5:8]}, indent=2))  # pretty-printed Event Hub document
    zipped = tmp_path / "c.ndjson.gz"
    with gzip.open(zipped, "wt") as handle:
        handle.write("".join(json.dumps(r) + "\n" for r in records[8:]))
    result = cli("backtest", plain, document, zipped, "--format", "json")
    assert result.code == 0
    report = json.loads(result.out)
    assert report["records"] == 11 and report["skipped"] == 5  # [1, 2] is an array of two non-records
    assert report["detections"]["disk-deleted"]["matches"] == 4
    assert f"{plain}:2: skipped: not JSON" in result.err
    assert f"{plain}:5#1: skipped: record is not a JSON object" in result.err
    assert f"{plain}:6: skipped: no usable time" in result.err
    assert f"{plain}:7: skipped: time 'yesterday' is not RFC 3339" in result.err


def test_broken_first_line_does_not_hide_the_rest(cli, tmp_path):
    records = _ops("Microsoft.Compute/disks/delete", 2, 30)
    path = tmp_path / "broken.ndjson"
    path.write_text(
        '{"time": "2027-01-15T08:00:00Z", "operationName": \n'
        + "".join(json.dumps(r) + "\n" for r in records)
    )
    result = cli("backtest", path, "--format", "json")
    report = json.loads(result.out)
    assert report["skipped"] == 1 and report["records"] == 6
    assert report["detections"]["disk-deleted"]["matches"] == 2
    assert f"{path}:1: skipped: not JSON" in result.err


def test_out_of_order_input_is_replayed_in_time_order(cli, tmp_path):
    records = _ops("Microsoft.Compute/disks/delete", 11, 60)
    random.Random(3).shuffle(records)
    report = _json(cli, _write(tmp_path / "shuffled.ndjson", records))
    assert report["detections"]["bulk-disk-deletion"]["alerts"] == 1
    alert = next(a for a in report["alerts"] if a["detection"] == "bulk-disk-deletion")
    assert alert["matches"] == 11 and alert["time"] == "2027-01-15T08:10:05Z"


def test_from_to_and_values(cli, tmp_path):
    path = _write(tmp_path / "disks.ndjson", _ops("Microsoft.Compute/disks/delete", 12, 100))
    report = _json(cli, path, "--from", "2027-01-15T08:05:00Z", "--to", "2027-01-15T08:20:00Z")
    assert report["detections"]["disk-deleted"]["matches"] == 9  # deletes at 08:05:05 .. 08:18:25
    values = tmp_path / "v.yaml"
    values.write_text(
        "detections:\n  bulk-disk-deletion: {threshold: {count: 20}}\n  disk-deleted: {enabled: false}\n"
    )
    report = _json(cli, path, "--values", values)
    assert report["detections"]["bulk-disk-deletion"]["alerts"] == 0
    disabled = report["detections"]["disk-deleted"]
    assert (disabled["matches"], disabled["alerts"], disabled["enabled"]) == (0, 0, False)


def test_field_prefix_from_values(cli, tmp_path):
    nested = [{"body": r, "time": r["time"]} for r in _ops("Microsoft.Compute/disks/delete", 1, 1)]
    path = _write(tmp_path / "nested.ndjson", nested)
    assert _json(cli, path)["detections"]["disk-deleted"]["matches"] == 0
    values = tmp_path / "v.yaml"
    values.write_text("field_prefix: body\n")
    assert _json(cli, path, "--values", values)["detections"]["disk-deleted"]["matches"] == 1


def test_bad_arguments(cli, tmp_path):
    result = cli("backtest", tmp_path / "missing.ndjson")
    assert result.code != 0 and "Traceback" not in result.text
    path = _write(tmp_path / "x.ndjson", [])
    result = cli("backtest", path, "--from", "last tuesday")
    assert result.code == 1 and "--from" in result.err and "RFC 3339" in result.err


def test_day_of_mixed_traffic(cli, tmp_path):
    path = tmp_path / "day.ndjson.gz"
    with gzip.open(path, "wt") as handle:
        for record in day_of_traffic(20_000, seed=11):
            handle.write(json.dumps(record) + "\n")
    for mode in ([], ["--case-sensitive"]):
        report = _json(cli, path, *mode)
        assert report["skipped"] == 0 and report["records"] > 20_000
        got = {k: (v["matches"], v["alerts"]) for k, v in report["detections"].items()}
        assert got == EXPECTED
        assert len(report["alerts"]) == sum(a for _, a in EXPECTED.values())


def test_library_backtest_matches_cli(tmp_path):
    path = _write(
        tmp_path / "vm.ndjson",
        _ops("Microsoft.Compute/virtualMachines/delete", 2, 5, "Microsoft.Compute/virtualMachines/v"),
    )
    result = backtest(load_catalog(CATALOG), [path], Values())
    assert result.detections["vm-deleted"].matches == 2


def test_locations_point_at_file_lines_and_message_indexes(cli, tmp_path):
    record = {
        "time": "2026-11-20T10:00:00Z",
        "operationName": "MICROSOFT.COMPUTE/VIRTUALMACHINES/DELETE",
        "resultType": "Success",
    }
    path = tmp_path / "mixed.ndjson"
    path.write_text(
        json.dumps({"time": "2026-11-20T09:00:00Z", "operationName": "x"})
        + "\nthis line is garbage\n"
        + json.dumps(record)
        + "\n"
        + json.dumps({"records": [{"time": "2026-11-20T09:30:00Z", "operationName": "y"}, record]})
        + "\n"
    )
    result = cli("backtest", path, "--format", "json")
    assert result.code == 0
    alerts = json.loads(result.out)["alerts"]
    located = [r for a in alerts if a["detection"] == "vm-deleted" for r in a["records"]]
    assert located == [f"{path}:3", f"{path}:4#2"]
    assert f"{path}:2: skipped" in result.err
    assert cli("backtest", path, "--strict").code == 1


def test_noise_breakdown_timeline_and_html_report(cli, tmp_path):
    day = tmp_path / "day.ndjson.gz"
    with gzip.open(day, "wt") as handle:
        for record in day_of_traffic(2_000, seed=5):
            handle.write(json.dumps(record) + "\n")
    report_file = tmp_path / "report.html"
    text = cli("backtest", day, "--top", "2", "--report", report_file)
    assert text.code == 0
    assert "disk-deleted: identities:" in text.out and "disk-deleted: alerts on 2026-11-" in text.out
    document = json.loads(cli("backtest", day, "--format", "json", "--top", "2").out)
    tally = document["detections"]["disk-deleted"]
    assert 1 <= len(tally["top_identities"]) <= 2 and tally["top_operations"][0]["count"] >= 1
    html = report_file.read_text()
    assert html.startswith("<!doctype html>") and "<svg" in html and "disk-deleted" in html
    assert "<script" not in html and "http" not in html.split("<body>")[1]  # self-contained


def test_locations_stay_right_after_lines_the_raw_scan_skips(cli, tmp_path):
    def compact(operation: str, time: str = "2026-11-20T10:00:00Z") -> str:
        record = {"time": time, "operationName": operation, "resultType": "Success"}
        return json.dumps(record, separators=(",", ":"))

    lines = [compact("Microsoft.Storage/storageAccounts/read"), "this line is garbage"]
    lines += [compact("Microsoft.Storage/storageAccounts/read") for _ in range(47)]
    lines.append(compact("MICROSOFT.COMPUTE/VIRTUALMACHINES/DELETE"))  # line 50
    path = tmp_path / "compact.ndjson"
    path.write_text("\n".join(lines) + "\n")
    result = cli("backtest", path, "--format", "json")
    report = json.loads(result.out)
    assert (result.code, report["records"], report["skipped"]) == (0, 49, 1)
    located = [r for a in report["alerts"] if a["detection"] == "vm-deleted" for r in a["records"]]
    assert located == [f"{path}:50"] and f"{path}:2: skipped" in result.err
