"""Reading YAML files safely: regular files only, bounded in size, UTF-8, located errors."""

from __future__ import annotations

from pathlib import Path

from coralogix_pack.core.diagnostics import Diagnostic
from coralogix_pack.documents.yaml_source import YamlDocument, YamlSyntaxError, load_yaml


def is_regular(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # a symlink loop, for one
        return False


MAX_YAML_BYTES = 4 * 1024 * 1024


def read_yaml_file(path: Path, display: str) -> tuple[YamlDocument | None, list[Diagnostic]]:
    data, found = read_capped(path, display)
    return (None, found) if data is None else parse_yaml_bytes(data, display)


def read_capped(path: Path, display: str, *, regular: bool = False) -> tuple[bytes | None, list[Diagnostic]]:
    """The bytes of a regular file of at most 4 MiB, or why not (``regular``: a listing said so)."""
    if not regular and not is_regular(path):
        what = "not found" if not (path.exists() or path.is_symlink()) else "not a regular file"
        return None, [
            Diagnostic(
                file=display,
                message=f"cannot read file: {what}",
                hint="pass the path of a YAML file",
                code="CXP100",
            )
        ]
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_YAML_BYTES + 1)
    except OSError as exc:
        return None, [
            Diagnostic(
                file=display,
                message=f"cannot read file: {exc.strerror}",
                hint="check the path",
                code="CXP100",
            )
        ]
    if len(data) > MAX_YAML_BYTES:
        return None, [
            Diagnostic(
                file=display,
                message="file is over 4 MiB",
                hint="a detection or values file is small",
                code="CXP102",
            )
        ]
    return data, []


def parse_yaml_bytes(data: bytes, display: str) -> tuple[YamlDocument | None, list[Diagnostic]]:
    """A YAML mapping with the line of every value, or located diagnostics."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, [
            Diagnostic(
                file=display,
                line=line,
                message="not UTF-8 text",
                hint="save the file as UTF-8",
                code="CXP101",
            )
        ]
    try:
        doc = load_yaml(text)
    except YamlSyntaxError as exc:
        return None, [
            Diagnostic(
                file=display, line=exc.line, message=exc.message, hint="fix the YAML syntax", code="CXP103"
            )
        ]
    if not isinstance(doc.data, dict):
        return None, [
            Diagnostic(
                file=display,
                line=1,
                message="expected a mapping at the top level",
                hint="the file must hold key: value pairs",
                code="CXP104",
            )
        ]
    return doc, []
