"""Unit tests of the Coralogix client with respx: retries, pagination, error mapping, redaction."""

from __future__ import annotations

import httpx
import pytest
import respx

from coralogix_pack.coralogix.api import ALERTS
from coralogix_pack.deploy.answers import ApiError, NotFound, Transient
from coralogix_pack.deploy.client import CoralogixClient, RetryPolicy
from coralogix_pack.deploy.target import Target, TargetError, base_url_for, read_api_key

BASE = "https://api.eu2.coralogix.com/mgmt/openapi/5"
KEY = "cxtp_SuperSecretKey42"
URL = BASE + ALERTS


@pytest.fixture
def client():
    sleeps: list[float] = []
    c = CoralogixClient(
        Target(BASE, KEY), retry=RetryPolicy(attempts=4, base_delay=0.01), sleep=sleeps.append, seed=1
    )
    c.sleeps = sleeps
    yield c
    c.close()


def _alert(i: int, detection: str = "vm-deleted") -> dict:
    return {
        "id": f"id-{i}",
        "alertDefProperties": {
            "name": f"a{i}",
            "entityLabels": {
                "managed_by": "coralogix-pack",
                "pack": "p",
                "pack_detection": detection,
                "pack_content_hash": "h",
            },
        },
    }


@respx.mock
def test_list_follows_pagination_and_sends_the_key(client):
    route = respx.get(URL).mock(
        side_effect=[
            httpx.Response(
                200,
                json={
                    "alertDefs": [_alert(1), _alert(2)],
                    "pagination": {"nextPageToken": "t2", "totalSize": 3},
                },
            ),
            httpx.Response(200, json={"alertDefs": [_alert(3)], "pagination": {"totalSize": 3}}),
        ]
    )
    assert [a["id"] for a in client.list_alerts()] == ["id-1", "id-2", "id-3"]
    first, second = route.calls
    assert first.request.headers["Authorization"] == f"Bearer {KEY}"
    assert "pagination.pageToken" not in str(first.request.url)
    assert second.request.url.params["pagination.pageToken"] == "t2"


@respx.mock
@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_idempotent_calls_retry_transient_statuses(client, status):
    route = respx.get(f"{URL}/x").mock(
        side_effect=[
            httpx.Response(status, json={"message": "busy"}),
            httpx.Response(200, json={"alertDef": {"id": "x"}}),
        ]
    )
    assert client.get_alert("x") == {"id": "x"}
    assert route.call_count == 2 and len(client.sleeps) == 1


@respx.mock
def test_retry_after_is_honoured(client):
    respx.put(URL).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "7"}),
            httpx.Response(200, json={"alertDef": {"id": "x"}}),
        ]
    )
    client.replace_alert("x", {"name": "n"})
    assert client.sleeps == [7.0]


@respx.mock
def test_backoff_grows_with_jitter_and_gives_up(client):
    respx.get(URL).mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(Transient, match="cannot connect"):
        client.list_alerts()
    assert len(client.sleeps) == 3  # 4 attempts
    assert all(0 <= s <= 0.01 * 2**i for i, s in enumerate(client.sleeps))


@respx.mock
def test_500_is_retried_for_reads_only(client):
    route = respx.get(URL).mock(
        side_effect=[
            httpx.Response(500, json={"message": "boom"}),
            httpx.Response(200, json={"alertDefs": [], "pagination": {"totalSize": 0}}),
        ]
    )
    assert client.list_alerts() == [] and route.call_count == 2
    put = respx.put(URL).mock(return_value=httpx.Response(500, json={"message": "boom"}))
    with pytest.raises(ApiError, match="HTTP 500 boom"):
        client.replace_alert("x", {"name": "n"})
    assert put.call_count == 1


@respx.mock
def test_lost_create_is_found_by_listing_instead_of_retried(client):
    post = respx.post(URL).mock(side_effect=httpx.ReadTimeout("lost"))
    respx.get(URL).mock(
        return_value=httpx.Response(200, json={"alertDefs": [_alert(9)], "pagination": {"totalSize": 1}})
    )
    created = client.create_alert({"name": "a9"}, lambda alerts: alerts[0] if alerts else None)
    assert created["id"] == "id-9"
    assert post.call_count == 1


@respx.mock
def test_lost_create_that_did_not_land_is_retried(client):
    post = respx.post(URL).mock(
        side_effect=[
            httpx.RemoteProtocolError("dropped"),
            httpx.Response(200, json={"alertDef": {"id": "new"}}),
        ]
    )
    listing = respx.get(URL).mock(
        return_value=httpx.Response(200, json={"alertDefs": [], "pagination": {"totalSize": 0}})
    )
    assert client.create_alert({"name": "x"}, lambda alerts: None)["id"] == "new"
    assert post.call_count == 2 and listing.call_count == 1


@respx.mock
def test_rate_limited_create_is_retried_without_listing(client):
    post = respx.post(URL).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "0"}),
            httpx.Response(200, json={"alertDef": {"id": "new"}}),
        ]
    )
    listing = respx.get(URL).mock(
        return_value=httpx.Response(200, json={"alertDefs": [], "pagination": {"totalSize": 0}})
    )
    assert client.create_alert({"name": "x"}, lambda alerts: None)["id"] == "new"
    assert post.call_count == 2 and listing.call_count == 0


