"""Second hostile round, writes: outputs stay in folders pack may write, one writer at a time."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from coralogix_pack.core import outputs


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_folder_pack_did_not_render_is_refused_without_force(cli, tmp_path):
    out = tmp_path / "mine"
    (out / "terraform").mkdir(parents=True)
    (out / "terraform" / "main.tf").write_text("# my own module\n")
    before = _snapshot(out)
    result = cli("render", "--out", out)
    assert result.code == 1 and "--force" in result.err and "CXP713" not in result.out
    assert _snapshot(out) == before
    assert cli("render", "--out", out, "--force").code == 0
    assert (out / "manifest.json").is_file()
    assert cli("render", "--out", out).code == 0  # now it holds pack's manifest


def test_a_symlink_to_a_foreign_folder_is_refused_even_with_force(cli, tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (real / "keep.txt").write_text("mine")
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    for extra in ([], ["--force"]):
        result = cli("render", "--out", link, *extra)
        assert result.code == 1 and "symlink" in result.err
    assert _snapshot(real) == {"keep.txt": b"mine"}


@pytest.mark.parametrize("where", ["catalog", "templates", "catalog/sub"])
def test_never_into_the_catalog_or_templates(cli, catalog_copy, tmp_path, where):
    import shutil

    from conftest import TEMPLATES

    templates = catalog_copy.parent / "templates"
    shutil.copytree(TEMPLATES, templates)
    target = catalog_copy.parent / where
    before = _snapshot(catalog_copy)
    args = ["--catalog", catalog_copy, "--templates", templates]
    result = cli("render", *args, "--out", target, "--force")
    assert result.code == 1 and "refusing to write into" in result.err, result.text
    assert _snapshot(catalog_copy) == before


def test_never_into_the_root_or_home(cli, monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    for target in ("/", str(tmp_path)):
        result = cli("render", "--out", target, "--force")
        assert result.code == 1 and "refusing to write into" in result.err


def test_an_over_long_name_is_a_clear_error(cli, tmp_path):
    result = cli("render", "--out", tmp_path / ("x" * 300))
    assert result.code == 1 and "too long" in result.err and "Traceback" not in result.text


def test_export_follows_the_same_rules(cli, tmp_path, monkeypatch):
    from coralogix_pack.emulator import Emulator

    key = "cxtp_Export_Key_123456789"
    monkeypatch.setenv("CORALOGIX_API_KEY", key)
    with Emulator(key) as server:
        args = ["--api-url", server.base_url, "--retry-base-delay", "0"]
        assert cli("apply", "--auto-approve", *args).code == 0
        rendered = tmp_path / "render"
        assert cli("render", "--out", rendered).code == 0
        before = _snapshot(rendered)
        refused = cli("export", "--out", rendered / "alerts", *args)
        assert refused.code == 1 and _snapshot(rendered) == before
        from conftest import CATALOG

        into_catalog = cli("export", "--catalog", CATALOG, "--out", CATALOG, "--force", *args)
        assert into_catalog.code == 1 and "refusing to write into" in into_catalog.err
        out = tmp_path / "export"
        assert cli("export", "--out", out, *args).code == 0
        assert cli("export", "--out", out, *args).code == 0  # an earlier export may be refreshed


def test_two_writers_take_turns(tmp_path):
    out = tmp_path / "o"
    order: list[str] = []
    with outputs.locked(out):
        thread = threading.Thread(target=lambda: _lock_and_note(out, order))
        thread.start()
        thread.join(0.3)
        order.append("first done")
    thread.join(5)
    assert order == ["first done", "second"]


def _lock_and_note(out: Path, order: list[str]) -> None:
    with outputs.locked(out):
        order.append("second")


def test_a_lock_held_too_long_is_refused(tmp_path):
    from coralogix_pack.core.diagnostics import PackError

    out = tmp_path / "o"
    errors: list[str] = []

    def second() -> None:
        try:
            with outputs.locked(out, wait=0.2):
                errors.append("got it")
        except PackError as exc:
            errors.append(str(exc))

    with outputs.locked(out):
        thread = threading.Thread(target=second)
        thread.start()
        thread.join(5)
    assert len(errors) == 1 and "another pack command" in errors[0]


def test_a_killed_first_render_leaves_staging_the_next_one_cleans(cli, tmp_path):
    out = tmp_path / "o"
    staging = tmp_path / ".o.0123abcd.tmp"
    (staging / "alerts").mkdir(parents=True)
    (staging / "alerts" / "vm-deleted.json").write_text("{}")
    assert cli("render", "--out", out).code == 0
    assert not staging.exists() and (out / "manifest.json").is_file()


def test_pack_new_outside_a_project_refuses(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = cli("new", "my-detection")
    assert result.code == 1 and "bundled" in result.err
    mistyped = cli("new", "my-detection", "--catalog", tmp_path / "catalgo")
    assert mistyped.code == 1 and "no pack.yaml" in mistyped.err
    assert not (tmp_path / "catalgo").exists()


def test_render_check_ignores_a_file_named_out(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out").write_text("not a folder")
    assert cli("render", "--out", tmp_path / "o").code == 0
    assert cli("render", "--check", tmp_path / "o").code == 0
    assert os.path.isfile(tmp_path / "out")


def test_a_hand_edited_export_is_not_replaced_without_force(cli, tmp_path, monkeypatch):
    from coralogix_pack.emulator import Emulator

    key = "cxtp_Export_Edit_Key_55667788"
    monkeypatch.setenv("CORALOGIX_API_KEY", key)
    with Emulator(key) as server:
        args = ["--api-url", server.base_url, "--retry-base-delay", "0"]
        assert cli("apply", "--auto-approve", "--only", "vm-deleted", *args).code == 0
        out = tmp_path / "export"
        assert cli("export", "--out", out, *args).code == 0
        edited = out / "vm-deleted.json"
        edited.write_text(edited.read_text().replace("Azure VM deleted", "my annotated copy"))
        refused = cli("export", "--out", out, *args)
        assert refused.code == 1 and "--force" in refused.err and "my annotated copy" in edited.read_text()
        assert cli("export", "--out", out, "--force", *args).code == 0
        assert "my annotated copy" not in edited.read_text()
