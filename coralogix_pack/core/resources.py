"""Where the catalog, templates and schemas come from.

Like terraform's working directory: without ``--catalog``, a command uses the catalog of the
project it runs in (the nearest ``catalog/pack.yaml`` in the working folder or a parent), so an
edit in a clone is never silently ignored; only outside any project does it use the catalog
bundled in the package. In a wheel that is ``coralogix_pack/_bundled``; in a source checkout,
the top-level folders.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # coralogix_pack/
SCHEMA_DIR = PACKAGE_DIR / "schemas"


def _bundled(name: str) -> Path:
    packaged = PACKAGE_DIR / "_bundled" / name
    if packaged.is_dir():
        return packaged
    return PACKAGE_DIR.parent / name


def project_root(start: Path | None = None) -> Path | None:
    """The nearest folder at or above ``start`` (default: the working folder) with catalog/pack.yaml."""
    here = (start or Path.cwd()).absolute()
    for folder in (here, *here.parents):
        try:
            if (folder / "catalog" / "pack.yaml").is_file():
                return folder
        except OSError:
            return None
    return None


def default_catalog_dir() -> Path:
    root = project_root()
    return root / "catalog" if root else _bundled("catalog")


def default_templates_dir() -> Path:
    root = project_root()
    if root and (root / "templates").is_dir():
        return root / "templates"
    return _bundled("templates")


def is_bundled(path: Path) -> bool:
    try:
        return (
            path.resolve() in (_bundled("catalog").resolve(), _bundled("templates").resolve())
            and not project_root()
        )
    except OSError:
        return False


def describe(path: Path, pack_label: str = "") -> str:
    """How a summary line names a catalog or template folder: its path, or "bundled ..."."""
    if is_bundled(path):
        return f"bundled {pack_label}".strip()
    try:
        return str(path.absolute().relative_to(Path.cwd())) + "/"
    except ValueError:
        return str(path) + "/"
