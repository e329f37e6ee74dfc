"""Atomic file writes: a reader never sees a half-written file, and no temporary file outlives a run."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

TEMP_SUFFIX = ".tmp"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: Path, text: str) -> None:
    """Write via a hidden temporary file in the same folder and rename it over ``path``.

    The file gets the mode a plain ``open()`` would give it (0666 less the umask): mkstemp's
    0600 would make rendered files unreadable to the rest of a CI job or a team.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def leftover_temporaries(folder: Path, names: set[str]) -> list[Path]:
    """Temporary files an interrupted ``write_atomic`` of one of ``names`` left in ``folder``."""
    if not folder.is_dir():
        return []
    found = []
    for entry in folder.iterdir():
        match = re.fullmatch(r"\.(.+)\.[A-Za-z0-9_]{8}" + re.escape(TEMP_SUFFIX), entry.name)
        if match and match.group(1) in names and entry.is_file() and not entry.is_symlink():
            found.append(entry)
    return sorted(found)


def is_inside(path: Path, folder: Path) -> bool:
    """True when ``path`` (following symlinks) stays inside ``folder``."""
    try:
        path.resolve().relative_to(folder.resolve())
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop
        return False
    return True
