"""Second hostile round, servers: one deadline for the whole exchange, any answer survivable."""

from __future__ import annotations

import json
import socket
import threading
import time

import httpx
import pytest
import respx

from coralogix_pack.coralogix.api import ALERTS

KEY = "cxtp_Hostile2_Key_9f8e7d6c"
BASE = "https://api.hostile2.test/mgmt/openapi/5"


class _RawServer:
    """A loopback TCP server that answers every connection with ``behave(conn)``; it stops by
    itself after ``lifetime`` seconds."""

    def __init__(self, behave, lifetime: float = 15.0):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.behave, self.until = behave, time.monotonic() + lifetime
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/mgmt/openapi/5"

    def _serve(self) -> None:
        while time.monotonic() < self.until:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._run, args=(conn,), daemon=True).start()
        self.sock.close()

    def _run(self, conn: socket.socket) -> None:
        try:
            conn.recv(65536)
            self.behave(conn, self.until)
        except OSError:
            pass
        finally:
            conn.close()

    def stop(self) -> None:
        self.until = 0


def _trickle_headers(conn: socket.socket, until: float) -> None:
    for byte in b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Slow: " + b"a" * 10_000:
        if time.monotonic() > until:
            return
        conn.sendall(bytes([byte]))
        time.sleep(0.2)


def _continue_forever(conn: socket.socket, until: float) -> None:
    while time.monotonic() < until:
        conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        time.sleep(0.2)


@pytest.mark.parametrize("behave", [_trickle_headers, _continue_forever], ids=["trickle", "continue"])
def test_a_slow_server_cannot_hold_plan_past_its_timeout(cli, monkeypatch, behave):
    monkeypatch.setenv("CORALOGIX_API_KEY", KEY)
    server = _RawServer(behave)
    started = time.monotonic()
    try:
        result = cli("plan", "--api-url", server.url, "--timeout", "1")
    finally:
        server.stop()
    assert result.code == 1 and "timed out" in result.err and "Traceback" not in result.text
    assert time.monotonic() - started < 1 + 5


def _listing(body, status=200, headers=None):
    return httpx.Response(status, content=body if isinstance(body, bytes) else body.encode(), headers=headers)


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ('{"alertDefs": [], "pagination": {"totalSize": "\u0661\u0663"}}', "no usable totalSize"),
        ("[" * 200_000 + "]" * 200_000, "nested too deeply"),
        ('{"alertDefs": [], "pagination": {"totalSize": ' + "9" * 5000 + "}}", "too large"),
        ('{"alertDefs": [], "pagination": {"totalSize": 1e999}}', "no usable totalSize"),
        (b'{"alertDefs": [\xff]}', "not UTF-8"),
    ],
    ids=["arabic-digits", "deep", "huge-int", "inf", "not-utf8"],
)
@respx.mock
def test_odd_list_answers_are_clear_errors(cli, monkeypatch, body, needle):
    monkeypatch.setenv("CORALOGIX_API_KEY", KEY)
    respx.get(BASE + ALERTS).mock(return_value=_listing(body, headers={"Content-Type": "application/json"}))
    result = cli("plan", "--api-url", BASE, "--retry-base-delay", "0")
    assert result.code == 1 and needle in result.err, result.text
    assert "Traceback" not in result.text and "internal error" not in result.text


@respx.mock
def test_lone_surrogates_in_server_text_are_carried_safely(cli, monkeypatch, tmp_path):
    monkeypatch.setenv("CORALOGIX_API_KEY", KEY)
    alert = {
        "id": "a1",
        "alertVersionId": "v1",
        "alertDefProperties": {
            "name": "bad \ud800 name",
            "description": "x\udfff",
            "entityLabels": {
                "managed_by": "coralogix-pack",
                "pack": "azure-vm-security",
                "pack_detection": "vm-deleted",
                "note": "\ud83d",
            },
        },
    }
    body = json.dumps({"alertDefs": [alert], "pagination": {"totalSize": 1}})  # \ud800 escapes
    respx.get(BASE + ALERTS).mock(return_value=_listing(body))
    for args in (["plan"], ["plan", "--format", "json"], ["export", "--out", str(tmp_path / "e")]):
        result = cli(*args, "--api-url", BASE, "--retry-base-delay", "0")
        assert result.code in (0, 1) and "Traceback" not in result.text, result.text
    assert "\ufffd" in (tmp_path / "e" / "vm-deleted.json").read_text(encoding="utf-8")


@pytest.mark.parametrize("value", ["Wed, 21 Oct 99999999999 07:28:00 GMT", "nan", "1e999"])
@respx.mock
def test_any_retry_after_is_survived(cli, monkeypatch, value):
    monkeypatch.setenv("CORALOGIX_API_KEY", KEY)
    respx.get(BASE + ALERTS).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": value}),
            _listing('{"alertDefs": [], "pagination": {"totalSize": 0}}'),
        ]
    )
    result = cli("plan", "--api-url", BASE, "--retry-base-delay", "0")
    assert result.code == 0, result.text
