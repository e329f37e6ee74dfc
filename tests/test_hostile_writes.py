"""Hostile inputs that try to make pack write or delete outside its place."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from conftest import CATALOG, DETECTION_IDS, OPTIONAL_IDS

from coralogix_pack.deploy.export import safe_stem


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def workdir(tmp_path):
    (tmp_path / "victim.txt").write_text("precious")
    (tmp_path / "o").mkdir()
    return tmp_path


@pytest.mark.parametrize(
    "name",
    [
        "../victim.txt",
        "{victim}",
        "alerts/../../victim.txt",
        "victim.txt",
        "alerts/x.json/../../../victim.txt",
    ],
)
def test_planted_manifest_cannot_delete_files(cli, workdir, name):
    victim = workdir / "victim.txt"
    name = name.format(victim=victim)
    for manifest in ({"files": {name: 1}}, {"generator": "coralogix-pack 0.1.0", "files": {name: "x"}}):
        (workdir / "o" / "manifest.json").write_text(json.dumps(manifest))
        before = _snapshot(workdir)
        result = cli("render", "--out", workdir / "o")
        assert result.code == 1, result.text
        assert "manifest.json" in result.err and "Traceback" not in result.text
        assert _snapshot(workdir) == before  # nothing written, nothing removed
        check = cli("render", "--check", workdir / "o")
        assert check.code == 1 and "precious" not in check.text


def test_forged_manifest_cannot_delete_a_file_pack_did_not_write(cli, tmp_path):
    out = tmp_path / "o"
    assert cli("render", "--out", out).code == 0
    mine = out / "alerts" / "my-notes.json"
    mine.write_text("{}\n")
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["files"]["alerts/my-notes.json"] = "0" * 64  # claims pack wrote it, with the wrong hash
    (out / "manifest.json").write_text(json.dumps(manifest))
    result = cli("render", "--out", out)
    assert result.code == 0, result.text
    assert mine.read_text() == "{}\n"
    assert "alerts/my-notes.json: kept" in result.err


def test_symlinked_subfolder_is_refused(cli, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "o"
    out.mkdir()
    (out / "alerts").symlink_to(elsewhere, target_is_directory=True)
    result = cli("render", "--out", out)
    assert result.code == 1 and "symlink" in result.err
    assert list(elsewhere.iterdir()) == []


def test_out_that_is_a_file_or_unwritable(cli, tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    result = cli("render", "--out", target)
    assert result.code == 1 and "is a file" in result.err and "Traceback" not in result.text
    assert target.read_text() == "x"
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        result = cli("render", "--out", locked / "o")
        assert result.code == 1 and "cannot write" in result.err


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_rendered_files_honour_the_umask(cli, tmp_path, umask):
    previous = os.umask(umask)
    try:
        assert cli("render", "--out", tmp_path / "o").code == 0
    finally:
        os.umask(previous)
    modes = {stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "o").rglob("*") if p.is_file()}
    assert modes == {0o666 & ~umask}


def test_a_current_render_touches_no_file_and_a_stale_one_is_replaced(cli, tmp_path):
    out = tmp_path / "o"
    assert cli("render", "--out", out).code == 0
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.rglob("*") if p.is_file()}
    edited = out / "alerts" / "vm-deleted.json"
    rendered = edited.read_text()
    edited.write_text(rendered.replace("Virtual machine", "Virtual  machine"))
    planted = out / "queries" / "disk-deleted.lucene"
    target = tmp_path / "elsewhere.lucene"
    target.write_text(planted.read_text())
    planted.unlink()
    planted.symlink_to(target)  # same text through a symlink: replaced by a real file all the same
    assert cli("render", "--out", out).code == 0
    after = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.rglob("*") if p.is_file()}
    changed = {p.relative_to(out).as_posix() for p in before if before[p] != after[p]}
    assert changed == {"alerts/vm-deleted.json", "queries/disk-deleted.lucene"}
    assert edited.read_text() == rendered and not planted.is_symlink()


def test_leftover_temporary_files_are_removed(cli, tmp_path):
    out = tmp_path / "o"
    assert cli("render", "--out", out).code == 0
    leftover = out / "alerts" / ".vm-deleted.json.k2j4h5g6.tmp"  # what a killed run leaves
    leftover.write_text("{half")
    unrelated = out / "alerts" / ".editor-swap.tmp"
    unrelated.write_text("mine")
    assert cli("render", "--out", out).code == 0
    assert not leftover.exists() and unrelated.read_text() == "mine"


def test_check_of_a_missing_folder_is_one_clear_line(cli, tmp_path):
    result = cli("render", "--check", tmp_path / "never")
    assert result.code == 1 and "folder not found" in result.err and result.out == ""


@pytest.mark.parametrize("name", ["extra.yml", "extra.YAML", "extra.Yaml"])
def test_detection_with_another_extension_is_an_error(cli, catalog_copy, name):
    (catalog_copy / "vm-deleted.yaml").rename(catalog_copy / name)
    result = cli("validate", "--catalog", catalog_copy)
    assert result.code == 1 and name in result.err and "must end in .yaml" in result.err


def test_fifo_named_yaml_is_an_error_not_a_hang(cli, catalog_copy):
    os.mkfifo(catalog_copy / "pipe.yaml")
    result = cli("validate", "--catalog", catalog_copy)
    assert result.code == 1 and "pipe.yaml" in result.err and "not a regular file" in result.err


def test_symlink_loop_is_an_error(cli, catalog_copy):
    (catalog_copy / "loop.yaml").symlink_to(catalog_copy / "loop.yaml")
    result = cli("validate", "--catalog", catalog_copy)
    assert result.code == 1 and "loop.yaml" in result.err and "Traceback" not in result.text


@pytest.mark.parametrize(
    ("label", "safe"),
    [
        ("vm-deleted", "vm-deleted"),
        ("../../x", None),
        ("/etc/passwd", None),
        ("index", None),
        ("a" * 200, None),
        ("Vm-Deleted", None),
        (None, None),
        (42, None),
    ],
)
def test_export_names_are_sanitised(label, safe):
    stem = safe_stem(label)
    assert stem == safe if safe else stem.startswith("unnamed-")
    assert "/" not in stem and ".." not in stem and stem != "index"


def test_catalog_snapshot_is_untouched_by_the_suite():
    # the hostile tests work on copies; the shipped catalog must still be exactly its 17 .yaml files
    assert sorted(p.name for p in CATALOG.iterdir() if p.name != "pack.yaml") == sorted(
        f"{i}.yaml" for i in DETECTION_IDS + OPTIONAL_IDS
    )


def test_sigterm_during_a_write_leaves_no_temporary_file(cli, tmp_path, monkeypatch):
    """SIGTERM arrives while files are rewritten in an existing folder: exit 130, no temporary file."""
    import signal

    out = tmp_path / "o"
    assert cli("render", "--out", out).code == 0
    for stale in sorted((out / "alerts").glob("*.json"))[:8]:
        stale.write_text("{}")  # files the next render must rewrite
    (out / "manifest.json").unlink()
    real_replace = os.replace
    calls = []

    def replace_then_terminate(src, dst):
        calls.append(dst)
        if len(calls) == 5:
            os.kill(os.getpid(), signal.SIGTERM)  # the handler raises inside write_atomic
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace_then_terminate)
    result = cli("render", "--out", out, "--force")  # no manifest left: only --force writes here
    assert result.code == 130 and "interrupted" in result.err
    assert [p.name for p in out.rglob("*.tmp")] == []
    assert not (out / "manifest.json").exists()  # the manifest is written last


def test_sigterm_during_a_first_render_leaves_nothing(cli, tmp_path, monkeypatch):
    """A first render fills a hidden folder renamed into place at the end: killed, nothing remains."""
    import signal

    from coralogix_pack.core import files as fsutil

    out = tmp_path / "o"
    real_write = fsutil.write_new
    calls = []

    def write_then_terminate(path, text):
        calls.append(path)
        if len(calls) == 5:
            os.kill(os.getpid(), signal.SIGTERM)
        return real_write(path, text)

    monkeypatch.setattr(fsutil, "write_new", write_then_terminate)
    result = cli("render", "--out", out)
    assert result.code == 130 and "interrupted" in result.err
    assert len(calls) == 5 and list(tmp_path.iterdir()) == []  # no folder, no hidden staging folder
