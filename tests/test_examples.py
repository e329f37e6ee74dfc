"""The examples agree with each other: the Terraform root passes exactly the production values."""

from __future__ import annotations

import json
from pathlib import Path

import hcl2
from conftest import CATALOG, REPO
from hcl2.api import SerializationOptions

from coralogix_pack.catalog.loader import load_catalog
from coralogix_pack.rendering.terraform import tfvars
from coralogix_pack.values.model import load_values


def _module_inputs(path: Path) -> dict:
    options = SerializationOptions(strip_string_quotes=True)
    root = hcl2.loads(path.read_text(), serialization_options=options)
    (module,) = root["module"]
    (body,) = module.values()
    return {k: v for k, v in body.items() if k != "source" and not k.startswith("__")}


def test_example_root_has_exactly_the_production_values():
    values = load_values([REPO / "examples" / "values.production.yaml"], load_catalog(CATALOG))
    expected = json.loads(tfvars(values))
    assert _module_inputs(REPO / "examples" / "terraform" / "main.tf") == expected
