"""Load a catalog directory into a validated Catalog, collecting every error."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from coralogix_pack.catalog import checks, kind_checks
from coralogix_pack.catalog.attack import attack_table
from coralogix_pack.catalog.model import (
    Catalog,
    Detection,
    KnownGap,
    Pack,
    content_digest,
    detection_from_dict,
)
from coralogix_pack.core.diagnostics import Diagnostic, PackError, errors_only
from coralogix_pack.documents.files import parse_yaml_bytes, read_capped
from coralogix_pack.documents.schema_check import schema_diagnostics
from coralogix_pack.documents.yaml_source import YamlDocument

PACK_FILE = "pack.yaml"


def _indent(text: str, line: int) -> int:
    lines = text.splitlines()
    content = lines[line - 1] if 0 < line <= len(lines) else ""
    return len(content) - len(content.lstrip(" "))


def _lines(doc: YamlDocument) -> dict[str, int]:
    keys = [
        "id",
        "title",
        "description",
        "query",
        "mitre",
        "mitre.tactic",
        "mitre.vendor",
        "tests",
        "threshold",
    ]
    keys += ["new_value", "unique_count", "flow"]
    lines = {key: doc.line_of(tuple(key.split("."))) for key in keys}
    stages = doc.data.get("flow", {}).get("stages", []) if isinstance(doc.data.get("flow"), dict) else []
    for index in range(len(stages) if isinstance(stages, list) else 0):
        lines[f"flow.stages[{index}]"] = doc.line_of(("flow", "stages", index))
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


@dataclass
class _Folder:
    """One pass over a catalog folder: its entries, and each file a load reads, read once."""

    entries: list[tuple[str, bool]]  # (name, regular file?) by name
    read: dict[str, tuple[bytes | None, list[Diagnostic]]] = field(default_factory=dict)

    @property
    def detection_names(self) -> list[str]:
        return [name for name, regular in self.entries if regular and _detection_name(name)]

    def sources(self) -> dict[str, bytes]:
        return {name: data for name, (data, _) in self.read.items() if data is not None}

    def content_hash(self) -> str:
        return content_digest([PACK_FILE, *self.detection_names], self.sources())

    def fingerprint(self) -> str:
        """Everything a load depends on: the folder's entries and the bytes of the files it reads."""
        digest = hashlib.sha256(self.content_hash().encode())
        for name, regular in self.entries:
            digest.update(f"{name}\0{regular}\0".encode())
        return digest.hexdigest()


def _detection_name(name: str) -> bool:
    return name.endswith(".yaml") and name != PACK_FILE


def _regular(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file()  # the listing's file type: a stat only for symlinks
    except OSError:  # a symlink loop, for one
        return False


def _read_folder(directory: Path) -> _Folder:
    """Raises OSError when the folder cannot be listed."""
    with os.scandir(directory) as listing:
        entries = sorted((entry.name, _regular(entry)) for entry in listing)
    folder = _Folder(entries)
    for name in [PACK_FILE, *folder.detection_names]:
        if name == PACK_FILE and (name, True) not in entries:
            continue
        path = directory / name
        folder.read[name] = read_capped(path, _display(path), regular=True)
    return folder


def _load_pack(directory: Path, folder: _Folder) -> tuple[Pack | None, list[Diagnostic]]:
    path = directory / PACK_FILE
    display = _display(path)
    if PACK_FILE not in folder.read:
        return None, [
            Diagnostic(
                file=display,
                message="missing pack metadata file",
                hint="create pack.yaml with name, version, description and attack",
                code="CXP113",
            )
        ]
    data, found = folder.read[PACK_FILE]
    doc, found = (None, found) if data is None else parse_yaml_bytes(data, display)
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
                file=display,
                line=doc.line_of(("attack", "version")),
                path="attack.version",
                message=f"catalog pins ATT&CK v{raw['attack']['version']} but the project's table "
                f"is v{table.version}",
                hint=f'set version: "{table.version}"',
                code="CXP404",
            )
        ]
    gaps = tuple(KnownGap(**g) for g in raw.get("known_gaps", []))
    return Pack(raw["name"], raw["version"], raw["description"].strip(), raw["attack"]["version"], gaps), []


