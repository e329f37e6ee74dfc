"""Load a catalog directory into a validated Catalog, collecting every error."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from coralogix_pack.catalog import checks
from coralogix_pack.catalog.attack import attack_table
from coralogix_pack.catalog.model import Catalog, Detection, Pack, detection_from_dict
from coralogix_pack.diagnostics import Diagnostic, PackError, errors_only
from coralogix_pack.documents.files import is_regular, read_yaml_file
from coralogix_pack.documents.schema_check import schema_diagnostics
from coralogix_pack.documents.yaml_source import YamlDocument

PACK_FILE = "pack.yaml"


def _indent(text: str, line: int) -> int:
    lines = text.splitlines()
    content = lines[line - 1] if 0 < line <= len(lines) else ""
    return len(content) - len(content.lstrip(" "))


def _lines(doc: YamlDocument) -> dict[str, int]:
    keys = ["id", "title", "description", "query", "mitre", "mitre.tactic", "mitre.vendor", "tests"]
    lines = {key: doc.line_of(tuple(key.split("."))) for key in keys}
    block = ("query",) in doc.block_scalars
    lines["query.text"] = lines["query"] + (1 if block else 0)
    lines["query.indent"] = _indent(doc.text, lines["query.text"]) if block else 0
    techniques = doc.data.get("mitre", {}).get("techniques", [])
    for index in range(len(techniques) if isinstance(techniques, list) else 0):
        lines[f"mitre.techniques[{index}]"] = doc.line_of(("mitre", "techniques", index))
    return lines


def _display(path: Path) -> str:
    """``path`` relative to the working folder when inside it (string work: called per file)."""
    try:
        here = os.getcwd()
    except OSError:
        return str(path)
    absolute = os.path.normpath(os.path.join(here, path))
    if absolute == here:
        return "."
    inside = here if here.endswith(os.sep) else here + os.sep
    return absolute[len(inside) :] if absolute.startswith(inside) else str(path)


def _load_pack(directory: Path) -> tuple[Pack | None, list[Diagnostic]]:
    path = directory / PACK_FILE
    display = _display(path)
    if not is_regular(path):
        return None, [
            Diagnostic(
                display,
                0,
                "",
                "missing pack metadata file",
                "create pack.yaml with name, version, description and attack",
                code="CXP113",
            )
        ]
    doc, found = read_yaml_file(path, display)
    if doc is None:
        return None, found
    found = schema_diagnostics(doc, "pack.schema.json", display)
    if found:
        return None, found
    raw = doc.data
    table = attack_table()
    if raw["attack"]["version"] != table.version:
        return None, [
            Diagnostic(
                display,
                doc.line_of(("attack", "version")),
                "attack.version",
                f"catalog pins ATT&CK v{raw['attack']['version']} but the project's table "
                f"is v{table.version}",
                f'set version: "{table.version}"',
                code="CXP404",
            )
        ]
    return Pack(raw["name"], raw["version"], raw["description"].strip(), raw["attack"]["version"]), []


def _load_detection(path: Path) -> tuple[Detection | None, dict[str, int], list[Diagnostic]]:
    display = _display(path)
    doc, found = read_yaml_file(path, display)
    if doc is None:
        return None, {}, found
    found = schema_diagnostics(doc, "detection.schema.json", display)
    if errors_only(found):
        return None, {}, found
    lines = _lines(doc)
    detection = detection_from_dict(doc.data, Path(display), lines)
    found += _detection_checks(detection, lines)
    return detection, lines, found


def _detection_checks(detection: Detection, lines: dict[str, int]) -> list[Diagnostic]:
    table = attack_table()
    return [
        *checks.check_filename(detection, lines["id"]),
        *checks.check_attack(detection, table, lines),
        *checks.check_vendor_mapping(detection, table, lines["mitre.vendor"]),
        *checks.check_query(detection, lines["query.text"], lines["query.indent"]),
        *checks.check_tests(detection, lines["tests"]),
    ]


def catalog_files(directory: Path) -> list[Path]:
    found = [p for p in directory.glob("*.yaml") if p.name != PACK_FILE and is_regular(p)]
    return sorted(found, key=lambda p: p.name)  # one folder: names order them as paths would


def misplaced_files(directory: Path) -> list[Diagnostic]:
    """Files that look like detections but would not be loaded: each is an error, never a silent skip
    (a detection saved as .yml would otherwise vanish, and `apply --prune` would delete its alert)."""
    found = []
    for path in sorted(directory.iterdir(), key=lambda p: p.name):
        suffix = path.suffix.lower()
        if suffix not in (".yaml", ".yml") or path.name.startswith("."):
            continue
        display = _display(path)
        if path.suffix != ".yaml":
            found.append(
                Diagnostic(
                    display,
                    0,
                    "",
                    f"not loaded: detection files must end in .yaml, not {path.suffix}",
                    f"rename it to {path.stem}.yaml",
                    code="CXP114",
                )
            )
        elif not is_regular(path):
            found.append(
                Diagnostic(
                    display,
                    0,
                    "",
                    "not a regular file (a folder, pipe, device or broken symlink)",
                    "replace it with a YAML file or remove it",
                    code="CXP115",
                )
            )
    return found


def content_hash(directory: Path) -> str:
    digest = hashlib.sha256()
    for path in [directory / PACK_FILE, *catalog_files(directory)]:
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _fingerprint(directory: Path) -> str:
    """Everything a load depends on: the folder's entries and the bytes of the files it reads."""
    digest = hashlib.sha256(content_hash(directory).encode())
    for entry in sorted(directory.iterdir(), key=lambda p: p.name):
        digest.update(f"{entry.name}\0{is_regular(entry)}\0".encode())
    return digest.hexdigest()


