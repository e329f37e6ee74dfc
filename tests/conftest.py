from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

from coralogix_pack.cli import run

settings.register_profile("pack", deadline=None)
settings.load_profile("pack")

REPO = Path(__file__).resolve().parents[1]
CATALOG = REPO / "catalog"
TEMPLATES = REPO / "templates"
SHARED = Path(os.environ.get("CORALOGIX_PACK_SHARED", REPO.parent / "shared"))
CONTRACT = SHARED / "contracts" / "coralogix-alert-definitions.openapi.json"
DETECTION_IDS = [
    "locked-vm-delete-attempt",
    "vm-deleted",
    "vm-backup-deleted",
    "public-ip-associated",
    "vm-password-reset",
    "bulk-disk-deletion",
    "disk-deleted",
    "bulk-vm-deletion",
    "vm-reimaged",
    "vm-turned-off",
    "vmss-extension-changed",
    "resource-deallocated",
    "resource-deleted",
]
# Shipped off by default; examples/values.extended.yaml enables them.
OPTIONAL_IDS = [
    "locked-vm-delete-then-deleted",
    "first-time-vm-deleter",
    "vm-deletion-spree-by-caller",
    "activity-log-silent",
]
EXTENDED_VALUES = REPO / "examples" / "values.extended.yaml"


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


@pytest.fixture
def cli(capsys, monkeypatch):
    def invoke(*args: str, cwd: Path | None = None) -> Result:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        capsys.readouterr()
        code = run([str(a) for a in args])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return invoke


@pytest.fixture
def catalog_copy(tmp_path) -> Path:
    target = tmp_path / "catalog"
    shutil.copytree(CATALOG, target)
    return target


@pytest.fixture
def inline_catalog(tmp_path) -> Path:
    """A two-detection catalog written by the tests (tests/inline.py), independent of catalog/."""
    from inline import write_catalog

    return write_catalog(tmp_path / "inline-catalog")
