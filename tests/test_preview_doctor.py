"""`pack preview` and `pack doctor` end to end against the emulator's query API, loaded with logs."""

from __future__ import annotations

import gzip
import itertools
import json
from collections import defaultdict

import pytest
from conftest import REPO
from hypothesis import given
from hypothesis import strategies as st
from synthetic import DAY_START, day_of_traffic

import coralogix_pack as cp
from coralogix_pack.coralogix.api import QUERY_PATH
from coralogix_pack.core.timeutil import format_time, parse_time
from coralogix_pack.emulator import Emulator, Fault
from coralogix_pack.emulator.logs import LogStore, split_stages, unquote
from coralogix_pack.query.dataprime import string_literal

KEY = "cxtp_Preview_Key_55aa66bb"
UNTIL = format_time(DAY_START + 2 * 86400)
WINDOW = ["--since", "3d", "--until", UNTIL, "--query-interval", "0"]


@pytest.fixture(scope="module")
def day_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("logs") / "day.ndjson.gz"
    with gzip.open(path, "wt") as handle:
        for record in day_of_traffic(3_000, seed=11):
            handle.write(json.dumps(record) + "\n")
    return path


@pytest.fixture
def account(monkeypatch, day_file, request):
    monkeypatch.setenv("CORALOGIX_API_KEY", KEY)
    prefix = getattr(request, "param", "")
    with Emulator(KEY, logs=LogStore.from_files([day_file], prefix=prefix)) as server:
        yield server


def _cli(cli, server, *args):
    return cli(*args, "--api-url", server.base_url, "--timeout", "10")


def _queries(server):
    return [r.body for r in server.requests if r.path == QUERY_PATH]


