"""Table-driven semantics of the Lucene evaluator."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coralogix_pack.lucene.evaluator import UnsupportedQuery, compile_query, tokens
from coralogix_pack.lucene.syntax import QuerySyntaxError

RECORD = {
    "operationName": "MICROSOFT.COMPUTE/VIRTUALMACHINES/DELETE",
    "resourceId": "/subscriptions/abc/resourceGroups/RG-1/providers/Microsoft.Compute/virtualMachines/vm-01",
    "resultType": "Success",
    "durationMs": 2826,
    "level": "Information",
    "empty": "",
    "nothing": None,
    "properties": {
        "statusCode": "Conflict",
        "statusMessage": '{"error":{"code":"ScopeLocked","message":"The scope is locked"}}',
        "tags": ["prod", "pci zone"],
        "nics": [{"name": "nic-a"}, {"name": "nic-b"}],
    },
    "identity": {
        "claims": {"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn": "alice@contoso.com"}
    },
    "a.b": "literal dotted key",
    "flag": True,
}

CASES = [
    # query, case-insensitive verdict, case-sensitive verdict
    ('operationName:"MICROSOFT.COMPUTE/VIRTUALMACHINES/DELETE"', True, True),
    ('operationName:"Microsoft.Compute/virtualMachines/delete"', True, False),
    ('operationName:"MICROSOFT.COMPUTE/DELETE"', False, False),  # phrase = consecutive tokens
    ('operationName:"VIRTUALMACHINES/DELETE"', True, True),  # a phrase may sit inside the value
    ("operationName:VIRTUALMACHINES", True, True),  # term = one token
    ("operationName:VIRTUAL", False, False),  # no partial tokens
    ("operationName:VIRTUAL*", True, True),  # wildcard on one token
    ("operationName:virt?almachines", True, False),
    ("resultType:success", True, False),
    (r"resourceId:\/subscriptions\/abc*", False, False),  # escaped slashes: wildcard applies per token
    ("properties.statusMessage:ScopeLocked", True, True),  # tokens inside a JSON string
    ('properties.statusMessage:"scope is locked"', True, True),
    ('properties.statusMessage:"Scope Is Locked"', True, False),
    ("properties.statusCode:Conflict AND resultType:Success", True, True),
    ("properties.statusCode:Conflict AND resultType:Failure", False, False),
    ("resultType:Failure OR properties.statusCode:Conflict", True, True),
    ("resultType:Failure OR (resultType:Success AND level:Information)", True, True),
    ("(resultType:Failure OR resultType:Success) AND level:Error", False, False),
    ("NOT resultType:Failure", True, True),
    ("-resultType:Success", False, False),
    ("+resultType:Success", True, True),
    ("NOT missing.field:anything", True, True),  # NOT of a missing field holds
    ("missing.field:anything", False, False),
    ("_exists_:properties.statusCode", True, True),
    ("_exists_:empty", True, True),  # empty string counts as a value
    ("_exists_:nothing", False, False),  # null does not
    ("NOT _exists_:missing", True, True),
    ("properties.tags:prod", True, True),  # arrays: any element
    ('properties.tags:"pci zone"', True, True),
    ('properties.tags:"prod pci"', False, False),  # a phrase does not span array elements
    ("properties.nics.name:nic-b", True, True),  # arrays of objects fan out
    ('a.b:"literal dotted"', True, True),  # literal dotted keys
    ("durationMs:2826", True, True),  # numbers match their text
    ("durationMs:[1000 TO 3000]", True, True),
    ("durationMs:{2826 TO 3000]", False, False),  # exclusive bound
    ("durationMs:[2826 TO *]", True, True),
    ("durationMs:>3000", False, False),
    ("durationMs:<=2826", True, True),
    ("durationMs.numeric:[2000 TO 2900]", True, True),
    ("level:[Error TO Warning]", True, True),  # a range on text compares text
    ("level:[error TO warning]", True, False),  # ... after folding case, in the default mode
    ('operationName.keyword:"microsoft.compute/virtualmachines/delete"', True, False),  # whole value
    ("operationName.keyword:MICROSOFT*", True, True),
    ('operationName.keyword:"VIRTUALMACHINES/DELETE"', False, False),
    ("flag:true", True, True),
    ("ScopeLocked", True, True),  # no field: any value of the record
    (
        "identity.claims.http\\:\\/\\/schemas.xmlsoap.org\\/ws\\/2005\\/05\\/identity\\/claims\\/upn:alice",
        True,
        True,
    ),
]


@pytest.mark.parametrize(("query", "insensitive", "sensitive"), CASES, ids=[c[0][:50] for c in CASES])
def test_semantics(query, insensitive, sensitive):
    assert compile_query(query).matches(RECORD) is insensitive
    assert compile_query(query, case_sensitive=True).matches(RECORD) is sensitive


@pytest.mark.parametrize(
    "query",
    [
        "operationName:/VIRTUAL.*/",
        "resultType:Sucess~1",
        '"a b"~2',
        "resultType:Success^2",
        "resultType:Success level:Information",
    ],
)
def test_unsupported_constructs_are_errors(query):
    with pytest.raises(UnsupportedQuery):
        compile_query(query)


def test_syntax_errors_are_errors():
    with pytest.raises(QuerySyntaxError):
        compile_query("resultType:(Success OR")


def test_tokenisation():
    assert tokens("MICROSOFT.COMPUTE/disks/delete", fold=True) == ("microsoft", "compute", "disks", "delete")
    assert tokens('{"code":"ScopeLocked"}', fold=False) == ("code", "ScopeLocked")
    assert tokens("vm_web-01", fold=False) == ("vm", "web", "01")


def test_explain_names_the_deciding_clause():
    query = compile_query(
        'operationName:"MICROSOFT.COMPUTE/VIRTUALMACHINES/DELETE" AND resultType:(Failure OR Failed)'
    )
    assert query.explain(RECORD) == (False, "resultType:(Failure OR Failed)")
    query = compile_query("resultType:Failure OR NOT level:Information OR properties.statusCode:Conflict")
    assert query.explain(RECORD) == (True, "properties.statusCode:Conflict")


@settings(max_examples=150, deadline=None)
@given(
    pattern=st.text(alphabet="ab*?.\n", max_size=8),
    text=st.text(alphabet="abAB.\n", max_size=12),
    fold=st.booleans(),
)
def test_wildcards_match_like_the_regular_expression_they_mean(pattern, text, fold):
    import re as regex

    from coralogix_pack.lucene.evaluator import Glob

    flags = regex.IGNORECASE if fold else 0
    body = "".join(".*" if c == "*" else "." if c == "?" else regex.escape(c) for c in pattern)
    expected = regex.fullmatch(body, text, flags | regex.DOTALL) is not None
    assert Glob(pattern, flags).fullmatch(text) is expected
