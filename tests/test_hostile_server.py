"""Hostile servers and races: broken lists, malformed answers, concurrent applies, the key echoed back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
import respx

from coralogix_pack.coralogix.api import ALERTS
from coralogix_pack.deploy.answers import ApiError
from coralogix_pack.deploy.client import CoralogixClient, RetryPolicy
from coralogix_pack.deploy.target import Target
from coralogix_pack.emulator import Behaviour, Emulator

KEY = "cxtp_Hostile_Key_5d4c3b2a"
WRITES = ("POST", "PUT", "DELETE")


@pytest.fixture
def make_emulator(monkeypatch):
    monkeypatch.setenv("CORALOGIX_API_KEY", KEY)
    started: list[Emulator] = []

    def start(*names: str, page_size: int = 5) -> Emulator:
        server = Emulator(KEY, page_size=page_size, behaviour=Behaviour.from_names(list(names))).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def _deploy(cli, server: Emulator, *args: str):
    return cli(*args, "--api-url", server.base_url, "--retry-base-delay", "0", "--timeout", "5")


@pytest.mark.parametrize("behaviour", ["ignore-page-token", "repeat-page", "endless-pages"])
def test_a_list_that_misbehaves_never_leads_to_a_write(cli, make_emulator, behaviour):
    healthy = make_emulator()
    assert _deploy(cli, healthy, "apply", "--auto-approve").code == 0
    server = make_emulator(behaviour)
    for alert in healthy.alerts.values():  # the same 13 managed alerts, plus two unmanaged ones
        server.put_alert(alert["alertDefProperties"], alert["id"])
    for i in range(2):
        server.put_alert({"name": f"theirs {i}", "logsImmediate": {}})
    before = json.dumps(server.alerts, sort_keys=True)
    plan = _deploy(cli, server, "plan", "--prune")
    assert plan.code == 1, plan.text
    assert "refusing to plan" in plan.err and "alert list" in plan.err
    applied = _deploy(cli, server, "apply", "--prune", "--auto-approve")
    assert applied.code == 1
    assert [r for r in server.requests if r.method in WRITES] == []
    assert json.dumps(server.alerts, sort_keys=True) == before


def _run_apply(url: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "coralogix_pack", "apply", "--auto-approve", "--api-url", url],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "CORALOGIX_API_KEY": KEY},
    )


@pytest.mark.slow
def test_two_concurrent_applies_then_one_more_leave_exactly_13(make_emulator):
    server = make_emulator(page_size=50)
    results: list[subprocess.CompletedProcess] = []
    threads = [threading.Thread(target=lambda: results.append(_run_apply(server.base_url))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.returncode for r in results] == [0, 0], [r.stderr for r in results]
    third = _run_apply(server.base_url)
    assert third.returncode == 0, third.stdout + third.stderr
    assert "more than --max-delete" not in third.stdout + third.stderr
    managed = [a for a in server.alerts.values() if a["alertDefProperties"]["entityLabels"].get("pack")]
    detections = sorted(a["alertDefProperties"]["entityLabels"]["pack_detection"] for a in managed)
    assert len(managed) == 13 and len(set(detections)) == 13
    assert all(KEY not in r.stdout + r.stderr for r in [*results, third])


def test_copies_left_by_a_race_are_removed_within_the_delete_budget(cli, make_emulator):
    server = make_emulator()
    assert _deploy(cli, server, "apply", "--auto-approve").code == 0
    for alert in list(server.alerts.values()):  # as if a second apply had created everything again
        server.put_alert(alert["alertDefProperties"])
    assert len(server.alerts) == 26
    refused = _deploy(cli, server, "apply", "--auto-approve", "--max-delete", "12")
    assert refused.code == 1 and "more than --max-delete 12" in refused.err
    assert len(server.alerts) == 26
    result = _deploy(cli, server, "apply", "--auto-approve", "--max-delete", "13")
    assert result.code == 0, result.text
    assert len(server.alerts) == 13
    plan = _deploy(cli, server, "plan")
    assert plan.code == 0


def test_a_late_create_is_removed_by_the_reconciliation(cli, make_emulator):
    """A create interrupted in flight lands after the rerun listed: the rerun's last step removes it."""
    server = make_emulator()
    original_put = server.store.put
    landed_late = threading.Event()

    def put_then_land_a_copy(properties, alert_id=None):
        created = original_put(properties, alert_id)
        if alert_id is None and not landed_late.is_set():
            landed_late.set()
            original_put(properties)  # the interrupted run's create, landing now
        return created

    server.store.put = put_then_land_a_copy
    result = _deploy(cli, server, "apply", "--auto-approve")
    assert result.code == 0 and "Removed 1 duplicate" in result.out, result.text
    assert len(server.alerts) == 13


# ---- malformed answers (respx: any shape, no server needed) ----

BASE = "https://api.hostile.test/mgmt/openapi/5"


@pytest.mark.parametrize(
    "body",
    [
        None,
        "alerts",
        [],
        {"alertDefs": "nope"},
        {"alertDefs": ["a", "b"]},
        {"alertDefs": [{"alertDefProperties": {"entityLabels": {"managed_by": "coralogix-pack"}}}]},
        {"alertDefs": [{"id": "x", "alertDefProperties": "text"}]},
        {"alertDefs": [], "pagination": "next"},
        {"alertDefs": [], "pagination": {"nextPageToken": 7}},
    ],
)
@respx.mock
def test_malformed_list_answers_are_clear_errors(cli, monkeypatch, body):
    monkeypatch.setenv("CORALOGIX_API_KEY", KEY)
    respx.get(BASE + ALERTS).mock(return_value=httpx.Response(200, json=body))
    result = cli("plan", "--api-url", BASE)
    assert result.code == 1, result.text
    assert result.err.startswith("error: ") and "Traceback" not in result.text
    assert "internal" not in result.err


