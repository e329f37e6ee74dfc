"""Every Markdown file of the project parses as meant: code fences open and close on lines of
their own, and every relative link points at a file or folder that exists.

    python tests/markdown_check.py      # CI: exit 1 listing each problem
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
_LINK = re.compile(r"(?<!\\!)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_SKIPPED = ("node_modules", ".git", ".venv", "venv", "build", "dist", ".pytest_cache")


def markdown_files(root: Path = REPO) -> list[Path]:
    return sorted(p for p in root.rglob("*.md") if not any(part in _SKIPPED for part in p.parts))


def problems(path: Path) -> list[str]:
    found = []
    fence: str | None = None
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, 1):
        where = f"{path.relative_to(REPO)}:{number}"
        stripped = line.lstrip(" ")
        indent = len(line) - len(stripped)
        marker = re.match(r"(`{3,}|~{3,})(.*)", stripped) if indent <= 3 else None
        if fence is None:
            if marker:
                if "`" in marker.group(2):
                    found.append(
                        f"{where}: text after a code fence on its line (close fences on their own line)"
                    )
                    continue
                fence = marker.group(1)
            elif "```" in line and not line.strip().startswith("`"):
                found.append(f"{where}: a code fence not on a line of its own")
            else:
                found += [f"{where}: {p}" for p in _link_problems(path, line)]
        elif marker and marker.group(1).startswith(fence[0]) and len(marker.group(1)) >= len(fence):
            if marker.group(2).strip():
                found.append(f"{where}: text after a closing code fence")
            fence = None
    if fence is not None:
        found.append(f"{path.relative_to(REPO)}: a code fence is never closed")
    return found


def _link_problems(path: Path, line: str) -> list[str]:
    found = []
    text = re.sub(r"`[^`]*`", "", line)  # links inside inline code are text
    for target in _LINK.findall(text):
        if re.match(r"[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            continue
        file = target.split("#", 1)[0]
        if file and not (path.parent / file).exists():
            found.append(f"the link {target!r} points at nothing")
    return found


def main() -> int:
    found = [p for path in markdown_files() for p in problems(path)]
    for problem in found:
        print(problem, file=sys.stderr)
    print(f"{len(markdown_files())} Markdown files checked, {len(found)} problem(s)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
