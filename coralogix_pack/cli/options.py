"""Options shared by several commands, with their range checks."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from coralogix_pack.catalog.model import Catalog
    from coralogix_pack.deploy.client import CoralogixClient

CatalogOpt = Annotated[
    Path | None,
    typer.Option(
        "--catalog",
        metavar="DIR",
        help="Catalog folder (default: the project's catalog/, else the bundled one).",
        file_okay=False,
    ),
]
TemplatesOpt = Annotated[
    Path | None,
    typer.Option(
        "--templates",
        metavar="DIR",
        help="Templates folder (default: the project's templates/, else the bundled ones).",
        file_okay=False,
    ),
]
ValuesOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--values",
        metavar="FILE",
        help="Values file; repeat: mappings merge, exception and webhook lists add up, "
        "other values: the later file wins.",
        dir_okay=False,
    ),
]
FormatOpt = Annotated[
    str, typer.Option("--format", metavar="FORMAT", help="text or json.", case_sensitive=False)
]
OnlyOpt = Annotated[
    list[str] | None, typer.Option("--only", metavar="ID", help="Limit to these detection ids; repeat.")
]


class OutputFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"  # pack plan: a pull-request comment
    GITHUB = "github"  # pack validate: workflow annotations


def check_format(value: str, allowed: tuple[str, ...] = ("text", "json")) -> OutputFormat:
    if value.lower() not in allowed:
        raise typer.BadParameter(f"--format must be {' or '.join(allowed)}, not {value!r}")
    return OutputFormat(value.lower())


def positive_seconds(value: float) -> float:
    if not math.isfinite(value) or value <= 0:
        raise typer.BadParameter(f"{value} is not a positive number of seconds")
    return value


def non_negative_seconds(value: float) -> float:
    if not math.isfinite(value) or value < 0:
        raise typer.BadParameter(f"{value} is not zero or a positive number of seconds")
    return value


RegionOpt = Annotated[
    str | None,
    typer.Option(
        "--region",
        metavar="REGION",
        help="EU1, EU2, US1, US2, US3, AP1, AP2 or AP3, or the provider's aliases (default: $CORALOGIX_ENV).",
    ),
]
DomainOpt = Annotated[
    str | None,
    typer.Option(
        "--domain",
        metavar="DOMAIN",
        help="Coralogix domain, e.g. eu2.coralogix.com (default: $CORALOGIX_DOMAIN).",
    ),
]
ApiUrlOpt = Annotated[
    str | None,
    typer.Option(
        "--api-url",
        metavar="URL",
        help="Base URL instead of a region, e.g. https://api.example/mgmt/openapi/5.",
    ),
]
KeyFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--api-key-file",
        metavar="FILE",
        help="Read the API key from this file (default: $CORALOGIX_API_KEY).",
        dir_okay=False,
    ),
]
TimeoutOpt = Annotated[
    float,
    typer.Option(
        "--timeout",
        metavar="SECONDS",
        help="Seconds per HTTP request, answer included.",
        callback=positive_seconds,
    ),
]
RetryDelayOpt = Annotated[
    float,
    typer.Option(
        "--retry-base-delay",
        help="First retry back-off in seconds.",
        hidden=True,
        callback=non_negative_seconds,
    ),
]


def source_note(
    catalog: Catalog,
    values: Sequence[Path] = (),
    environment: str | None = None,
    templates: Path | None = None,
) -> str:
    """Which environment, catalog and templates (a path, or "bundled ...") and values files were used."""
    from coralogix_pack.core.resources import describe

    label = describe(catalog.directory, f"{catalog.pack.name} {catalog.pack.version}")
    files = ", ".join(str(v) for v in values) if values else "none"
    prefix = f"environment: {environment}; " if environment else ""
    shown = f"; templates: {describe(templates, 'templates')}" if templates is not None else ""
    return f"{prefix}catalog: {label}{shown}; values: {files}"


AllowExpiredOpt = Annotated[
    bool,
    typer.Option(
        "--allow-expired", help="Deploy exceptions past their expires date (a warning, not an error)."
    ),
]
EnvOpt = Annotated[
    str | None,
    typer.Option(
        "--env", metavar="NAME", help="Use environments/NAME.yaml: its values files and account ($PACK_ENV)."
    ),
]


@dataclass
class Selection:
    """The values files and account a command uses, after --env."""

    values: list[Path]
    region: str | None = None
    domain: str | None = None
    api_url: str | None = None
    environment: str | None = None
    environment_file: Path | None = None

    def connect(self, api_key_file: Path | None, timeout: float, retry_delay: float = 0.5) -> CoralogixClient:
        """A client for the selected account (the key from the environment or ``api_key_file``)."""
        from coralogix_pack import library

        return library.connect(
            self.region,
            api_url=self.api_url,
            domain=self.domain,
            api_key_file=api_key_file,
            timeout=timeout,
            retry_base_delay=retry_delay,
        )


def select_environment(
    env: str | None,
    values: list[Path] | None,
    region: str | None = None,
    domain: str | None = None,
    api_url: str | None = None,
) -> Selection:
    """--env NAME (or PACK_ENV): its values first, then --values; its account unless one is given."""
    from coralogix_pack.values.environments import load_environment, selected

    name = selected(env)
    if name is None:
        return Selection(list(values or []), region, domain, api_url)
    chosen = load_environment(name)
    if not (region or domain or api_url):
        region, domain, api_url = chosen.region, chosen.domain, chosen.api_url
    return Selection([*chosen.values, *(values or [])], region, domain, api_url, name, chosen.source)
