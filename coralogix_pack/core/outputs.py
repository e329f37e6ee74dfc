"""Output folders a command may write into, and the lock that keeps two writers apart.

`pack render --out` and `pack export --out` write only into a folder that does not exist yet, an
empty one, or one holding the marker file that pack itself wrote there (a render's
``manifest.json``, an export's ``index.json``); any other existing folder needs ``--force``. Some
places are never written, even with ``--force``: the file-system root, the home folder, the
catalog and templates folders (and anything inside them), and a path that is itself a symlink
(a folder pack did not create). Two commands writing one folder take turns: the second waits
for the first (``LOCK_WAIT`` seconds at most), then refuses.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from coralogix_pack.core.diagnostics import Diagnostic, PackError

LOCK_WAIT = 30.0
NAME_MAX = 255  # bytes in one path component on the usual file systems
PATH_MAX = 4096


def _refuse(out: Path, message: str, hint: str) -> PackError:
    return PackError(
        [Diagnostic(file=str(out)[:300], path="--out", message=message, hint=hint, code="CXP713")]
    )


def check_path_length(out: Path, option: str = "--out") -> None:
    """A clear error for a path the operating system would reject as too long."""
    text = os.fsencode(str(out))
    longest = max((len(os.fsencode(p)) for p in out.parts), default=0)
    if len(text) > PATH_MAX or longest > NAME_MAX:
        raise PackError(
            [
                Diagnostic(
                    file=str(out)[:120] + "...",
                    path=option,
                    message=f"the path is too long ({len(text)} bytes, a name of {longest}; the limits are "
                    f"{PATH_MAX} and {NAME_MAX})",
                    hint="choose a shorter path",
                    code="CXP714",
                )
            ]
        )


def claim(
    out: Path,
    *,
    written_by_pack: Callable[[Path], bool],
    marker: str,
    force: bool = False,
    protected: Sequence[Path] = (),
) -> None:
    """Raise PackError unless ``out`` may be written (see the module docstring)."""
    check_path_length(out)
    absolute = Path(os.path.abspath(out))
    home = Path.home()
    never = {Path(absolute.anchor): "the file-system root", home: "your home folder"}
    if absolute in never:
        raise _refuse(
            out, f"refusing to write into {never[absolute]}", "pass a folder of its own, e.g. --out out"
        )
    for folder in protected:
        if absolute == Path(os.path.abspath(folder)) or _inside(absolute, folder):
            raise _refuse(
                out,
                f"refusing to write into {folder}: it holds the pack's own inputs",
                "choose a folder outside the catalog and templates",
            )
    if out.is_symlink():
        if out.is_dir() and written_by_pack(out):
            return
        raise _refuse(
            out,
            "refusing to write through a symlink to a folder pack did not create",
            "pass the real folder's path",
        )
    if not out.exists():
        return
    if not out.is_dir():
        raise PackError(
            [
                Diagnostic(
                    file=str(out),
                    path="--out",
                    message="--out is a file, not a folder",
                    hint="choose a folder path",
                    code="CXP700",
                )
            ]
        )
    if force or written_by_pack(out):
        return
    with contextlib.suppress(OSError):
        if not any(out.iterdir()):
            return
    raise _refuse(
        out,
        f"the folder is not empty and holds no {marker} written by pack: its files could be overwritten",
        "choose a new or empty folder, or pass --force to write into this one anyway",
    )


def _inside(path: Path, folder: Path) -> bool:
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError):
        return False


@contextlib.contextmanager
def locked(out: Path, wait: float = LOCK_WAIT) -> Iterator[None]:
    """Hold the lock of ``out`` (a lock on its parent folder, so it works before ``out`` exists
    and leaves no file behind). Without ``fcntl`` (Windows) this does nothing."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    parent = Path(os.path.abspath(out)).parent
    parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(parent, os.O_RDONLY)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    raise
                if time.monotonic() > deadline:
                    message = f"another pack command has been writing into {parent} for over {wait:g} s"
                    hint = "wait for it to finish, or write into another folder"
                    raise PackError(
                        [Diagnostic(file=str(out), path="--out", message=message, hint=hint, code="CXP715")]
                    ) from None
                time.sleep(0.1)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def remove_stale_staging(out: Path) -> None:
    """Remove staging folders of ``out`` that a killed first render left (under the lock, no
    other render is using one)."""
    parent = Path(os.path.abspath(out)).parent
    pattern = re.compile(r"\." + re.escape(out.name) + r"\.[0-9a-f]{8}\.tmp")
    with contextlib.suppress(OSError):
        for entry in parent.iterdir():
            if pattern.fullmatch(entry.name) and entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)


@contextlib.contextmanager
def claimed(
    out: Path,
    *,
    written_by_pack: Callable[[Path], bool],
    marker: str,
    force: bool = False,
    protected: Sequence[Path] = (),
) -> Iterator[None]:
    """Hold ``out`` for writing: its lock taken, the folder checked (``claim``), the leftovers of
    a killed first write removed."""
    check_path_length(out)
    with locked(out):
        claim(out, written_by_pack=written_by_pack, marker=marker, force=force, protected=protected)
        remove_stale_staging(out)
        yield
