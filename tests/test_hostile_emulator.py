"""The emulator answers every request, however odd, with a status and a reason: never a trace."""

from __future__ import annotations

import json

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coralogix_pack.emulator import Emulator

KEY = "cxtp_Emulator_Key_424242aa"


@pytest.fixture(scope="module")
def server():
    with Emulator(KEY) as running:
        yield running


def _get(server, params):
    return httpx.get(
        server.base_url + "/alerts/alerts/v3",
        params=params,
        headers={"Authorization": f"Bearer {KEY}"},
        timeout=5,
    )


@pytest.mark.parametrize(
    "params",
    [
        {"pagination.pageToken": "abc"},
        {"pagination.pageToken": "9" * 5000},
        {"pagination.pageToken": "\u0661\u0662"},
        {"pagination.pageToken": "-1"},
        {"pagination.pageSize": "0"},
        {"pagination.pageSize": "1001"},
        {"pagination.pageSize": "9" * 5000},
        {"pagination.pageSize": "x"},
    ],
)
def test_odd_page_tokens_and_sizes_get_a_status_and_a_reason(server, params):
    answer = _get(server, params)
    assert answer.status_code in (200, 400), answer.text
    if answer.status_code == 400:
        assert "pagination" in answer.json()["message"]


def _query(server, body):
    return httpx.post(
        server.base_url.replace("/mgmt/openapi/5", "") + "/api/v1/dataprime/query",
        content=body if isinstance(body, bytes) else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"},
        timeout=5,
    )


WINDOW = {"startDate": "2026-11-20T00:00:00Z", "endDate": "2026-11-21T00:00:00Z"}


@pytest.mark.parametrize(
    "body",
    [
        {"query": "source logs | filter $d.x ~~ lucene('operationName:(')", "metadata": WINDOW},
        {"query": "source logs", "metadata": {**WINDOW, "limit": 0}},
        {"query": "source logs", "metadata": {**WINDOW, "limit": 10**12}},
        {"query": "source logs", "metadata": {**WINDOW, "limit": "10"}},
        {"query": "source logs", "metadata": "now"},
        {"query": 7},
        [],
        b"[" * 100_000,
    ],
)
def test_odd_query_bodies_get_a_400_with_a_reason(server, body):
    answer = _query(server, body)
    assert answer.status_code == 400 and answer.json()["message"], answer.text


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(token=st.text(max_size=30), size=st.text(max_size=12))
def test_any_page_parameters_are_answered(server, token, size):
    answer = _get(server, {"pagination.pageToken": token, "pagination.pageSize": size})
    assert answer.status_code in (200, 400)