def test_preview_agrees_with_backtest(cli, account, day_file):
    result = _cli(cli, account, "preview", *WINDOW, "--format", "json")
    assert result.code == 0, result.text
    report = json.loads(result.out)
    replay = cp.backtest(cp.load_pack(), [day_file])
    previewed = {d["id"]: d for d in report["detections"]}
    assert sorted(previewed) == sorted(replay.detections)
    for detection_id, tally in replay.detections.items():
        got = previewed[detection_id]
        assert got["ok"] and got["matches"] == tally.matches, detection_id
        if got["estimate"]:  # threshold: the documented estimate (README, "before you enable")
            assert abs(got["alerts"] - tally.alerts) <= max(1, tally.alerts // 2), detection_id
        else:
            assert got["alerts"] == tally.alerts, detection_id
    assert sum(d["alerts"] for d in report["detections"]) > 0
    deleted = previewed["vm-deleted"]
    assert deleted["top_identities"] and deleted["top_resources"][0]["count"] >= 1


def test_query_bodies_carry_filters_quoting_and_tiled_ranges(cli, account):
    values = REPO / "examples" / "values.production.yaml"
    result = _cli(cli, account, "preview", *WINDOW, "--values", values, "--only", "bulk-disk-deletion")
    assert result.code == 0, result.text
    bodies = _queries(account)
    assert bodies and all(b["metadata"]["tier"] == "TIER_ARCHIVE" for b in bodies)
    for body in bodies:
        stages = split_stages(body["query"])
        assert stages[0] == "source logs"
        assert stages[1] == (
            "filter ($l.applicationname.startsWith('azure')) && ($l.subsystemname.contains('activity-log'))"
        )
        lucene = unquote(stages[2].removeprefix("lucene "))
        assert (
            lucene
            == cp.render(cp.load_pack(values=[values])).files["queries/bulk-disk-deletion.lucene"].strip()
        )
    ranges = defaultdict(list)
    for body in bodies:
        stage = split_stages(body["query"])[3]
        ranges[stage].append(
            (parse_time(body["metadata"]["startDate"]), parse_time(body["metadata"]["endDate"]))
        )
    start, end = parse_time(UNTIL) - 3 * 86400, parse_time(UNTIL)
    for spans in ranges.values():  # each question's chunks tile the window: no gap, no overlap
        spans.sort()
        assert spans[0][0] == start and spans[-1][1] == end
        assert all(a[1] == b[0] for a, b in itertools.pairwise(spans))
    grids = [s for s in ranges if "roundTime($m.timestamp + 10m, 20m)" in s]
    assert grids and any("roundTime($m.timestamp, 20m)" in s for s in ranges)


@given(st.text())
def test_dataprime_string_literals_round_trip(text):
    literal = string_literal(text)
    assert unquote(literal) == text
    assert split_stages(f"source logs | lucene {literal} | limit 1")[1] == f"lucene {literal}"


def test_limits_make_counts_a_lower_bound(cli, account):
    account.logs.bucket_limit = 1  # the three daily buckets do not fit
    result = _cli(cli, account, "preview", *WINDOW, "--only", "vm-deleted", "--format", "json")
    assert result.code == 0
    (detection,) = json.loads(result.out)["detections"]
    assert detection["at_least"] is True
    assert any("aggregationBucketsLimitWarning" in w for w in detection["warnings"])
    text = _cli(cli, account, "preview", *WINDOW, "--only", "vm-deleted")
    assert "at least" in text.out


def test_a_mid_stream_error_fails_that_detection(cli, account):
    account.faults.scripted.append(Fault("midstream", path=QUERY_PATH))
    result = _cli(cli, account, "preview", *WINDOW, "--only", "vm-deleted", "--only", "disk-deleted")
    assert result.code == 1
    assert "error: disk-deleted: the query failed after it started: injected engine failure" in result.err
    assert "FAILED" in result.out and "vm-deleted" in result.out


def test_429_with_retry_after_is_honoured(cli, account):
    account.faults.scripted.append(Fault("429", retry_after=0.4, path=QUERY_PATH))
    result = _cli(cli, account, "preview", *WINDOW, "--only", "vm-deleted", "--format", "json")
    assert result.code == 0, result.text
    first, second = [r for r in account.requests if r.path == QUERY_PATH][:2]
    assert first.status == 429 and second.status == 200
    assert second.at - first.at >= 0.4  # measured where the server saw them arrive


@pytest.mark.parametrize("account", ["body"], indirect=True)
def test_doctor_finds_a_nested_prefix_and_the_fix_works(cli, account, tmp_path):
    result = _cli(cli, account, "doctor", *WINDOW, "--format", "json")
    assert result.code == 1, result.text
    report = json.loads(result.out)
    checks = {c["name"]: c for c in report["checks"]}
    assert checks["field prefix"]["status"] == "fail" and checks["field prefix"]["found"] == "body"
    assert report["recommended_values"] == {"field_prefix": "body"}
    text = _cli(cli, account, "doctor", *WINDOW)
    assert "FAIL  field prefix" in text.out and "field_prefix: body" in text.out
    assert KEY not in text.text and KEY not in result.text
    values = tmp_path / "values.yaml"
    values.write_text("field_prefix: body\n")
    fixed = _cli(cli, account, "doctor", *WINDOW, "--values", values, "--format", "json")
    assert fixed.code == 0, fixed.out
    case = {c["name"]: c for c in json.loads(fixed.out)["checks"]}["value case"]
    assert case["operationName"] in ("upper", "mixed")
    before = json.loads(
        _cli(cli, account, "preview", *WINDOW, "--only", "vm-deleted", "--format", "json").out
    )
    after = _cli(
        cli, account, "preview", *WINDOW, "--values", values, "--only", "vm-deleted", "--format", "json"
    )
    assert before["detections"][0]["matches"] == 0  # deployed as is, the alert would stay silent
    assert json.loads(after.out)["detections"][0]["matches"] > 0


def test_doctor_reports_an_empty_account_and_a_wrong_key(cli, monkeypatch):
    monkeypatch.setenv("CORALOGIX_API_KEY", KEY)
    with Emulator(KEY) as server:
        result = _cli(cli, server, "doctor", *WINDOW)
        assert result.code == 1 and "FAIL  activity log records" in result.out
        monkeypatch.setenv("CORALOGIX_API_KEY", "cxtp_wrong_key_0000")
        result = _cli(cli, server, "doctor", *WINDOW, "--format", "json")
        checks = {c["name"]: c["status"] for c in json.loads(result.out)["checks"]}
        assert result.code == 1 and checks["alerts api"] == "fail" and checks["query api"] == "fail"


def test_json_outputs_follow_their_shipped_schemas(cli, account):
    from jsonschema import Draft202012Validator

    from coralogix_pack.core.resources import SCHEMA_DIR

    for command, schema in (("preview", "preview.schema.json"), ("doctor", "doctor.schema.json")):
        result = _cli(cli, account, command, *WINDOW, "--format", "json")
        validator = Draft202012Validator(json.loads((SCHEMA_DIR / schema).read_text()))
        assert list(validator.iter_errors(json.loads(result.out))) == [], command


def test_doctor_lists_conflicts_and_the_coralogix_extension_twin(cli, account):
    from jsonschema import Draft202012Validator

    from coralogix_pack.core.resources import SCHEMA_DIR

    assert _cli(cli, account, "apply", "--auto-approve", "--retry-base-delay", "0").code == 0
    original = next(iter(account.alerts.values()))
    copy = json.loads(json.dumps(original["alertDefProperties"]))
    copy["name"] = "the platform team's copy"
    conflict = account.put_alert(copy)["id"]
    account.put_alert({"name": "A Virtual Machine was deleted", "logsImmediate": {}})
    report = json.loads(_cli(cli, account, "doctor", *WINDOW, "--format", "json").out)
    validator = Draft202012Validator(json.loads((SCHEMA_DIR / "doctor.schema.json").read_text()))
    assert list(validator.iter_errors(report)) == []
    checks = {c["name"]: c for c in report["checks"]}
    managed = checks["managed alerts"]
    assert managed["status"] == "warn" and [c["alert_id"] for c in managed["conflicts"]] == [conflict]
    assert "the platform team's copy" in managed["message"]
    twin = checks["coralogix extension"]
    assert twin["status"] == "warn" and "vm-deleted" in twin["message"]
    assert "two alerts" in twin["message"]
