"""A rich progress bar over input bytes, shown only when stderr is a terminal."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def byte_progress(paths: list[Path]) -> Iterator[Callable[[int], None]]:
    if not sys.stderr.isatty():
        yield lambda n: None
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    total = sum(p.stat().st_size for p in paths if p.is_file())
    columns = (
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, transient=True, console=None) as progress:
        from rich.console import Console

        progress.console = Console(file=sys.stderr)
        task = progress.add_task("replaying", total=total)
        yield lambda n: progress.advance(task, n)
