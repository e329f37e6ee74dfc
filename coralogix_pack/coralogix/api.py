"""Facts about Coralogix's alert-definitions API, in one place (see docs/ and the reference notes).

Everything here comes from Coralogix's own specs and clients; a wrong guess is corrected once.
"""

from __future__ import annotations

import re

API_PATH = "/mgmt/openapi/5"  # the v5 facade; "/latest" may reach an older facade
ALERTS = "/alerts/alerts/v3"
# The list call's page token. The gateway splits query keys on "." and matches proto or JSON
# names, and silently drops keys it does not know (which returns page 1 again).
PAGE_TOKEN_PARAM = "pagination.pageToken"
PAGE_SIZE_PARAM = "pagination.pageSize"
MAX_PAGE_SIZE = 1000
# DataPrime direct queries (query API notes): same host as the alerts API, 30 queries/minute/team.
QUERY_PATH = "/api/v1/dataprime/query"
# Notification Center, read-only (connectors and preset summaries), same facade as the alerts API.
CONNECTORS = "/notifications/notification-center/v1/connectors"
PRESETS = "/notifications/notification-center/v1/presets:summariesList"
QUERIES_PER_MINUTE = 30

# Regions as the Terraform provider accepts them (CORALOGIX_ENV), with its aliases.
REGIONS = ("EU1", "EU2", "US1", "US2", "US3", "AP1", "AP2", "AP3")
REGION_ALIASES = {
    "EUROPE1": "EU1",
    "EUROPE2": "EU2",
    "USA1": "US1",
    "USA2": "US2",
    "USA3": "US3",
    "APAC1": "AP1",
    "APAC2": "AP2",
    "APAC3": "AP3",
}
# `api.<region>.coralogix.com` is the one host form both maintained Coralogix clients share for
# every region (AP1 alone has three spellings elsewhere); --api-url overrides it.
REGION_HOSTS = {region: f"api.{region.lower()}.coralogix.com" for region in REGIONS}
_DOMAIN = re.compile(r"(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")

# Field limits of AlertDefProperties (SDK spec).
NAME_MAX = 512
DESCRIPTION_MAX = 3000
MINUTES_MAX = 10080  # incident and webhook cadence: one week
THRESHOLD_RULES_MAX = 5


def canonical_region(name: str) -> str | None:
    """EU1 ... AP3 for a region name or provider alias in any case; None when unknown."""
    upper = name.strip().upper()
    if upper in REGIONS:
        return upper
    return REGION_ALIASES.get(upper)


def domain_host(domain: str) -> str | None:
    """The API host of a Coralogix domain (``eu2.coralogix.com`` -> ``api.eu2.coralogix.com``),
    the SDK's rule; None when the text is not a host name."""
    domain = domain.strip().lower().rstrip(".")
    domain = domain.removeprefix("https://").removeprefix("api.")
    if not _DOMAIN.fullmatch(domain):
        return None
    return f"api.{domain}"