@respx.mock
def test_delete_whose_answer_was_lost_converges(client):
    respx.delete(f"{URL}/x").mock(side_effect=[httpx.ReadTimeout("lost"), httpx.Response(404, json={})])
    client.delete_alert("x")  # the first attempt deleted it


@respx.mock
def test_delete_of_unknown_alert_is_not_found(client):
    respx.delete(f"{URL}/x").mock(
        return_value=httpx.Response(404, json={"message": "Not Found: no such alert"})
    )
    with pytest.raises(NotFound):
        client.delete_alert("x")


@respx.mock
@pytest.mark.parametrize("status", [401, 403])
def test_auth_errors_name_the_permissions(client, status):
    respx.get(URL).mock(return_value=httpx.Response(status, json={"message": "denied"}))
    with pytest.raises(ApiError) as info:
        client.list_alerts()
    message = str(info.value)
    assert f"HTTP {status}" in message and "alerts:ReadConfig" in message and "alerts:UpdateConfig" in message
    assert "--region" in message


@respx.mock
def test_bad_request_carries_the_server_message(client):
    respx.post(URL).mock(return_value=httpx.Response(400, json={"code": 400, "message": "name: too long"}))
    with pytest.raises(ApiError, match="HTTP 400, the API rejected the request: name: too long"):
        client.create_alert({"name": "x"}, lambda alerts: None)


@respx.mock
def test_non_json_answer(client):
    respx.get(URL).mock(
        return_value=httpx.Response(200, text="<html>login</html>", headers={"content-type": "text/html"})
    )
    with pytest.raises(ApiError, match="expected JSON, got text/html"):
        client.list_alerts()


@respx.mock
def test_key_echoed_by_the_server_is_redacted(client):
    respx.get(URL).mock(return_value=httpx.Response(400, json={"message": f"bad token {KEY}"}))
    with pytest.raises(ApiError) as info:
        client.list_alerts()
    assert KEY not in str(info.value) and "***" in str(info.value)
    assert KEY not in repr(client.target)


def test_regions_and_urls(monkeypatch):
    for name in ("CORALOGIX_REGION", "CORALOGIX_ENV", "CORALOGIX_DOMAIN"):
        monkeypatch.delenv(name, raising=False)
    assert base_url_for("eu1", None) == "https://api.eu1.coralogix.com/mgmt/openapi/5"
    assert base_url_for("US2", None) == "https://api.us2.coralogix.com/mgmt/openapi/5"
    assert base_url_for("usa3", None) == "https://api.us3.coralogix.com/mgmt/openapi/5"
    assert base_url_for("APAC1", None) == "https://api.ap1.coralogix.com/mgmt/openapi/5"
    assert base_url_for(None, None, "eu2.coralogix.com") == "https://api.eu2.coralogix.com/mgmt/openapi/5"
    assert base_url_for(None, None, "api.coralogix.in") == "https://api.coralogix.in/mgmt/openapi/5"
    assert base_url_for(None, "https://example.test/mgmt/openapi/5/") == "https://example.test/mgmt/openapi/5"
    assert base_url_for(None, "http://127.0.0.1:9/x") == "http://127.0.0.1:9/x"
    monkeypatch.setenv("CORALOGIX_REGION", "AP3")
    assert base_url_for(None, None) == "https://api.ap3.coralogix.com/mgmt/openapi/5"
    monkeypatch.setenv("CORALOGIX_ENV", "us1")
    with pytest.raises(TargetError, match="disagree"):
        base_url_for(None, None)
    monkeypatch.delenv("CORALOGIX_REGION")
    assert base_url_for(None, None) == "https://api.us1.coralogix.com/mgmt/openapi/5"
    monkeypatch.setenv("CORALOGIX_DOMAIN", "us3.coralogix.com")
    with pytest.raises(TargetError, match="both CORALOGIX_ENV and CORALOGIX_DOMAIN"):
        base_url_for(None, None)
    monkeypatch.delenv("CORALOGIX_ENV")
    assert base_url_for(None, None) == "https://api.us3.coralogix.com/mgmt/openapi/5"
    assert base_url_for("EU2", None) == "https://api.eu2.coralogix.com/mgmt/openapi/5"  # a flag wins
    with pytest.raises(TargetError, match="unknown region 'mars1'"):
        base_url_for("mars1", None)
    with pytest.raises(TargetError, match="not a Coralogix domain"):
        base_url_for(None, None, "https://x/y")
    with pytest.raises(TargetError, match="--region and --domain"):
        base_url_for("EU1", None, "eu2.coralogix.com")
    with pytest.raises(TargetError, match="only travel over HTTPS"):
        base_url_for(None, "http://api.coralogix.com/mgmt/openapi/5")


def test_api_key_sources(monkeypatch, tmp_path):
    monkeypatch.delenv("CORALOGIX_API_KEY", raising=False)
    with pytest.raises(TargetError, match="no API key"):
        read_api_key(None)
    monkeypatch.setenv("CORALOGIX_API_KEY", " k1 \n")
    assert read_api_key(None) == "k1"
    key_file = tmp_path / "key"
    key_file.write_text("k2\n")
    assert read_api_key(key_file) == "k2"
    key_file.write_text("")
    with pytest.raises(TargetError, match="is empty"):
        read_api_key(key_file)