_LOADED: dict[tuple[str, str, str], tuple[Catalog | None, tuple[Diagnostic, ...]]] = {}


def load_catalog_with_diagnostics(directory: Path) -> tuple[Catalog | None, list[Diagnostic]]:
    """Load and check a catalog. A process that loads the same unchanged folder again (a library
    user, the test suite) gets the earlier result: the key is the content, not the path."""
    if not directory.is_dir():
        return _load_uncached(directory)
    try:
        key = (str(directory.absolute()), os.getcwd(), _fingerprint(directory))
    except OSError:
        return _load_uncached(directory)
    if key not in _LOADED:
        if len(_LOADED) > 64:
            _LOADED.clear()
        loaded, found = _load_uncached(directory)
        _LOADED[key] = (loaded, tuple(found))
    catalog, remembered = _LOADED[key]
    return catalog, list(remembered)


def _load_uncached(directory: Path) -> tuple[Catalog | None, list[Diagnostic]]:
    if not directory.is_dir():
        return None, [
            Diagnostic(
                _display(directory),
                0,
                "",
                "catalog directory not found",
                "pass --catalog DIR pointing at a folder of detection YAML files",
                code="CXP110",
            )
        ]
    pack, found = _load_pack(directory)
    found += misplaced_files(directory)
    loaded: list[tuple[Detection, dict[str, int]]] = []
    files = catalog_files(directory)
    if not files:
        found.append(
            Diagnostic(
                _display(directory),
                0,
                "",
                "no detection files (*.yaml) found",
                "add one YAML file per detection",
                code="CXP112",
            )
        )
    for path in files:
        detection, lines, diagnostics = _load_detection(path)
        found += diagnostics
        if detection is not None:
            loaded.append((detection, lines))
    found += checks.check_unique(loaded)
    if pack is None or errors_only(found):
        return None, sorted(found)
    detections = tuple(sorted((d for d, _ in loaded), key=lambda d: d.id))
    return Catalog(pack, detections, directory, content_hash(directory)), sorted(found)


def load_catalog(directory: Path) -> Catalog:
    catalog, diagnostics = load_catalog_with_diagnostics(directory)
    if catalog is None:
        raise PackError(diagnostics)
    return catalog
