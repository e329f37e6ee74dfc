"""The CLI as separate processes: `python -m coralogix_pack`, `pack emulator`, `--templates`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from conftest import TEMPLATES

KEY = "process-test-key-7731"


def _pack(*args: str, env: dict | None = None, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "coralogix_pack", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        cwd=cwd,
    )


@pytest.mark.slow
def test_module_entry_point(tmp_path):
    result = _pack("validate", cwd=tmp_path)
    assert result.returncode == 0 and "17 detections valid, 4 optional ones not enabled" in result.stdout
    result = _pack("--help")
    assert result.returncode == 0 and "backtest" in result.stdout


@pytest.mark.slow
def test_emulator_command_serves_plan_and_apply(tmp_path):
    env = {"CORALOGIX_API_KEY": KEY}
    server = subprocess.Popen(
        [sys.executable, "-m", "coralogix_pack", "emulator", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
    )
    try:
        banner = server.stdout.readline()
        url = next(word for word in banner.split() if word.startswith("http://127.0.0.1:"))
        assert KEY not in banner
        applied = _pack("apply", "--api-url", url, "--auto-approve", env=env)
        assert applied.returncode == 0, applied.stderr
        planned = _pack("plan", "--api-url", url, "--format", "json", env=env)
        assert planned.returncode == 0 and json.loads(planned.stdout)["summary"]["unchanged"] == 13
        assert KEY not in applied.stdout + applied.stderr + planned.stdout + planned.stderr
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.slow
def test_emulator_refuses_non_loopback():
    result = _pack("emulator", "--host", "0.0.0.0", env={"CORALOGIX_API_KEY": KEY})
    assert result.returncode == 1 and "loopback" in result.stderr


def test_custom_templates_are_used(cli, tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    (templates / "description.txt.j2").write_text(
        "{{ detection.title }} -- see the runbook for {{ detection.id }}\n"
    )
    out = tmp_path / "out"
    assert cli("render", "--templates", templates, "--out", out).code == 0
    alert = json.loads((out / "alerts" / "vm-deleted.json").read_text())["alertDefProperties"]
    assert alert["description"] == "Azure VM deleted -- see the runbook for vm-deleted"
    (templates / "description.txt.j2").write_text("{{ detection.no_such_field }}\n")
    result = cli("render", "--templates", templates, "--out", tmp_path / "out2")
    assert result.code == 1 and "description.txt.j2" in result.err and "no_such_field" in result.err
    assert "Traceback" not in result.text
