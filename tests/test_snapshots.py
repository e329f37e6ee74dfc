"""The committed default render (rendered/default) is exactly what pack renders now.

Terraform users consume rendered/default/terraform straight from git, so it must never be stale.
Refresh after an intended change with `pack render --out rendered/default` (or
PACK_UPDATE_SNAPSHOTS=1 python -m pytest tests/test_snapshots.py).
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

from coralogix_pack.cli import run

SNAPSHOT = Path(__file__).parents[1] / "rendered" / "default"


def _files(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*")) if p.is_file()}


def test_default_render_matches_snapshot(tmp_path):
    out = tmp_path / "out"
    assert run(["render", "--out", str(out)]) == 0
    fresh = _files(out)
    if os.environ.get("PACK_UPDATE_SNAPSHOTS"):
        for path, text in fresh.items():
            (SNAPSHOT / path).parent.mkdir(parents=True, exist_ok=True)
            (SNAPSHOT / path).write_text(text)
    stored = _files(SNAPSHOT)
    assert sorted(stored) == sorted(fresh)
    for path in fresh:
        diff = "".join(
            difflib.unified_diff(stored[path].splitlines(True), fresh[path].splitlines(True), path, path)
        )
        assert not diff, diff
