"""Atomic file writes: a reader never sees a half-written file, and no temporary file outlives a run."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import stat
from pathlib import Path

from coralogix_pack.core.redaction import redact

TEMP_SUFFIX = ".tmp"
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)


def write_atomic(path: Path, text: str, *, make_parent: bool = True) -> None:
    """Write via a hidden temporary file in the same folder and rename it over ``path``.

    The file gets the mode a plain ``open()`` would give it (0666 less the umask, applied by the
    system): mkstemp's 0600 would make rendered files unreadable to the rest of a CI job or a team.
    """
    if make_parent:
        path.parent.mkdir(parents=True, exist_ok=True)
    data = redact(text).encode("utf-8")  # no file pack writes may hold the key
    while True:
        tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}{TEMP_SUFFIX}"
        try:
            fd = os.open(tmp, _CREATE, 0o666)
            break
        except FileExistsError:
            continue
    try:
        with open(fd, "wb", closefd=True) as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_new(path: Path | str, text: str) -> None:
    """Create ``path``, which must not exist, inside a folder no reader sees yet (see write_folder)."""
    with open(os.open(path, _CREATE, 0o666), "wb", closefd=True) as handle:
        handle.write(redact(text).encode("utf-8"))


def write_folder(folder: Path, files: dict[str, str]) -> None:
    """Create ``folder``, which must not exist, holding ``files`` (relative path -> text).

    The files are written under a hidden name next to it and the whole folder is renamed into place
    once complete: a reader never sees part of it, and no file needs its own temporary copy."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = folder.parent / f".{folder.name}.{secrets.token_hex(4)}{TEMP_SUFFIX}"
    staging.mkdir()
    base = str(staging)  # strings, not Path objects: a render writes thousands of files
    try:
        for parent in sorted({os.path.dirname(os.path.join(base, name)) for name in files}):
            os.makedirs(parent, exist_ok=True)
        for name, text in files.items():
            write_new(os.path.join(base, name), text)
        os.rename(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def holds(path: Path, text: str) -> bool:
    """``path`` is a regular file (not a symlink) holding exactly ``text``: rewriting it would change
    nothing, so a render that finds its files current touches no file."""
    data = text.encode("utf-8")
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return False
        with open(path, "rb") as handle:
            return handle.read(len(data) + 1) == data
    except OSError:
        return False


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


class Unreadable(Exception):
    """Why ``read_bounded`` read nothing, in words for a message."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


def read_bounded(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes. Opened without blocking, so a FIFO,
    a device such as /dev/zero or an oversized file is refused before a byte is read."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise Unreadable(exc.strerror or str(exc)) from None
    with open(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise Unreadable("not a regular file")
        if info.st_size > limit:
            raise Unreadable(f"{info.st_size:,} bytes, over the {_size(limit)} allowed")
        try:
            data = handle.read(limit + 1)
        except OSError as exc:
            raise Unreadable(exc.strerror or str(exc)) from None
    if len(data) > limit:
        raise Unreadable(f"over the {_size(limit)} allowed (it grew while being read)")
    return data


def _size(limit: int) -> str:
    return f"{limit // 2**20} MiB" if limit >= 2**20 else f"{limit // 2**10} KiB"