@respx.mock
def test_create_answer_without_alert_def_is_a_clear_failure(cli, monkeypatch):
    monkeypatch.setenv("CORALOGIX_API_KEY", KEY)
    respx.get(BASE + ALERTS).mock(
        return_value=httpx.Response(200, json={"alertDefs": [], "pagination": {"totalSize": 0}})
    )
    respx.post(BASE + ALERTS).mock(return_value=httpx.Response(200, json={"ok": True}))
    result = cli("apply", "--auto-approve", "--api-url", BASE, "--only", "vm-deleted")
    assert result.code == 1 and "no alertDef with an id" in result.out and "internal" not in result.err


class _Trickle(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    endless = False

    def log_message(self, *args):
        return

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        deadline = time.monotonic() + 10
        try:
            while time.monotonic() < deadline:
                chunk = b" " * (1 << 20 if self.endless else 1)
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
                if not self.endless:
                    time.sleep(0.05)
        except OSError:
            return


@pytest.mark.parametrize("endless", [False, True])
def test_trickling_or_endless_answers_end_within_the_deadline(endless):
    handler = type("H", (_Trickle,), {"endless": endless})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/mgmt/openapi/5"
    client = CoralogixClient(Target(url, KEY), timeout=0.5, retry=RetryPolicy(attempts=1))
    started = time.monotonic()
    try:
        with pytest.raises(ApiError, match=r"timed out|MiB"):
            client.list_alerts()
    finally:
        client.close()
        server.shutdown()
        server.server_close()
    assert time.monotonic() - started < 5


# ---- the key ----


def _client(transport_key: str = KEY) -> CoralogixClient:
    return CoralogixClient(Target(BASE, transport_key), retry=RetryPolicy(attempts=1))


@pytest.mark.parametrize(
    "echo",
    [
        lambda k: "x" * (300 - len(k) // 2) + k,  # straddles the 300-character cut
        lambda k: f"token {k.upper()} rejected",
        lambda k: f"token {k.lower()} rejected",
        lambda k: "url /x?key=" + k.replace("_", "%5F"),
    ],
)
@respx.mock
def test_an_echoed_key_is_redacted_in_every_form(echo):
    respx.get(BASE + ALERTS).mock(return_value=httpx.Response(400, text=echo(KEY)))
    client = _client()
    with pytest.raises(ApiError) as info:
        client.list_alerts()
    message = str(info.value).lower()
    assert KEY.lower()[:-1] not in message and KEY.lower()[1:] not in message and "***" in message


def test_the_key_in_a_live_alert_is_not_exported_or_printed(cli, make_emulator, tmp_path):
    server = make_emulator()
    assert _deploy(cli, server, "apply", "--auto-approve").code == 0
    alert = next(iter(server.alerts.values()))
    properties = json.loads(json.dumps(alert["alertDefProperties"]))
    properties["description"] = f"pasted by mistake: {KEY}"
    server.put_alert(properties, alert["id"])
    plan = _deploy(cli, server, "plan", "--detailed-exitcode")
    assert plan.code == 2 and KEY not in plan.text and "***" in plan.out
    export = _deploy(cli, server, "export", "--out", str(tmp_path / "export"))
    assert export.code == 0
    written = "".join(p.read_text() for p in (tmp_path / "export").iterdir())
    assert KEY not in written and "***" in written


@pytest.mark.parametrize(
    "args",
    [
        ("plan", KEY, "--region", "EU2"),
        ("plan", "--region", KEY),
        ("plan", "--only", KEY, "--region", "EU2"),
        ("apply", f"--{KEY}"),
    ],
)
def test_a_key_passed_as_an_argument_is_not_echoed(cli, make_emulator, args):
    make_emulator()  # sets the key in the environment, where pack learns it before parsing options
    result = cli(*args)
    assert result.code == 1 and KEY not in result.text and "***" in result.text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xef\xbb\xbf" + KEY.encode() + b"\n", None),  # a BOM is stripped
        (KEY.encode() + b"\nsecond-line\n", "holds 2 lines"),
        (b"\xff\xfe" + KEY.encode(), "not UTF-8"),
        ("cxtp_clé".encode(), "characters an API key cannot have"),
        (b"   \n", "is empty"),
    ],
)
def test_key_files_are_checked(cli, make_emulator, monkeypatch, tmp_path, content, message):
    server = make_emulator()
    monkeypatch.delenv("CORALOGIX_API_KEY")
    key_file = tmp_path / "key"
    key_file.write_bytes(content)
    result = cli("plan", "--api-url", server.base_url, "--api-key-file", key_file)
    if message is None:
        assert result.code == 0, result.text
    else:
        assert result.code == 1 and message in result.err, result.text
        assert "second-line" not in result.text and KEY not in result.text


def test_a_non_ascii_key_in_the_environment_is_a_clear_error(cli, monkeypatch):
    monkeypatch.setenv("CORALOGIX_API_KEY", "cxtp_naïve_key")
    result = cli("plan", "--api-url", "http://127.0.0.1:9/mgmt/openapi/5")
    assert result.code == 1 and "CORALOGIX_API_KEY holds characters" in result.err
