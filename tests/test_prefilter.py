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
