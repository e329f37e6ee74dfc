"""docs/cli.md: the CLI reference, generated from the commands' own help.

python -m coralogix_pack.cli.reference docs/cli.md          # write it
python -m coralogix_pack.cli.reference --check docs/cli.md  # exit 1 when stale (CI)
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

WIDTH = 100
HEADER = (
    "# CLI reference\n\n"
    "Generated from the commands' own `--help` by `python -m coralogix_pack.cli.reference docs/cli.md`; "
    "CI fails when it is stale. Exit codes and diagnostics: [diagnostics.md](diagnostics.md).\n"
)


def reference() -> str:
    from coralogix_pack.cli.runner import _register_commands, app

    _register_commands()
    root: Any = typer.main.get_command(app)  # a click Group (typer may vendor click)
    context = root.context_class(root, info_name="pack", terminal_width=WIDTH, max_content_width=WIDTH)
    parts = [HEADER, "## pack\n", "```text", root.get_help(context), "```\n"]
    for name in root.list_commands(context):
        command = root.get_command(context, name)
        sub = command.context_class(
            command, info_name=name, parent=context, terminal_width=WIDTH, max_content_width=WIDTH
        )
        parts += [f"## pack {name}\n", "```text", command.get_help(sub), "```\n"]
    return "\n".join(parts)


def main(argv: list[str]) -> int:
    check = "--check" in argv
    paths = [a for a in argv if a != "--check"]
    target = Path(paths[0] if paths else "docs/cli.md")
    text = reference()
    if check:
        current = target.read_text(encoding="utf-8") if target.is_file() else ""
        if current != text:
            print(f"{target} is stale: run python -m coralogix_pack.cli.reference {target}", file=sys.stderr)
            return 1
        print(f"{target} is current")
        return 0
    target.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
