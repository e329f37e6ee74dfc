"""Property-based hostile inputs: whatever YAML or NDJSON arrives, pack answers with exit 0 or 1,
never a traceback or an internal error (exit 3), and writes nothing outside its target."""

from __future__ import annotations

import json
import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

YAML_PIECES = [
    "name_prefix: ",
    "field_prefix: ",
    "labels:",
    "detections:",
    "vm-deleted:",
    "enabled:",
    "priority: P1",
    "threshold: {count: 5}",
    "&a ",
    "*a",
    "<<: *a",
    "!!int ",
    "!!binary ",
    "!tag ",
    "? ",
    ": ",
    "- ",
    "[",
    "]",
    "{",
    "}",
    ",",
    '"',
    "'",
    "|",
    ">",
    "#",
    "---",
    "...",
    "%YAML 1.1",
    "on",
    "null",
    "~",
    "1e999",
    "0x1F",
    "99999999999999999999999",
    "\t",
    "\\",
    "é",
    "\x00",
    "\ufeff",
]

# A longer fuzzing run: PACK_FUZZ_EXAMPLES=5000 python -m pytest tests/test_hostile_properties.py
EXAMPLES = int(os.environ.get("PACK_FUZZ_EXAMPLES", "60"))

yaml_text = st.lists(
    st.one_of(
        st.sampled_from(YAML_PIECES),
        st.sampled_from(["\n", "\n  ", "\n    ", " "]),
        st.text(alphabet="abc:-_ 0123456789.", max_size=8),
    ),
    max_size=40,
).map("".join)


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _clean(result) -> None:
    assert result.code in (0, 1), result.text
    assert "Traceback" not in result.text and "internal error" not in result.text


@settings(max_examples=EXAMPLES, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=yaml_text)
def test_any_values_yaml_is_read_or_refused_cleanly(cli, tmp_path_factory, text):
    root = tmp_path_factory.mktemp("yaml")
    values = root / "values.yaml"
    values.write_text(text, encoding="utf-8", errors="surrogateescape")
    before = _tree(root)
    _clean(cli("validate", "--values", values))
    result = cli("render", "--values", values, "--out", root / "out")
    _clean(result)
    after = _tree(root)
    assert {k: v for k, v in after.items() if not k.startswith("out/")} == before
    if result.code == 1:
        assert not (root / "out").exists()


json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=30),
    st.sampled_from(["2026-11-20T10:00:00Z", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "", "Z"]),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)
record = st.fixed_dictionaries(
    {},
    optional={
        "time": json_scalars,
        "operationName": st.sampled_from(
            ["MICROSOFT.COMPUTE/VIRTUALMACHINES/DELETE", "microsoft.compute/disks/delete", ""]
        )
        | json_scalars,
        "resultType": st.sampled_from(["Success", "Failure", "Start"]) | json_scalars,
        "records": json_values,
        "properties": json_values,
    },
)
ndjson_line = st.one_of(
    record.map(json.dumps),
    json_values.map(json.dumps),
    st.binary(max_size=40).map(lambda b: b.decode("latin-1")),
    st.just('{"time": "2026-11-20T10:00:00Z", "cut'),
)


@settings(max_examples=EXAMPLES, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(ndjson_line, max_size=12), gzipped=st.booleans())
def test_any_ndjson_is_replayed_or_refused_cleanly(cli, tmp_path_factory, lines, gzipped):
    import gzip

    root = tmp_path_factory.mktemp("ndjson")
    data = "\n".join(lines).encode("utf-8", "surrogateescape")
    path = root / "logs.ndjson"
    path.write_bytes(gzip.compress(data, mtime=0) if gzipped else data)
    before = _tree(root)
    result = cli("backtest", path, "--format", "json")
    _clean(result)
    if result.code == 0:
        report = json.loads(result.out)
        assert report["records"] + report["skipped"] + report["out_of_range"] >= 0
    assert _tree(root) == before
