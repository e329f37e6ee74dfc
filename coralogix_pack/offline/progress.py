"""A rich progress bar over input bytes, shown only when stderr is a terminal."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def byte_progress(paths: list[Path]) -> Iterator[Callable[[int], None] | None]:
    if not sys.stderr.isatty():
        yield None  # no callback at all: the read loop skips the bookkeeping
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    total = sum(p.stat().st_size for p in paths if p.is_file())
    columns = (
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, transient=True, console=Console(file=sys.stderr)) as progress:
        task = progress.add_task("replaying", total=total)
        yield lambda n: progress.advance(task, n)
