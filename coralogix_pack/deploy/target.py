"""Where to deploy and with which key: region -> base URL, API key from env or file, redaction."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from coralogix_pack.coralogix.api import (
    API_PATH,
    REGION_ALIASES,
    REGION_HOSTS,
    REGIONS,
    canonical_region,
    domain_host,
)
from coralogix_pack.core import redaction
from coralogix_pack.core.errors import CoralogixPackError
from coralogix_pack.core.files import Unreadable, read_bounded
from coralogix_pack.core.network import is_loopback

KEY_ENV = "CORALOGIX_API_KEY"
MAX_KEY_FILE_BYTES = 64 * 2**10
REGION_ENV = "CORALOGIX_REGION"  # pack's own name, kept for existing set-ups
PROVIDER_ENV = "CORALOGIX_ENV"  # the Terraform provider's: a region or an alias
DOMAIN_ENV = "CORALOGIX_DOMAIN"  # the Terraform provider's: a Coralogix domain


class TargetError(CoralogixPackError):
    def __init__(self, message: str, hint: str = ""):
        self.message, self.hint = message, hint
        super().__init__(f"{message} ({hint})" if hint else message)


@dataclass(frozen=True)
class Target:
    base_url: str
    api_key: str

    def __repr__(self) -> str:  # never show the key, even in a debugger or a traceback
        return f"Target(base_url={self.base_url!r}, api_key='***')"

    def redact(self, text: str) -> str:
        redaction.register(self.api_key)
        return redaction.redact(text)


def base_url_for(region: str | None, api_url: str | None, domain: str | None = None) -> str:
    """The API base URL: --api-url, else --region or --domain, else the environment the Terraform
    provider reads (CORALOGIX_ENV or CORALOGIX_DOMAIN, never both), else CORALOGIX_REGION."""
    if api_url:
        return checked_url(api_url.rstrip("/"))
    if region and domain:
        raise TargetError("--region and --domain both given", "pass one of them")
    if region:
        return _region_url(region, "--region")
    if domain:
        return _domain_url(domain, "--domain")
    env, env_domain = os.environ.get(PROVIDER_ENV, "").strip(), os.environ.get(DOMAIN_ENV, "").strip()
    if env and env_domain:
        raise TargetError(
            f"both {PROVIDER_ENV} and {DOMAIN_ENV} are set",
            "unset one: like the Terraform provider, pack needs exactly one of them",
        )
    if env_domain:
        return _domain_url(env_domain, DOMAIN_ENV)
    legacy = os.environ.get(REGION_ENV, "").strip()
    if env and legacy and canonical_region(env) != canonical_region(legacy):
        raise TargetError(f"{PROVIDER_ENV}={env} and {REGION_ENV}={legacy} disagree", "unset one of them")
    if env or legacy:
        return _region_url(env or legacy, PROVIDER_ENV if env else REGION_ENV)
    raise TargetError(
        "no Coralogix region given",
        f"pass --region ({', '.join(REGIONS)}) or --domain, set {PROVIDER_ENV} or {DOMAIN_ENV} "
        "(as for the Terraform provider), or pass --api-url",
    )


def _region_url(name: str, source: str) -> str:
    region = canonical_region(name)
    if region is None:
        aliases = ", ".join(REGION_ALIASES)
        raise TargetError(
            f"{source}: unknown region {name!r}", f"use one of {', '.join(REGIONS)} (or {aliases})"
        )
    return f"https://{REGION_HOSTS[region]}{API_PATH}"


def _domain_url(domain: str, source: str) -> str:
    host = domain_host(domain)
    if host is None:
        raise TargetError(
            f"{source}: {domain!r} is not a Coralogix domain", "use the domain only, e.g. eu2.coralogix.com"
        )
    return f"https://{host}{API_PATH}"


def checked_url(url: str) -> str:
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 - parsing it is the check
    except ValueError:
        raise TargetError(f"--api-url {url!r} has an invalid port", "use a port from 1 to 65535") from None
    if parts.scheme in ("http", "https") and not parts.hostname:
        raise TargetError(
            f"--api-url {url!r} has no host name", "e.g. https://api.eu2.coralogix.com/mgmt/openapi/5"
        )
    if parts.query or parts.fragment or "?" in url or "#" in url:
        raise TargetError(
            f"--api-url {url!r} has a query string or fragment",
            "give the base URL only, ending in /mgmt/openapi/5: pack adds the paths and parameters",
        )
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and parts.hostname and is_loopback(parts.hostname):
        return url
    raise TargetError(
        f"refusing {url!r}: the API key may only travel over HTTPS",
        "use an https:// URL (plain http is allowed for 127.0.0.1, ::1 and localhost only)",
    )


def read_api_key(key_file: Path | None) -> str:
    if key_file is not None:
        return _checked_key(_read_key_file(key_file), f"the API key file {key_file}")
    key = os.environ.get(KEY_ENV, "")
    if not key.strip():
        raise TargetError(
            "no API key",
            f"set {KEY_ENV} or pass --api-key-file FILE (a key with the Alerts preset: "
            "alerts:ReadConfig and alerts:UpdateConfig)",
        )
    return _checked_key(key, KEY_ENV)


def _read_key_file(key_file: Path) -> str:
    try:
        data = read_bounded(key_file, MAX_KEY_FILE_BYTES)  # a key is a few dozen bytes
    except Unreadable as exc:
        raise TargetError(
            f"cannot read the API key file {key_file}: {exc.reason}", "check the path"
        ) from None
    try:
        text = data.decode("utf-8-sig")  # editors on Windows save a BOM
    except UnicodeDecodeError:
        raise TargetError(
            f"the API key file {key_file} is not UTF-8 text", "save the key as plain ASCII text"
        ) from None
    if not text.strip():
        raise TargetError(f"the API key file {key_file} is empty", "put the key on the first line")
    return text


def _checked_key(raw: str, source: str) -> str:
    key = raw.strip()
    redaction.register(key)
    for line in raw.splitlines():
        redaction.register(line)
    if any(c in key for c in "\r\n"):
        lines = len([line for line in key.splitlines() if line.strip()])
        raise TargetError(f"{source} holds {lines} lines, not one key", "keep only the key, on one line")
    if not key.isascii() or not key.isprintable() or " " in key:
        raise TargetError(
            f"{source} holds characters an API key cannot have (spaces, control or non-ASCII characters)",
            "copy the key again from Coralogix (Settings, API Keys)",
        )
    return key


def resolve_target(
    region: str | None, api_url: str | None, key_file: Path | None, domain: str | None = None
) -> Target:
    return Target(base_url_for(region, api_url, domain), read_api_key(key_file))
