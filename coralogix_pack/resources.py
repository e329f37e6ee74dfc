"""Where the bundled catalog, templates and schemas live.

In a wheel they are packaged under ``coralogix_pack/_bundled``; in a source
checkout (editable install, tests) they are the top-level folders.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
SCHEMA_DIR = PACKAGE_DIR / "schemas"


def _bundled(name: str) -> Path:
    packaged = PACKAGE_DIR / "_bundled" / name
    if packaged.is_dir():
        return packaged
    return PACKAGE_DIR.parent / name


def default_catalog_dir() -> Path:
    return _bundled("catalog")


def default_templates_dir() -> Path:
    return _bundled("templates")
