"""The render's output folder: write it atomically, remove only what pack itself wrote, compare with it.

A manifest on disk is untrusted input (a pull request can edit a committed one). Pack deletes or
reads a file it names only when the path has the shape of a rendered file (``alerts/ID.json``,
``queries/ID.lucene``, ``terraform/NAME``), stays inside the folder after following symlinks, and
still holds the bytes the manifest recorded, so what it removes is provably a file it rendered.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from pathlib import Path
from typing import Any

from coralogix_pack.core.diagnostics import Diagnostic, PackError, cannot_write
from coralogix_pack.core.files import holds, is_inside, leftover_temporaries, write_atomic, write_folder

MANIFEST = "manifest.json"
GENERATOR_PREFIX = "coralogix-pack "
SUBFOLDERS = ("alerts", "queries", "terraform")
_RENDERED_PATH = re.compile(
    r"alerts/[a-z][a-z0-9-]*\.json|queries/[a-z][a-z0-9-]*\.lucene|terraform/[A-Za-z0-9][A-Za-z0-9._-]*"
)
_HINT = "pack only removes files it rendered; restore manifest.json from git or delete it"


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _problem(out: Path, message: str, hint: str = _HINT) -> PackError:
    return PackError(
        [Diagnostic(file=str(out / MANIFEST), path="files", message=message, hint=hint, code="CXP710")]
    )


def previous_files(out: Path) -> dict[str, str]:
    """Rendered path -> sha256 from an existing manifest; {} when there is none.

    Raises PackError when the manifest is not one pack wrote or names a path pack never renders.
    """
    path = out / MANIFEST
    if not path.exists() and not path.is_symlink():
        return {}
    if path.is_symlink() or not path.is_file():
        raise _problem(out, "manifest.json is not a regular file")
    try:
        manifest: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise _problem(out, f"cannot read the manifest: {exc}") from None
    generator = manifest.get("generator") if isinstance(manifest, dict) else None
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not (
        isinstance(generator, str) and generator.startswith(GENERATOR_PREFIX) and isinstance(files, dict)
    ):
        raise _problem(out, "manifest.json was not written by coralogix-pack (no generator or files)")
    for name, digest in files.items():
        if not (_RENDERED_PATH.fullmatch(name) or name == MANIFEST) or not isinstance(digest, str):
            raise _problem(out, f"manifest.json names {name!r}, which is not a file pack renders")
    return {name: digest for name, digest in files.items() if name != MANIFEST}


def written_by_pack(out: Path) -> bool:
    """``out`` holds a manifest that pack wrote (one naming only files pack renders)."""
    try:
        return (out / MANIFEST).is_file() and previous_files(out) is not None
    except PackError:
        return False


def _check_folder(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise PackError(
            [
                Diagnostic(
                    file=str(out), message="--out is not a folder", hint="choose a folder path", code="CXP700"
                )
            ]
        )
    for sub in SUBFOLDERS:
        folder = out / sub
        if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
            raise PackError(
                [
                    Diagnostic(
                        file=str(folder),
                        message="is a symlink or not a folder; "
                        "pack writes only into real folders inside --out",
                        hint="remove it and render again",
                        code="CXP711",
                    )
                ]
            )


def _owned(out: Path, name: str, digest: str) -> bool:
    """The file is still exactly what pack wrote there, inside the folder."""
    target = out / name
    if target.is_symlink() or not target.is_file() or not is_inside(target, out):
        return False
    try:
        return hashlib.sha256(target.read_bytes()).hexdigest() == digest
    except OSError:
        return False


def write_rendered(files: dict[str, str], out: Path) -> tuple[list[str], list[str]]:
    """Write every file atomically, manifest last; remove what a previous render made that is gone now.

    Returns (removed, kept): stale files removed, and stale files kept because they were edited since.
    """
    _check_folder(out)
    if not out.exists() and not out.is_symlink():  # a first render: the folder appears complete
        try:
            write_folder(out, files)
        except OSError as exc:
            raise cannot_write(exc.filename or out, exc) from None
        return [], []
    previous = previous_files(out)
    stale = sorted(set(previous) - set(files))
    _remove_leftover_temporaries(out, files)
    try:
        for folder in sorted({(out / path).parent for path in files}):
            folder.mkdir(parents=True, exist_ok=True)
        for path, text in files.items():
            if path != MANIFEST and not holds(out / path, text):
                write_atomic(out / path, text, make_parent=False)
        removed = [p for p in stale if _owned(out, p, previous[p])]
        for path in removed:
            (out / path).unlink(missing_ok=True)
        if not holds(out / MANIFEST, files[MANIFEST]):
            write_atomic(out / MANIFEST, files[MANIFEST])
    except OSError as exc:
        raise cannot_write(exc.filename or out, exc) from None
    return removed, [p for p in stale if p not in removed]


def _remove_leftover_temporaries(out: Path, files: dict[str, str]) -> None:
    folders: dict[Path, set[str]] = {}
    for path in files:
        target = out / path
        folders.setdefault(target.parent, set()).add(target.name)
    for folder, names in folders.items():
        for leftover in leftover_temporaries(folder, names):
            leftover.unlink(missing_ok=True)


def check_rendered(files: dict[str, str], out: Path) -> str:
    """A unified diff between ``out`` and a fresh render; empty when current."""
    if not out.is_dir():
        raise PackError(
            [
                Diagnostic(
                    file=str(out),
                    message="folder not found",
                    hint="render it first with pack render --out FOLDER",
                    code="CXP702",
                )
            ]
        )
    _check_folder(out)
    existing = set(previous_files(out)) | {p for p in files if (out / p).exists()}
    chunks: list[str] = []
    for path in sorted(existing | set(files)):
        target = out / path
        old = _read(target) if target.is_file() and is_inside(target, out) else ""
        new = files.get(path, "")
        if old != new:
            chunks.extend(
                difflib.unified_diff(
                    old.splitlines(keepends=True),
                    new.splitlines(keepends=True),
                    f"{out}/{path} (on disk)",
                    f"{out}/{path} (fresh render)",
                )
            )
    return "".join(chunks)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return "<unreadable>\n"
