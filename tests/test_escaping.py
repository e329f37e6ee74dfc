"""JSON and HCL string escaping round-trip through real parsers, alone and inside rendered files."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import hcl2
import pytest
from hcl2 import SerializationOptions
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from coralogix_pack.rendering.escaping import hcl_string, json_value

# python-hcl2 only lexes an escaped "$${" when a "}" closes it, keeps escapes between "$${" and
# "}" verbatim, and reads an escaped CR back as a newline, so hypothesis leaves those out;
# Terraform itself checks them below.
PIECES = st.sampled_from(
    ['"', "\\", "\n", "\t", "$", "%", "{", "}", "${x}", "%{ if }", "$${y}", "é", "漢", "🙂"]
)
# an open template sequence, or one holding a character that needs an escape before its "}"
HCL2_BLIND_SPOT = re.compile(r'[$%]\{(?:[^}]*$|[^}]*["\\\x00-\x1f\x7f])')
TRICKY = (
    st.lists(
        st.one_of(PIECES, st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\r")),
        max_size=30,
    )
    .map("".join)
    .filter(lambda t: HCL2_BLIND_SPOT.search(t) is None)
)


def _hcl_decode(text: str) -> str:
    """python-hcl2 keeps template escapes; Terraform turns $${ and %%{ back into ${ and %{."""
    options = SerializationOptions(strip_string_quotes=True)
    return (
        hcl2.loads(f"v = {text}\n", serialization_options=options)["v"]
        .replace("$${", "${")
        .replace("%%{", "%{")
    )


@given(TRICKY)
def test_json_round_trip(value):
    assert json.loads(json_value(value)) == value


@given(TRICKY)
def test_hcl_round_trip(value):
    assert _hcl_decode(hcl_string(value)) == value


BARE = [
    "${",
    "%{",
    "a${b",
    "$${",
    "%%{",
    'q"\\${x}\n',
    "$",
    "}${",
    "a\rb\r\n",
    "tab\there",
    '${"}',
    "a%{b\\c\n}",
]


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform not on PATH")
def test_terraform_decodes_escapes_exactly(tmp_path):
    body = "".join(f'output "o{i}" {{\n  value = {hcl_string(v)}\n}}\n' for i, v in enumerate(BARE))
    (tmp_path / "main.tf").write_text(body)
    env = {**os.environ, "TF_CLI_CONFIG_FILE": os.devnull, "TF_IN_AUTOMATION": "1"}
    subprocess.run(
        ["terraform", "apply", "-auto-approve", "-no-color", "-input=false"],
        cwd=tmp_path,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    out = subprocess.run(
        ["terraform", "output", "-json"],
        cwd=tmp_path,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    decoded = json.loads(out)
    assert [decoded[f"o{i}"]["value"] for i in range(len(BARE))] == BARE


def test_hcl_escapes_template_sequences():
    assert hcl_string("a${b}%{c}") == '"a$${b}%%{c}"'
    assert hcl_string('q"\\') == '"q\\"\\\\"'


@settings(
    max_examples=8,  # each example renders the whole pack and parses its Terraform
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    title=TRICKY.map(lambda t: "T " + " ".join(t.split()) + " T"),
    description=TRICKY.map(lambda t: "D" * 20 + t),
)
def test_rendered_files_round_trip_tricky_text(tmp_path_factory, title, description):
    import yaml
    from conftest import CATALOG, TEMPLATES

    from coralogix_pack.catalog.loader import load_catalog
    from coralogix_pack.rendering.engine import Templates
    from coralogix_pack.rendering.pipeline import render_pack
    from coralogix_pack.values.model import Values

    catalog_dir = tmp_path_factory.mktemp("c") / "catalog"
    shutil.copytree(CATALOG, catalog_dir)
    path = catalog_dir / "vm-deleted.yaml"
    raw = yaml.safe_load(path.read_text())
    raw["title"], raw["description"] = title, description
    path.write_text(yaml.safe_dump(raw, allow_unicode=True))
    # PyYAML's dump does not round-trip every line break (NEL before LF folds): compare with
    # what the catalog file says, which is what pack must carry
    written = yaml.safe_load(path.read_text())
    title, description = written["title"], written["description"]
    rendered = render_pack(load_catalog(catalog_dir), Values(), Templates(TEMPLATES))
    alert = json.loads(rendered.files["alerts/vm-deleted.json"])["alertDefProperties"]
    assert alert["name"] == title.strip()
    assert alert["description"].startswith(description.strip())
    options = SerializationOptions(strip_string_quotes=True)
    main = hcl2.loads(rendered.files["terraform/main.tf"], serialization_options=options)
    entry = main["locals"][0]["catalog"]["vm-deleted"]

    def decode(text: str) -> str:
        return text.replace("$${", "${").replace("%%{", "%{")

    assert decode(entry["title"]) == title.strip()
    assert decode(main["locals"][0]["description"]["vm-deleted"]) == alert["description"]


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=20,
)


@settings(max_examples=150)
@given(JSON_VALUES, st.booleans())
def test_pretty_json_writes_what_the_standard_library_writes(value, sort_keys):
    from coralogix_pack.core.jsontext import pretty_json

    expected = json.dumps(value, indent=2, ensure_ascii=False, sort_keys=sort_keys)
    assert pretty_json(value, sort_keys=sort_keys) == expected
    assert pretty_json({"threshold": 1.5e-05, "big": 2**70}) == json.dumps(
        {"threshold": 1.5e-05, "big": 2**70}, indent=2
    )


def test_pretty_json_of_a_rendered_alert_takes_the_fast_path(monkeypatch):
    from pathlib import Path

    from coralogix_pack.core import jsontext

    body = json.loads((Path(__file__).parents[1] / "rendered/default/alerts/vm-deleted.json").read_text())
    expected = json.dumps(body, indent=2, ensure_ascii=False)

    def refuse(*args, **kwargs):
        raise AssertionError("the standard library was used for a body without floats")

    monkeypatch.setattr(jsontext.json, "dumps", refuse)
    assert jsontext.pretty_json(body) == expected


@settings(max_examples=40)
@given(
    st.dictionaries(st.text(), JSON_VALUES), st.text(), st.lists(JSON_VALUES, max_size=7), st.integers(1, 3)
)
def test_pretty_json_in_pieces_is_the_same_text(head, key, items, batch):
    """A long report is written a few list items at a time: the pieces join to the whole text."""
    from coralogix_pack.core.jsontext import pretty_json_pieces

    value = {**head, key: items}
    expected = json.dumps(value, indent=2, ensure_ascii=False)
    assert "".join(pretty_json_pieces(value, key, batch=batch)) == expected


@settings(max_examples=150)
@given(JSON_VALUES)
@example([-(2**63) - 1, 2**64])  # orjson reads these integers as floats
def test_canonical_json_and_loads_agree_with_the_standard_library(value):
    """The content hash of an alert is over this text: orjson must write the very same bytes."""
    from coralogix_pack.core.jsontext import canonical, loads

    expected = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert canonical(value) == expected
    assert loads(expected) == json.loads(expected)
    assert canonical({"b": 1.5e-05, "a": 2**70}) == '{"a":1180591620717411303424,"b":1.5e-05}'
    assert loads('{"big": 1180591620717411303424}') == {"big": 2**70}  # beyond orjson: the fallback
