"""Named deployments: `--env prod` (or PACK_ENV=prod) selects environments/prod.yaml, which names
the values files and the account, so a plan after a production apply uses production's values."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from coralogix_pack.core.diagnostics import Diagnostic, PackError
from coralogix_pack.core.resources import project_root
from coralogix_pack.documents.files import read_yaml_file
from coralogix_pack.documents.schema_check import schema_diagnostics

ENV_VARIABLE = "PACK_ENV"
FOLDER = "environments"


@dataclass(frozen=True)
class Environment:
    name: str
    values: tuple[Path, ...] = ()
    region: str | None = None
    domain: str | None = None
    api_url: str | None = None
    source: Path | None = None
    extra: dict[str, str] = field(default_factory=dict)


def selected(name: str | None) -> str | None:
    return name or os.environ.get(ENV_VARIABLE) or None


_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def load_environment(name: str) -> Environment:
    if not _NAME.fullmatch(name) or ".." in name:
        raise PackError(
            [
                Diagnostic(
                    file="--env",
                    message=f"{name[:80]!r} is not an environment name",
                    hint="give a name such as prod (letters, digits, '.', '_', '-'; at most 64): it selects "
                    f"{FOLDER}/NAME.yaml",
                    code="CXP800",
                )
            ]
        )
    root = project_root() or Path.cwd()
    folder = root / FOLDER
    path = folder / f"{name}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []
        hint = f"known environments: {', '.join(known)}" if known else f"create {FOLDER}/{name}.yaml"
        raise PackError(
            [Diagnostic(file=str(path), message=f"no environment {name!r}", hint=hint, code="CXP800")]
        )
    doc, found = read_yaml_file(path, str(path))
    if doc is None:
        raise PackError(found)
    found = schema_diagnostics(doc, "environment.schema.json", str(path))
    if found:
        raise PackError(found)
    data = doc.data
    values = tuple(root / v for v in data.get("values", []))
    return Environment(name, values, data.get("region"), data.get("domain"), data.get("api_url"), path)