def _load_detection(
    path: Path, read: tuple[bytes | None, list[Diagnostic]]
) -> tuple[Detection | None, dict[str, int], list[Diagnostic]]:
    display = _display(path)
    data, found = read
    doc, found = (None, found) if data is None else parse_yaml_bytes(data, display)
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
        *(
            checks.check_query(detection, lines["query.text"], lines["query.indent"])
            if detection.kind.has_query
            else ()
        ),
        *checks.check_tests(detection, lines["tests"]),
        *kind_checks.check_keypaths(detection, lines),
        *kind_checks.check_threshold_condition(detection, lines["threshold"]),
    ]


def misplaced_files(directory: Path, folder: _Folder) -> list[Diagnostic]:
    """Files that look like detections but would not be loaded: each is an error, never a silent skip
    (a detection saved as .yml would otherwise vanish, and `apply --prune` would delete its alert)."""
    found = []
    for name, regular in folder.entries:
        if regular and name.endswith(".yaml"):
            continue  # the common case: loaded
        path = directory / name
        suffix = path.suffix.lower()
        if suffix not in (".yaml", ".yml") or path.name.startswith("."):
            continue
        display = _display(path)
        if path.suffix != ".yaml":
            found.append(
                Diagnostic(
                    file=display,
                    message=f"not loaded: detection files must end in .yaml, not {path.suffix}",
                    hint=f"rename it to {path.stem}.yaml",
                    code="CXP114",
                )
            )
        elif not regular:
            found.append(
                Diagnostic(
                    file=display,
                    message="not a regular file (a folder, pipe, device or broken symlink)",
                    hint="replace it with a YAML file or remove it",
                    code="CXP115",
                )
            )
    return found


_LOADED: dict[tuple[str, str, str], tuple[Catalog | None, tuple[Diagnostic, ...]]] = {}


def load_catalog_with_diagnostics(directory: Path) -> tuple[Catalog | None, list[Diagnostic]]:
    """Load and check a catalog. A process that loads the same unchanged folder again (a library
    user, the test suite) gets the earlier result: the key is the content, not the path."""
    if not directory.is_dir():
        return _load_uncached(directory, None)
    try:
        folder = _read_folder(directory)
        key = (str(directory.absolute()), os.getcwd(), folder.fingerprint())
    except OSError as exc:
        return None, [_unreadable(directory, exc)]
    if key not in _LOADED:
        if len(_LOADED) > 64:
            _LOADED.clear()
        loaded, found = _load_uncached(directory, folder)
        _LOADED[key] = (loaded, tuple(found))
    catalog, remembered = _LOADED[key]
    return catalog, list(remembered)


def _unreadable(directory: Path, exc: OSError) -> Diagnostic:
    return Diagnostic(
        file=_display(directory),
        message=f"cannot list the catalog directory: {exc.strerror or exc}",
        hint="check its permissions",
        code="CXP110",
    )


def _load_uncached(directory: Path, folder: _Folder | None) -> tuple[Catalog | None, list[Diagnostic]]:
    if folder is None or not directory.is_dir():
        return None, [
            Diagnostic(
                file=_display(directory),
                message="catalog directory not found",
                hint="pass --catalog DIR pointing at a folder of detection YAML files",
                code="CXP110",
            )
        ]
    pack, found = _load_pack(directory, folder)
    found += misplaced_files(directory, folder)
    loaded: list[tuple[Detection, dict[str, int]]] = []
    names = folder.detection_names
    if not names:
        found.append(
            Diagnostic(
                file=_display(directory),
                message="no detection files (*.yaml) found",
                hint="add one YAML file per detection",
                code="CXP112",
            )
        )
    for name in names:
        detection, lines, diagnostics = _load_detection(directory / name, folder.read[name])
        found += diagnostics
        if detection is not None:
            loaded.append((detection, lines))
    found += checks.check_unique(loaded)
    found += kind_checks.check_flows(loaded)
    if pack is None or errors_only(found):
        return None, sorted(found)
    detections = tuple(sorted((d for d, _ in loaded), key=lambda d: d.id))
    return Catalog(pack, detections, directory, folder.content_hash(), folder.sources()), sorted(found)


def load_catalog(directory: Path) -> Catalog:
    catalog, diagnostics = load_catalog_with_diagnostics(directory)
    if catalog is None:
        raise PackError(diagnostics)
    return catalog
