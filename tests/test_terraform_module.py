"""The rendered Terraform module: parses as HCL2, is fmt-clean, and has the expected shape."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import hcl2
import pytest
from conftest import DETECTION_IDS
from hcl2 import SerializationOptions

TERRAFORM = shutil.which("terraform")
TF_ENV = {**os.environ, "TF_CLI_CONFIG_FILE": os.devnull, "TF_IN_AUTOMATION": "1"}


@pytest.fixture(scope="module")
def module_dir(tmp_path_factory) -> Path:
    from coralogix_pack.cli import run

    out = tmp_path_factory.mktemp("render") / "out"
    assert run(["render", "--out", str(out)]) == 0
    return out / "terraform"


def _load(path: Path) -> dict:
    return hcl2.loads(path.read_text(), serialization_options=SerializationOptions(strip_string_quotes=True))


def test_every_tf_file_parses(module_dir):
    for path in sorted(module_dir.glob("*.tf")):
        assert isinstance(_load(path), dict), path.name


def test_versions_pin_the_provider(module_dir):
    terraform = _load(module_dir / "versions.tf")["terraform"][0]
    assert terraform["required_version"] == ">= 1.3.0"
    provider = terraform["required_providers"][0]["coralogix"]
    assert provider == {"source": "coralogix/coralogix", "version": ">= 3.2.0, < 4.0.0"}


def test_one_alert_resource_per_detection_in_attribute_syntax(module_dir):
    main = _load(module_dir / "main.tf")
    resources = {}
    for block in main["resource"]:
        for name, body in block["coralogix_alert"].items():
            resources[name] = body
    assert sorted(resources) == sorted(i.replace("-", "_") for i in DETECTION_IDS)
    text = (module_dir / "main.tf").read_text()
    assert "type_definition = {" in text and "type_definition {" not in text
    threshold = resources["bulk_disk_deletion"]["type_definition"]["logs_threshold"]
    rule = threshold["rules"][0]
    assert rule["condition"]["condition_type"] == "MORE_THAN"
    assert "override" in rule
    # alert-level priority on threshold alerts too, so Terraform and the JSON create the same alert
    assert resources["bulk_disk_deletion"]["priority"] == '${local.priority["bulk-disk-deletion"]}'
    assert rule["override"] == {"priority": '${local.priority["bulk-disk-deletion"]}'}
    assert "logs_immediate" in resources["vm_deleted"]["type_definition"]
    assert "group_by" not in resources["vm_deleted"]
    catalog = main["locals"][0]["catalog"]
    assert catalog["bulk-disk-deletion"]["threshold"] == {"count": 10, "window": "20m"}
    labels = main["locals"][0]["ownership_labels"]["vm-deleted"]
    assert labels["managed_by"] == "coralogix-pack-terraform"


def test_outputs_key_alert_ids_by_detection(module_dir):
    outputs = _load(module_dir / "outputs.tf")["output"]
    ids = next(o["alert_ids"] for o in outputs if "alert_ids" in o)
    assert sorted(ids["value"]) == sorted(DETECTION_IDS)


def test_variables_mirror_the_values_file(module_dir):
    variables = {name for block in _load(module_dir / "variables.tf")["variable"] for name in block}
    schema = json.loads((Path(__file__).parents[1] / "coralogix_pack/schemas/values.schema.json").read_text())
    assert variables == set(schema["properties"])  # every values knob is a module input


@pytest.mark.skipif(TERRAFORM is None, reason="terraform not on PATH")
def test_terraform_fmt_check(module_dir):
    result = subprocess.run(
        [TERRAFORM, "fmt", "-check", "-recursive", "-diff", str(module_dir)],
        capture_output=True,
        text=True,
        env=TF_ENV,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(TERRAFORM is None, reason="terraform not on PATH")
def test_examples_are_fmt_clean():
    examples = Path(__file__).parents[1] / "examples"
    result = subprocess.run(
        [TERRAFORM, "fmt", "-check", "-recursive", str(examples)],
        capture_output=True,
        text=True,
        env=TF_ENV,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
